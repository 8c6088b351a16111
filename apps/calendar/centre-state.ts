/** The centre at one instant, as the CLI and the console both show it: staffed or not, hours, transfers. */
import type { Department } from '../../db/repositories/reference.js';
import { jstDate } from '../time/jst.js';
import type { CentreHours, DayInfo, WardCalendar } from './ward-calendar.js';

export interface CentreState {
  day: DayInfo;
  hours: CentreHours;
  staffed: boolean;
  /** `t` itself when staffed. */
  nextOpening: Date;
  /** Active departments, and how many of them take a transfer at `t`. */
  departments: number;
  departmentsOpen: number;
}

export function centreState(calendar: WardCalendar, departments: Department[], t: Date): CentreState {
  const date = jstDate(t);
  const active = departments.filter((d) => d.active);
  // The window is enough to count; canTransfer would also search each refusing department's next window.
  const open = active.filter((d) => {
    const w = calendar.transferWindow(d, date);
    return w !== null && t >= w.start && t < w.end;
  });
  return {
    day: calendar.dayInfo(date),
    hours: calendar.centreHours(date),
    staffed: calendar.isStaffed(t),
    nextOpening: calendar.nextOpening(t),
    departments: active.length,
    departmentsOpen: open.length,
  };
}

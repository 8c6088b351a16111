/**
 * The ward's own closed days: the year-end and New Year closure of the offices (12/29-1/3; 1/1 is also a
 * public holiday), for the whole contract period (2027-06 to 2031-10, §5) and the year before, for tests
 * and the demo. The centre itself stays open on these days with weekend hours (T2); transfers stop (T7).
 * Election days are announced per election, so none is seeded; the administrator adds them.
 */
import type { CalendarDay } from '../repositories/reference.js';

export function yearEndClosures(fromYear: number, toYear: number): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (let y = fromYear; y <= toYear; y++) {
    for (const d of [29, 30, 31]) days.push({ date: `${y}-12-${d}`, kind: 'ward_closed', name: '年末年始閉庁日' });
    for (const d of [1, 2, 3]) days.push({ date: `${y + 1}-01-0${d}`, kind: 'ward_closed', name: '年末年始閉庁日' });
  }
  return days;
}

export const WARD_CALENDAR_DAYS: CalendarDay[] = yearEndClosures(2026, 2031);

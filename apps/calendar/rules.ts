/** The hours the spec fixes (§9(1)②): centre staffing (T2) and transfers to departments (T7), in JST. */
import { fromJst, parseDate } from '../time/jst.js';

/** Wall-clock `HH:MM` in JST; the day is [open, close). */
export interface DailyHours {
  open: string;
  close: string;
}

export type CentreDayKind = 'weekday' | 'weekend_holiday' | 'election';

/** Open every day incl. New Year; the ward's closed days (閉庁日) use weekend hours. */
export const CENTRE_HOURS: Readonly<Record<CentreDayKind, DailyHours>> = {
  weekday: { open: '08:00', close: '19:00' },
  weekend_holiday: { open: '08:00', close: '18:00' },
  election: { open: '06:30', close: '20:00' },
};

/** Departments take transfers on weekdays; some desks also on Saturdays other than the third. */
export const TRANSFER_HOURS = {
  weekday: { open: '08:30', close: '17:15' },
  saturday: { open: '09:00', close: '17:00' },
} as const satisfies Record<string, DailyHours>;

/** How far ahead a search for the next transfer window looks before giving up. */
export const SEARCH_DAYS = 366;

/** The instants of a day's hours. */
export function hoursOn(date: string, hours: DailyHours): { start: Date; end: Date } {
  const d = parseDate(date);
  if (!d) throw new RangeError(`not a date: ${date}`);
  const at = (hm: string) => fromJst(d.year, d.month, d.day, Number(hm.slice(0, 2)), Number(hm.slice(3, 5)));
  return { start: at(hours.open), end: at(hours.close) };
}

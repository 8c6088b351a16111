/**
 * The ward's calendar: when the centre is staffed (T2) and when a department takes transfers (T7), from the
 * public holidays and the ward's own days (閉庁日, 選挙日) kept in the database. Pure: time comes in as
 * arguments, so callers pass their Clock's now().
 */
import type { CalendarDay, Department } from '../../db/repositories/reference.js';
import { addDays, jstDate, parseDate, weekdayOf } from '../time/jst.js';
import { publicHoliday } from './holidays.js';
import { CENTRE_HOURS, SEARCH_DAYS, TRANSFER_HOURS, hoursOn, type CentreDayKind, type DailyHours } from './rules.js';

export interface DayInfo {
  date: string;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
  holiday: string | null;
  wardClosed: string | null;
  election: string | null;
  /** 第3土曜日: the Saturday desks do not take transfers then. */
  thirdSaturday: boolean;
}

export interface CentreHours {
  open: Date;
  close: Date;
  kind: CentreDayKind;
}

export interface TransferWindow {
  start: Date;
  end: Date;
}

/** Why a transfer is refused, for code that reacts (announcements, callbacks) rather than reads. */
export type RefusalCode =
  | 'inactive'
  | 'ward_closed'
  | 'holiday'
  | 'sunday'
  | 'saturday_not_served'
  | 'third_saturday'
  | 'before_hours'
  | 'after_hours';

export type TransferVerdict =
  | { ok: true; until: Date }
  | { ok: false; code: RefusalCode; reason: string; next: Date | null };

interface Refusal {
  code: RefusalCode;
  reason: string;
}

const within = (t: Date, start: Date, end: Date) => t >= start && t < end;

export class WardCalendar {
  private readonly wardClosed = new Map<string, string>();
  private readonly elections = new Map<string, string>();

  constructor(days: CalendarDay[]) {
    for (const day of days) {
      if (!parseDate(day.date)) throw new RangeError(`calendar day with a bad date: ${day.date}`);
      (day.kind === 'ward_closed' ? this.wardClosed : this.elections).set(day.date, day.name);
    }
  }

  holiday(date: string): string | null {
    return publicHoliday(date);
  }

  dayInfo(date: string): DayInfo {
    const d = parseDate(date);
    if (!d) throw new RangeError(`not a date: ${date}`);
    const weekday = weekdayOf(d.year, d.month, d.day);
    return {
      date,
      weekday,
      holiday: publicHoliday(date),
      wardClosed: this.wardClosed.get(date) ?? null,
      election: this.elections.get(date) ?? null,
      thirdSaturday: weekday === 6 && d.day >= 15 && d.day <= 21,
    };
  }

  centreHours(date: string): CentreHours {
    const info = this.dayInfo(date);
    const kind: CentreDayKind = info.election
      ? 'election'
      : info.weekday >= 1 && info.weekday <= 5 && !info.holiday && !info.wardClosed
        ? 'weekday'
        : 'weekend_holiday';
    const { start, end } = hoursOn(date, CENTRE_HOURS[kind]);
    return { open: start, close: end, kind };
  }

  /** 「t にセンターは有人か」: no day's hours cross midnight, so only t's own day matters. */
  isStaffed(t: Date): boolean {
    const h = this.centreHours(jstDate(t));
    return within(t, h.open, h.close);
  }

  /** t itself when staffed, else the next opening; the centre opens every day, so one day ahead suffices. */
  nextOpening(t: Date): Date {
    const today = this.centreHours(jstDate(t));
    if (t < today.open) return today.open;
    if (t < today.close) return t;
    return this.centreHours(addDays(jstDate(t), 1)).open;
  }

  transferWindow(dept: Department, date: string): TransferWindow | null {
    const info = this.dayInfo(date);
    if (refusalForDay(dept, info)) return null;
    return hoursOn(date, transferHours(info));
  }

  canTransfer(dept: Department, t: Date): TransferVerdict {
    const info = this.dayInfo(jstDate(t));
    const refusal = refusalForDay(dept, info) ?? refusalForTime(t, info);
    if (!refusal) return { ok: true, until: hoursOn(info.date, transferHours(info)).end };
    return { ok: false, ...refusal, next: this.nextTransferWindow(dept, t) };
  }

  /** The start of the next window at or after t; t itself when a window is open at t. */
  nextTransferWindow(dept: Department, t: Date): Date | null {
    if (!dept.active) return null;
    const first = jstDate(t);
    for (let i = 0; i <= SEARCH_DAYS; i++) {
      const w = this.transferWindow(dept, addDays(first, i));
      if (w && t < w.end) return t > w.start ? t : w.start;
    }
    return null;
  }
}

function transferHours(info: DayInfo): DailyHours {
  return info.weekday === 6 ? TRANSFER_HOURS.saturday : TRANSFER_HOURS.weekday;
}

/** Why the department takes no transfers at all that day, or null when it has a window. */
function refusalForDay(dept: Department, info: DayInfo): Refusal | null {
  if (!dept.active) return { code: 'inactive', reason: `転送停止中の部署です（${dept.name}）` };
  // 閉庁日 first: on 1/1 it is both, and the closure explains the whole 12/29-1/3 run.
  if (info.wardClosed) return { code: 'ward_closed', reason: `閉庁日（${info.wardClosed}）は転送できません` };
  if (info.holiday) return { code: 'holiday', reason: `祝日（${info.holiday}）は転送できません` };
  if (info.weekday === 0) return { code: 'sunday', reason: '日曜日は転送できません' };
  if (info.weekday === 6 && !dept.saturdayTransfer) {
    return { code: 'saturday_not_served', reason: '土曜日は転送できない部署です' };
  }
  if (info.thirdSaturday) return { code: 'third_saturday', reason: '土曜日（第3土曜）は転送できません' };
  return null;
}

function refusalForTime(t: Date, info: DayInfo): Refusal | null {
  const hours = transferHours(info);
  const { start, end } = hoursOn(info.date, hours);
  const span = `本日の転送受付は ${hours.open}〜${hours.close}`;
  if (t < start) return { code: 'before_hours', reason: `受付時間外です（開始前。${span}）` };
  if (t >= end) return { code: 'after_hours', reason: `受付時間外です（終了後。${span}）` };
  return null;
}

/**
 * `sc calendar now|check DATE-TIME [--department ID]`: what the ward's calendar says about one instant, so
 * staff can check hours (T2) and transfer windows (T7) before a holiday or an election, or under SC_CLOCK.
 */
import { parseArgs } from 'node:util';
import { describeDay, describeVerdict, formatWithWeekday, HOURS_LABEL, timeOfDay } from '../../apps/calendar/describe.js';
import type { WardCalendar } from '../../apps/calendar/ward-calendar.js';
import type { Clock } from '../../apps/time/clock.js';
import { jstDate, parseInstant } from '../../apps/time/jst.js';
import type { Department } from '../../db/repositories/reference.js';

export interface CalendarCommandContext {
  calendar: WardCalendar;
  departments: Department[];
  clock: Clock;
  out: (line: string) => void;
}

const USAGE = 'usage: sc calendar now [--department ID] | sc calendar check DATE-TIME [--department ID] (e.g. 2027-06-01T10:00, JST unless an offset is given)';

export async function calendarCommand(args: string[], ctx: CalendarCommandContext): Promise<number> {
  const fail = (message: string) => {
    ctx.out(`エラー / error: ${message}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { department: { type: 'string', short: 'd' } } });
  } catch (e) {
    return fail(`${(e as Error).message}; ${USAGE}`);
  }
  const [sub, ...words] = parsed.positionals;
  let t: Date | null;
  if (sub === 'now' && words.length === 0) {
    t = ctx.clock.now();
  } else if (sub === 'check' && words.length > 0) {
    // `check 2027-06-01 10:00` typed without quotes arrives as two words.
    const text = words.join(' ');
    t = parseInstant(text);
    if (!t) return fail(`日時を読めません / cannot read the date-time "${text}" (e.g. 2027-06-01T10:00)`);
  } else {
    return fail(USAGE);
  }
  const id = parsed.values.department;
  const dept = id === undefined ? undefined : ctx.departments.find((d) => d.id === id);
  if (id !== undefined && !dept) return fail(`部署が見つかりません / unknown department "${id}"`);
  let lines: string[];
  try {
    lines = report(t, ctx, dept, sub === 'check');
  } catch (e) {
    // Beyond the holiday data the calendar cannot answer; say so instead of guessing.
    if (e instanceof RangeError) return fail(e.message);
    throw e;
  }
  lines.forEach((line) => ctx.out(line));
  return 0;
}

function report(t: Date, ctx: CalendarCommandContext, dept: Department | undefined, countDepartments: boolean): string[] {
  const { calendar } = ctx;
  const date = jstDate(t);
  const hours = calendar.centreHours(date);
  const span = `本日 ${timeOfDay(hours.open)}〜${timeOfDay(hours.close)} ${HOURS_LABEL[hours.kind]}`;
  const lines = [
    `日時 / instant: ${formatWithWeekday(t, true)} JST`,
    `日の種類 / day: ${describeDay(calendar.dayInfo(date))}`,
    calendar.isStaffed(t)
      ? `センター / centre: 有人 / staffed — ${span}`
      : `センター / centre: 無人 / closed — ${span}; 次の開始 / next opening: ${formatWithWeekday(calendar.nextOpening(t))}`,
  ];
  if (dept) {
    lines.push(`部署 / department: ${dept.name} ${dept.nameEn} (${dept.id})`, ...describeVerdict(calendar.canTransfer(dept, t)));
  } else if (countDepartments) {
    const active = ctx.departments.filter((d) => d.active);
    const open = active.filter((d) => calendar.canTransfer(d, t).ok).length;
    lines.push(`転送できる部署 / departments taking transfers: ${open} / ${active.length}`);
  }
  return lines;
}

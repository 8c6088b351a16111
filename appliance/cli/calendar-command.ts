/**
 * `sc calendar now|check DATE-TIME [--department ID]`: what the ward's calendar says about one instant, so
 * staff can check hours (T2) and transfer windows (T7) before a holiday or an election, or under SC_CLOCK.
 */
import { parseArgs } from 'node:util';
import { describeDay, describeVerdict, formatWithWeekday, HOURS_LABEL, timeOfDay } from '../../apps/calendar/describe.js';
import { centreState } from '../../apps/calendar/centre-state.js';
import type { WardCalendar } from '../../apps/calendar/ward-calendar.js';
import type { Clock } from '../../apps/time/clock.js';
import { parseInstant } from '../../apps/time/jst.js';
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
  const state = centreState(ctx.calendar, ctx.departments, t);
  const span = `本日 ${timeOfDay(state.hours.open)}〜${timeOfDay(state.hours.close)} ${HOURS_LABEL[state.hours.kind]}`;
  const lines = [
    `日時 / instant: ${formatWithWeekday(t, true)} JST`,
    `日の種類 / day: ${describeDay(state.day)}`,
    state.staffed
      ? `センター / centre: 有人 / staffed — ${span}`
      : `センター / centre: 無人 / closed — ${span}; 次の開始 / next opening: ${formatWithWeekday(state.nextOpening)}`,
  ];
  if (dept) {
    lines.push(`部署 / department: ${dept.name} ${dept.nameEn} (${dept.id})`, ...describeVerdict(ctx.calendar.canTransfer(dept, t)));
  } else if (countDepartments) {
    lines.push(`転送できる部署 / departments taking transfers: ${state.departmentsOpen} / ${state.departments}`);
  }
  return lines;
}

/**
 * `sc calendar days|add-day|remove-day`: the ward's own days, which it sets itself and an administrator
 * keeps up to date: 閉庁日 (offices closed, no transfers; T7) and 選挙執行日 (centre 06:30-20:00; T2).
 */
import { userInfo } from 'node:os';
import type { Db } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { ReferenceRepository, type CalendarDayKind } from '../../db/repositories/reference.js';
import { parseDate } from '../../apps/time/jst.js';
import type { Clock } from '../../apps/time/clock.js';

const KINDS: Record<string, CalendarDayKind> = { election: 'election', closed: 'ward_closed', ward_closed: 'ward_closed' };
const LABEL: Record<CalendarDayKind, string> = { election: '選挙日 election', ward_closed: '閉庁日 ward closed' };

export const DAYS_SUBCOMMANDS = ['days', 'add-day', 'remove-day'];

const USAGE = `usage:
  sc calendar days [FROM [TO]]                  (dates YYYY-MM-DD)
  sc calendar add-day DATE election|closed NAME
  sc calendar remove-day DATE election|closed`;

export async function calendarDaysCommand(args: string[], ctx: { db: Db; clock: Clock; out: (line: string) => void }): Promise<number> {
  const [sub, date, kindArg, ...nameWords] = args;
  const ref = new ReferenceRepository(ctx.db);
  const fail = (message: string) => {
    ctx.out(`エラー / error: ${message}`);
    return 2;
  };
  if (sub === 'days') {
    const [from, to] = [date, kindArg];
    if ([from, to].some((d) => d !== undefined && !parseDate(d)) || nameWords.length) return fail(`not a date range\n${USAGE}`);
    for (const d of await ref.calendarDays(from, to)) ctx.out(`${d.date}\t${LABEL[d.kind]}\t${d.name}`);
    return 0;
  }
  if (!date || !parseDate(date)) return fail(`not a date: "${date ?? ''}" (YYYY-MM-DD)\n${USAGE}`);
  const kind = KINDS[kindArg ?? ''];
  if (!kind) return fail(`kind must be election or closed, not "${kindArg ?? ''}"\n${USAGE}`);
  const actor = `cli:${userInfo().username}`;
  const now = ctx.clock.now();
  const audit = new AuditRepository(ctx.db);
  if (sub === 'add-day') {
    const name = nameWords.join(' ').trim();
    if (!name || name.length > 64) return fail(`give the day a name of 1-64 characters, e.g. 世田谷区長選挙\n${USAGE}`);
    const added = await ctx.db.transaction(async (trx) => {
      const isNew = await ref.putCalendarDay({ date, kind, name }, now, trx);
      await audit.append({ actor, action: 'calendar.put_day', entity: 'calendar_day', entityId: `${date}/${kind}`, detail: { name, isNew } }, now, trx);
      return isNew;
    });
    ctx.out(`${added ? 'added' : 'renamed'}: ${date} ${LABEL[kind]} ${name}`);
    return 0;
  }
  if (sub === 'remove-day') {
    const removed = await ctx.db.transaction(async (trx) => {
      if (!(await ref.removeCalendarDay(date, kind, trx))) return false;
      await audit.append({ actor, action: 'calendar.remove_day', entity: 'calendar_day', entityId: `${date}/${kind}` }, now, trx);
      return true;
    });
    if (!removed) return fail(`no ${LABEL[kind]} on ${date}`);
    ctx.out(`removed: ${date} ${LABEL[kind]}`);
    return 0;
  }
  return fail(USAGE);
}

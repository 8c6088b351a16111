/**
 * `sc calendar days|add-day|remove-day`: the ward's own days, which it sets itself and an administrator
 * keeps up to date: 閉庁日 (offices closed, no transfers; T7) and 選挙執行日 (centre 06:30-20:00; T2).
 */
import { userInfo } from 'node:os';
import type { Db } from '../../db/connection.js';
import { DAY_KIND_LABELS, WardDays } from '../../apps/calendar/ward-days.js';
import type { Clock } from '../../apps/time/clock.js';
import { parseDate } from '../../apps/time/jst.js';
import { ValidationError } from '../../apps/validation.js';

/** On the command line a closed day is `closed`; stored as `ward_closed`. */
const KIND_WORDS: Record<string, string> = { closed: 'ward_closed' };

export const DAYS_SUBCOMMANDS = ['days', 'add-day', 'remove-day'];

const USAGE = `usage:
  sc calendar days [FROM [TO]]                  (dates YYYY-MM-DD)
  sc calendar add-day DATE election|closed NAME
  sc calendar remove-day DATE election|closed`;

export async function calendarDaysCommand(args: string[], ctx: { db: Db; clock: Clock; out: (line: string) => void }): Promise<number> {
  const [sub, date = '', kindWord = '', ...nameWords] = args;
  const days = new WardDays(ctx.db, ctx.clock);
  const actor = { id: null, name: `cli:${userInfo().username}` };
  const kind = KIND_WORDS[kindWord] ?? kindWord;
  try {
    switch (sub) {
      case 'days': {
        const [from, to] = [date || undefined, kindWord || undefined];
        if ([from, to].some((d) => d !== undefined && !parseDate(d)) || nameWords.length) throw new ValidationError('date', `not a date range\n${USAGE}`);
        for (const d of await days.list(from, to)) ctx.out(`${d.date}\t${DAY_KIND_LABELS[d.kind]}\t${d.name}`);
        return 0;
      }
      case 'add-day': {
        const name = nameWords.join(' ');
        const added = await days.put({ date, kind, name }, actor);
        ctx.out(`${added ? 'added' : 'renamed'}: ${date} ${DAY_KIND_LABELS[kind as keyof typeof DAY_KIND_LABELS]} ${name.trim()}`);
        return 0;
      }
      case 'remove-day':
        await days.remove(date, kind, actor);
        ctx.out(`removed: ${date} ${DAY_KIND_LABELS[kind as keyof typeof DAY_KIND_LABELS]}`);
        return 0;
      default:
        ctx.out(USAGE);
        return 2;
    }
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    ctx.out(`エラー / error: ${e.field}: ${e.message}`);
    return 2;
  }
}

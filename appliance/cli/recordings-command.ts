/**
 * `sc recordings purge [--months N]`: the T8 retention job by hand (call control runs it daily). N defaults
 * to `media.recordings.retentionMonths`; below 3 it is refused and nothing changes.
 */
import { parseArgs } from 'node:util';
import type { Logger } from '../../apps/logger.js';
import { purgeRecordings } from '../../apps/recordings/retention.js';
import type { Clock } from '../../apps/time/clock.js';
import { formatJst } from '../../apps/time/jst.js';
import { ValidationError } from '../../apps/validation.js';
import type { Db } from '../../db/connection.js';

const USAGE = 'usage: sc recordings purge [--months N]   (N >= 3; default media.recordings.retentionMonths)';

export async function recordingsCommand(
  args: string[],
  ctx: { db: Db; dataDir: string; clock: Clock; log: Logger; retentionMonths: number; out: (line: string) => void },
): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { months: { type: 'string' } } });
  if (positionals.length !== 1 || positionals[0] !== 'purge') {
    ctx.out(USAGE);
    return 2;
  }
  const months = values.months === undefined ? ctx.retentionMonths : /^\d{1,3}$/.test(values.months) ? Number(values.months) : NaN;
  if (Number.isNaN(months)) throw new ValidationError('--months', `must be a whole number of months, not "${values.months}"`);
  const r = await purgeRecordings({ db: ctx.db, dataDir: ctx.dataDir, log: ctx.log }, { now: ctx.clock.now(), retentionMonths: months });
  ctx.out(`recordings started before ${formatJst(r.cutoff, true)} JST (${months} months): ${r.deleted} deleted` + (r.filesMissing ? `, ${r.filesMissing} of them had no file left` : '') + (r.failed ? `, ${r.failed} files could not be deleted` : ''));
  return r.failed ? 1 : 0;
}

/**
 * T8 retention: recordings and transcripts are kept `media.recordings.retentionMonths` months (never fewer
 * than 3, checked here as well as in the config) and then their audio file and transcript are deleted.
 * The row stays as the record of the call; each deletion is written to the audit log as the system's act.
 * Running it twice deletes nothing twice. Call control runs it daily; `sc recordings purge` by hand.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { fromJst, jstParts } from '../time/jst.js';
import { ValidationError } from '../validation.js';
import type { Db } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { RecordingsRepository } from '../../db/repositories/recordings.js';

export const MIN_RETENTION_MONTHS = 3;

export interface PurgeResult {
  cutoff: Date;
  /** Recordings whose audio and transcript were deleted. */
  deleted: number;
  /** Of those, how many had no file left on disk. */
  filesMissing: number;
  /** Files that could not be deleted (their rows are kept for the next run). */
  failed: number;
}

/**
 * The instant before which recordings are purged: the same JST wall-clock time `months` calendar months
 * earlier (the 31st falls back to the month's last day).
 */
export function retentionCutoff(now: Date, months: number): Date {
  const p = jstParts(now);
  const monthIndex = p.year * 12 + (p.month - 1) - months;
  const [year, month] = [Math.floor(monthIndex / 12), (monthIndex % 12) + 1];
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return fromJst(year, month, Math.min(p.day, lastDay), p.hour, p.minute, p.second);
}

export async function purgeRecordings(
  deps: { db: Db; dataDir: string; log: Logger },
  o: { now: Date; retentionMonths: number; actor?: string },
): Promise<PurgeResult> {
  if (!Number.isInteger(o.retentionMonths) || o.retentionMonths < MIN_RETENTION_MONTHS) {
    throw new ValidationError('media.recordings.retentionMonths', `recordings are kept at least ${MIN_RETENTION_MONTHS} months (T8), not ${o.retentionMonths}`);
  }
  const repo = new RecordingsRepository(deps.db);
  const audit = new AuditRepository(deps.db);
  const cutoff = retentionCutoff(o.now, o.retentionMonths);
  const result: PurgeResult = { cutoff, deleted: 0, filesMissing: 0, failed: 0 };
  let afterId = 0;
  for (let batch = await repo.olderThan(cutoff); batch.length; batch = await repo.olderThan(cutoff, afterId)) {
    for (const r of batch) {
      afterId = r.id;
      let fileMissing = false;
      if (r.path) {
        try {
          // The file goes first: a crash before the row is updated leaves a row whose file is missing, which
          // the next run completes.
          await rm(join(deps.dataDir, r.path));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
            deps.log.error('recording file not deleted', { recording: r.id, path: r.path, error: (e as Error).message });
            result.failed++;
            continue;
          }
          fileMissing = true;
        }
      }
      const detail = { callId: r.callId, startedAt: r.startedAt.toISOString(), path: r.path, transcript: r.transcript !== null, retentionMonths: o.retentionMonths, ...(fileMissing ? { fileMissing } : {}) };
      const done = await deps.db.transaction(async (trx) => {
        if (!(await repo.markDeleted(r.id, o.now, trx))) return false;
        await audit.append({ actor: o.actor ?? 'system', action: 'recording.purge', entity: 'recording', entityId: r.id, detail }, o.now, trx);
        return true;
      });
      if (!done) continue;
      result.deleted++;
      if (fileMissing) result.filesMissing++;
      deps.log.info('recording deleted after its retention period', { recording: r.id, startedAt: detail.startedAt });
    }
  }
  return result;
}

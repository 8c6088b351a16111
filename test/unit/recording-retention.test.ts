/**
 * T8 retention: audio and transcripts of recordings older than the retention period are deleted, each
 * deletion audit-logged as the system's act, idempotently; fewer than 3 months is refused.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { createLogger } from '../../appliance/log.js';
import { purgeRecordings, retentionCutoff } from '../../apps/recordings/retention.js';
import { isoJst } from '../../apps/time/jst.js';
import { ValidationError } from '../../apps/validation.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { RecordingsRepository } from '../../db/repositories/recordings.js';
import type { Db } from '../../db/connection.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';

const log = createLogger('test', 'error', () => {});
const NOW = new Date('2027-06-15T12:00:00+09:00');

t.test('the cutoff is the same JST time whole calendar months earlier', async (t) => {
  t.equal(isoJst(retentionCutoff(NOW, 3)), '2027-03-15T12:00:00.000+09:00');
  t.equal(isoJst(retentionCutoff(new Date('2027-05-31T08:30:00+09:00'), 3)), '2027-02-28T08:30:00.000+09:00', 'the 31st becomes the last day of a shorter month');
  t.equal(isoJst(retentionCutoff(new Date('2027-01-01T00:10:00+09:00'), 4)), '2026-09-01T00:10:00.000+09:00', 'across a year, by the JST date (still 2026-12-31 in UTC)');
  t.equal(isoJst(retentionCutoff(new Date('2028-05-30T09:00:00+09:00'), 3)), '2028-02-29T09:00:00.000+09:00', 'leap year');
});

async function recording(db: Db, dataDir: string, startedAt: string, o: { file?: boolean; transcript?: string } = {}): Promise<{ id: number; path: string }> {
  const start = new Date(startedAt);
  const [callId] = await db('calls').insert({ sip_call_id: `call-${startedAt}`, dnis: '0354323333', caller: '0312345678', started_at: start.toISOString(), answered_at: start.toISOString() });
  const path = `recordings/x/${callId}.wav`;
  if (o.file !== false) {
    mkdirSync(dirname(join(dataDir, path)), { recursive: true });
    writeFileSync(join(dataDir, path), 'RIFF');
  }
  const repo = new RecordingsRepository(db);
  const id = await repo.insert({ callId: callId!, path, startedAt: start, endedAt: new Date(start.getTime() + 60_000), durationMs: 60_000, bytes: 4, caller: '0312345678', dnis: '0354323333', agent: 'op01', complete: true, incompleteReason: null }, start);
  if (o.transcript) await db('recordings').where({ id }).update({ transcript: o.transcript });
  return { id, path };
}

t.test('recordings past the period lose audio and transcript; younger ones are kept; each deletion is audited', async (t) => {
  const dataDir = tempDataDir(t);
  const db = await migratedDb(t, 'internal', dataDir);
  const repo = new RecordingsRepository(db);
  const audit = new AuditRepository(db);
  const fourMonths = await recording(db, dataDir, '2027-02-10T10:00:00+09:00', { transcript: 'もしもし、粗大ごみの件で' });
  const twoMonths = await recording(db, dataDir, '2027-04-10T10:00:00+09:00', { transcript: '保育園の申し込み' });
  const justBefore = await recording(db, dataDir, '2027-03-15T11:59:59+09:00');
  const atCutoff = await recording(db, dataDir, '2027-03-15T12:00:00+09:00');
  const fileGone = await recording(db, dataDir, '2027-01-05T09:00:00+09:00', { file: false });

  const r = await purgeRecordings({ db, dataDir, log }, { now: NOW, retentionMonths: 3 });
  t.same(r, { cutoff: new Date('2027-03-15T12:00:00+09:00'), deleted: 3, filesMissing: 1, failed: 0 });

  for (const old of [fourMonths, justBefore, fileGone]) {
    t.equal(existsSync(join(dataDir, old.path)), false, `file of ${old.id} deleted`);
    t.match(await repo.get(old.id), { path: null, transcript: null, deletedAt: NOW }, `row ${old.id} keeps no audio or transcript`);
  }
  for (const kept of [twoMonths, atCutoff]) {
    t.equal(existsSync(join(dataDir, kept.path)), true, `file of ${kept.id} kept`);
    t.match(await repo.get(kept.id), { path: kept.path, deletedAt: null });
  }
  t.equal((await repo.get(twoMonths.id))!.transcript, '保育園の申し込み');

  const entries = await audit.list({ action: 'recording.purge' });
  t.same(entries.map((e) => [e.actor, e.entity, e.entityId]).sort(), [fourMonths, justBefore, fileGone].map((x) => ['system', 'recording', String(x.id)]).sort());
  t.match(entries.find((e) => e.entityId === String(fourMonths.id))!.detail, { path: fourMonths.path, transcript: true, retentionMonths: 3, startedAt: '2027-02-10T01:00:00.000Z' });
  t.match(entries.find((e) => e.entityId === String(fileGone.id))!.detail, { fileMissing: true });
  t.equal(await audit.verify(), null, 'the audit chain holds');

  const again = await purgeRecordings({ db, dataDir, log }, { now: NOW, retentionMonths: 3 });
  t.same([again.deleted, again.filesMissing, again.failed], [0, 0, 0], 'a second run deletes nothing again');
  t.equal((await audit.list({ action: 'recording.purge' })).length, 3, 'and logs nothing again');
});

t.test('a retention below 3 months is refused and changes nothing', async (t) => {
  const dataDir = tempDataDir(t);
  const db = await migratedDb(t, 'internal', dataDir);
  const twoMonths = await recording(db, dataDir, '2027-04-10T10:00:00+09:00');
  for (const months of [2, 0, -1, 2.5]) {
    await t.rejects(purgeRecordings({ db, dataDir, log }, { now: NOW, retentionMonths: months }), ValidationError, `${months} months`);
  }
  await t.rejects(purgeRecordings({ db, dataDir, log }, { now: NOW, retentionMonths: 2 }), { field: 'media.recordings.retentionMonths', message: /at least 3 months \(T8\), not 2/ });
  t.equal(existsSync(join(dataDir, twoMonths.path)), true);
  t.match(await new RecordingsRepository(db).get(twoMonths.id), { path: twoMonths.path, deletedAt: null });
  t.equal((await new AuditRepository(db).list({ action: 'recording.purge' })).length, 0);
});

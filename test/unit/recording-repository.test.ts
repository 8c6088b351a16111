/** The recordings repository (T8): insert, get, list with filters and pages, the retention queries. */
import t from 'tap';
import { RecordingsRepository, type NewRecording } from '../../db/repositories/recordings.js';
import { migratedDb } from '../helpers/data.js';

const db = await migratedDb(t);
const repo = new RecordingsRepository(db);

async function add(startedAt: string, o: Partial<NewRecording> = {}): Promise<number> {
  const start = new Date(startedAt);
  const [callId] = await db('calls').insert({ sip_call_id: `c-${startedAt}-${Math.random()}`, dnis: o.dnis ?? '0354323333', caller: o.caller ?? '0312345678', started_at: start.toISOString(), answered_at: start.toISOString(), ended_at: new Date(start.getTime() + 30_000).toISOString(), agent: o.agent ?? null });
  return repo.insert(
    { callId: callId!, path: `recordings/${callId}.wav`, startedAt: start, endedAt: new Date(start.getTime() + 30_000), durationMs: 30_000, bytes: 960_044, caller: '0312345678', dnis: '0354323333', agent: null, complete: true, incompleteReason: null, ...o },
    new Date('2027-07-01T00:00:00Z'),
  );
}

const a = await add('2027-06-01T09:00:00+09:00', { agent: 'op01' });
const b = await add('2027-06-01T23:59:59+09:00', { caller: '09011112222', agent: 'op02' });
const c = await add('2027-06-02T00:00:00+09:00', { dnis: '0354326666', complete: false, incompleteReason: 'capture-truncated: x', agent: 'op01' });
const d = await add('2027-06-03T10:00:00+09:00', { caller: '', path: null, complete: false, incompleteReason: 'capture-missing: y' });

t.test('a stored recording reads back as it was written', async (t) => {
  const r = await repo.get(c);
  t.match(r, { id: c, dnis: '0354326666', complete: false, incompleteReason: 'capture-truncated: x', agent: 'op01', durationMs: 30_000, bytes: 960_044, transcript: null, deletedAt: null });
  t.same(r!.startedAt, new Date('2027-06-02T00:00:00+09:00'));
  t.equal(await repo.get(99_999), undefined);
  t.equal((await repo.byCall(r!.callId))!.id, c);
  const call = await repo.callBySipCallId((await db('calls').where({ id: r!.callId }).first()).sip_call_id);
  t.match(call, { id: r!.callId, dnis: '0354326666', caller: '0312345678', answeredAt: new Date('2027-06-02T00:00:00+09:00') });
});

t.test('the list filters by time range, numbers, agent and completeness, newest first, in pages', async (t) => {
  const ids = async (f: Parameters<typeof repo.list>[0], page = { limit: 10, offset: 0 }) => (await repo.list(f, page)).rows.map((r) => r.id);
  t.same(await ids({}), [d, c, b, a], 'newest first');
  t.same(await ids({ from: new Date('2027-06-01T00:00:00+09:00'), to: new Date('2027-06-02T00:00:00+09:00') }), [b, a], 'one JST day, its last second included, the next midnight not');
  t.same(await ids({ dnis: '0354326666' }), [c]);
  t.same(await ids({ caller: '1111' }), [b], 'part of the calling number');
  t.same(await ids({ caller: '%' }), [], 'LIKE wildcards are taken literally');
  t.same(await ids({ agent: 'op01' }), [c, a]);
  t.same(await ids({ complete: false }), [d, c]);
  t.same(await ids({ complete: true, agent: 'op02' }), [b]);
  const page2 = await repo.list({}, { limit: 3, offset: 3 });
  t.same([page2.rows.map((r) => r.id), page2.total], [[a], 4], 'the total counts every match, the page holds the rest');
});

t.test('retention queries: older than a cutoff, by id; deletion once only', async (t) => {
  const cutoff = new Date('2027-06-02T12:00:00+09:00');
  t.same((await repo.olderThan(cutoff)).map((r) => r.id), [a, b, c]);
  t.same((await repo.olderThan(cutoff, b)).map((r) => r.id), [c], 'after an id');
  const at = new Date('2027-09-03T00:00:00Z');
  t.equal(await repo.markDeleted(a, at), true);
  t.equal(await repo.markDeleted(a, at), false, 'already deleted');
  t.match(await repo.get(a), { path: null, transcript: null, deletedAt: at });
  t.same((await repo.olderThan(cutoff)).map((r) => r.id), [b, c], 'deleted rows are not offered again');
});

/**
 * The §16 telephone figures from the CDRs, on a worked example counted by hand; the count from the CDRs that
 * live figures are checked against; and the CDR records and CSV of the same calls.
 */
import t from 'tap';
import { cdrCsv, cdrsBetween } from '../../apps/acd/cdr.js';
import { LiveCounts } from '../../apps/acd/live-counts.js';
import { countFromCdrs, slaBetween, slaFigures } from '../../apps/acd/sla.js';
import { ManualClock } from '../../apps/time/clock.js';
import { CallEventsRepository } from '../../db/repositories/call-events.js';
import { CallLegsRepository } from '../../db/repositories/call-legs.js';
import { CallsRepository, type CallOutcome, type HungUpBy } from '../../db/repositories/calls.js';
import { TransfersRepository } from '../../db/repositories/transfers.js';
import { migratedDb } from '../helpers/data.js';

const db = await migratedDb(t);
const calls = new CallsRepository(db);
const events = new CallEventsRepository(db);
const jst = (hms: string, day = '2027-06-01') => new Date(`${day}T${hms}+09:00`);

interface Example {
  start: string;
  caller?: string;
  queue?: string;
  queued?: string;
  answered?: string;
  talkEnd?: string;
  wrapUpMs?: number;
  end: string;
  outcome: CallOutcome;
  by?: HungUpBy;
  day?: string;
}

/** Writes one call as call control would: the calls row through the repository, and its ACD events. */
async function call(n: number, x: Example): Promise<number> {
  const day = x.day ?? '2027-06-01';
  const id = await calls.start({ sipCallId: `sla-${n}`, dnis: '0354323333', caller: x.caller ?? '0312345678', startedAt: jst(x.start, day) });
  if (x.queue && x.queued) {
    await calls.queued(id, x.queue, jst(x.queued, day));
    await events.append({ at: jst(x.queued, day), callId: id, kind: 'enqueue', queue: x.queue, agent: null, detail: { priority: 0 } });
  }
  if (x.answered) {
    await calls.countOffer(id);
    await calls.agentAnswered(id, 'op01', jst(x.answered, day));
    const waitMs = jst(x.answered, day).getTime() - jst(x.queued!, day).getTime();
    await events.append({ at: jst(x.answered, day), callId: id, kind: 'answer', queue: x.queue!, agent: 'op01', detail: { waitMs } });
  }
  if (x.talkEnd) await calls.talkEnded(id, jst(x.talkEnd, day));
  if (x.wrapUpMs !== undefined) await calls.wrapUp(id, x.wrapUpMs);
  if (x.by) await calls.hungUpBy(id, x.by);
  if (x.queued && !x.answered && x.by === 'caller') {
    const waitMs = jst(x.end, day).getTime() - jst(x.queued, day).getTime();
    await events.append({ at: jst(x.end, day), callId: id, kind: 'abandon', queue: x.queue!, agent: null, detail: { waitMs } });
  }
  await calls.end(id, jst(x.end, day), x.outcome, 'test');
  return id;
}

// The worked example, 2027-06-01 (JST):
const ids = [
  await call(1, { start: '07:30:00', end: '07:30:20', outcome: 'closed', by: 'system' }), // outside hours: not 着信
  await call(2, { start: '09:00:00', end: '09:00:01', outcome: 'rejected', by: 'system' }), // rejected: not 着信
  await call(3, { start: '09:59:40', queue: 'general', queued: '10:00:00', answered: '10:00:10', talkEnd: '10:05:10', wrapUpMs: 60_000, end: '10:05:10', outcome: 'completed', by: 'caller' }),
  await call(4, { start: '10:09:30', queue: 'general', queued: '10:10:00', answered: '10:10:15', talkEnd: '10:12:15', wrapUpMs: 30_000, end: '10:12:15', outcome: 'completed', by: 'agent' }),
  await call(5, { start: '10:19:30', caller: '=1+2', queue: 'english', queued: '10:20:00', answered: '10:20:40', talkEnd: '10:30:40', wrapUpMs: 90_000, end: '10:30:40', outcome: 'completed', by: 'caller' }),
  await call(6, { start: '10:29:30', queue: 'general', queued: '10:30:00', end: '10:31:00', outcome: 'abandoned', by: 'caller' }), // 放棄 in the queue
  await call(7, { start: '10:40:00', end: '10:40:20', outcome: 'abandoned', by: 'caller' }), // 放棄 in the menu, never queued
  await call(8, { start: '10:50:00', queue: 'english', queued: '10:50:30', end: '10:52:00', outcome: 'failed', by: 'system' }), // lost to a fault
  await call(9, { start: '10:00:00', day: '2027-06-02', queue: 'general', queued: '10:00:05', answered: '10:00:06', end: '10:03:00', outcome: 'completed', by: 'caller' }), // next day
];
const transfers = new TransfersRepository(db);
await transfers.record({ callId: ids[2]!, at: jst('10:05:00'), agent: 'op01', departmentId: 'kazei', mode: 'blind', outcome: 'connected' });
await transfers.record({ callId: ids[3]!, at: jst('10:12:00'), agent: 'op01', departmentId: 'kokuho-nenkin', mode: 'attended', outcome: 'refused', reason: 'outside the window' });
const legs = new CallLegsRepository(db);
const leg = await legs.start({ callId: ids[2]!, kind: 'caller', party: '0312345678', startedAt: jst('09:59:40') });
await legs.end(leg, jst('10:05:10'), 'answered', 'caller');

const DAY = { from: jst('00:00:00'), to: jst('00:00:00', '2027-06-02') };

t.test('§16 figures of the worked example, as counted by hand', async (t) => {
  const f = await slaBetween(db, DAY.from, DAY.to);
  // 着信 = calls 3-8 (6); 応答 = 3, 4, 5; 放棄 = 6 and 7; 即応 = 3 (10 s) and 4 (15 s exactly), not 5 (40 s).
  t.equal(f.received, 6);
  t.equal(f.answered, 3);
  t.equal(f.answerRate, 0.5);
  t.equal(f.abandoned, 2);
  t.equal(f.abandonRate, 2 / 6);
  t.equal(f.answeredWithin15s, 2);
  t.equal(f.quickAnswerRate, 2 / 6);
  t.equal(f.meanTalkS, 340, '(300 + 120 + 600) / 3');
  t.equal(f.meanWrapUpS, 60, '(60 + 30 + 90) / 3');
  t.same(
    f.transfers.map((x) => [x.departmentId, x.mode, x.outcome, x.count]),
    [['kazei', 'blind', 'connected', 1], ['kokuho-nenkin', 'attended', 'refused', 1]],
  );
});

t.test('an empty period has no rates rather than 0% or 100%', async (t) => {
  t.same(slaFigures([]), { received: 0, answered: 0, answerRate: null, abandoned: 0, abandonRate: null, answeredWithin15s: 0, quickAnswerRate: null, meanTalkS: null, meanWrapUpS: null, transfers: [] });
});

t.test('the count from the CDRs equals the live counts folded from the same calls\' events', async (t) => {
  const rows = await calls.between(DAY.from, DAY.to);
  const byCdr = countFromCdrs(rows, '2027-06-01');
  t.same(byCdr, {
    total: { offered: 5, answered: 3, answeredWithin15s: 2, abandoned: 1 },
    general: { offered: 3, answered: 2, answeredWithin15s: 2, abandoned: 1 },
    english: { offered: 2, answered: 1, answeredWithin15s: 0, abandoned: 0 },
  });
  const live = new LiveCounts(new ManualClock(jst('23:00:00')));
  live.rebuild(await events.between(DAY.from, DAY.to));
  for (const q of ['total', 'general', 'english']) {
    const { offered, answered, answeredWithin15s, abandoned } = live.counts(q);
    t.same({ offered, answered, answeredWithin15s, abandoned }, byCdr[q], q);
  }
  t.same(countFromCdrs(rows, '2027-06-02').total, { offered: 0, answered: 0, answeredWithin15s: 0, abandoned: 0 }, 'another day counts nothing');
});

t.test('CDRs: one record per call with its legs, events and transfers; CSV for Excel', async (t) => {
  const records = await cdrsBetween(db, DAY.from, DAY.to);
  t.same(records.map((r) => r.id), ids.slice(0, 8));
  const third = records[2]!;
  t.match(third, { queue: 'general', agent: 'op01', offers: 1, wrapUpMs: 60_000, hungUpBy: 'caller', outcome: 'completed' });
  t.same(third.legs.map((l) => [l.kind, l.outcome, l.endedBy]), [['caller', 'answered', 'caller']]);
  t.same(third.events.map((e) => e.kind), ['enqueue', 'answer']);
  t.same(third.transfers.map((x) => x.departmentId), ['kazei']);
  t.same(records[0]!.events, []);

  const csv = cdrCsv(records);
  t.ok(csv.startsWith('\uFEFF通話ID (call id),着信日時 (arrived JST),'), 'BOM and Japanese headers with English');
  const lines = csv.slice(1).split('\r\n');
  t.equal(lines.length, 1 + 8 + 1, 'header, eight calls, and the final line break');
  t.equal(lines.at(-1), '');
  const header = lines[0]!.split(',');
  const row3 = lines[3]!.split(',');
  const col = (name: string) => row3[header.findIndex((h) => h.startsWith(name))];
  t.equal(col('着信日時'), '2027-06-01 09:59:40', 'JST');
  t.equal(col('発信者番号'), '="0312345678"', 'a leading 0 survives Excel');
  t.equal(col('待ち時間秒'), '10');
  t.equal(col('通話時間秒'), '300');
  t.equal(col('後処理秒'), '60');
  t.equal(col('転送'), 'kazei/blind/connected');
  t.match(lines[5], /,'=1\+2,/, 'a caller id that looks like a formula is neutralised');
  t.equal(lines[6]!.split(',')[header.findIndex((h) => h.startsWith('待ち時間秒'))], '60', 'an abandoned call waited until it ended');
});

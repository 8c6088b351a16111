/** Today's live counts (T5, §16) folded from the event log: live, after a restart from the stored rows, across midnight. */
import t from 'tap';
import type { CallEvent } from '../../apps/acd/call-event.js';
import { jstDayRange, LiveCounts, noAgents, type LiveSnapshot } from '../../apps/acd/live-counts.js';
import { ManualClock } from '../../apps/time/clock.js';
import { CallEventsRepository } from '../../db/repositories/call-events.js';
import { migratedDb } from '../helpers/data.js';

const T0 = new Date('2027-06-01T09:00:00+09:00');
const after = (s: number) => new Date(T0.getTime() + s * 1000);
type Ev = Omit<CallEvent, 'at'> & { s: number };
const ev = (s: number, callId: number, kind: CallEvent['kind'], queue: string | null, detail: object = {}, agent: string | null = null): Ev =>
  ({ s, callId, kind, queue, agent, detail }) as Ev;

// A morning of a general and an english queue, hand-counted below.
const MORNING: Ev[] = [
  ev(0, 1, 'arrive', null, { dnis: '0354323333', open: true }),
  ev(1, 1, 'enqueue', 'general', { priority: 0 }),
  ev(2, 2, 'enqueue', 'general', { priority: 0 }),
  ev(3, 3, 'enqueue', 'english', { priority: 0 }),
  ev(4, 4, 'enqueue', 'general', { priority: 0 }),
  ev(5, 1, 'offer', 'general', {}, 'op01'),
  ev(11, 1, 'answer', 'general', { waitMs: 10_000 }, 'op01'), // within 15 s
  ev(30, 2, 'answer', 'general', { waitMs: 28_000 }, 'op02'), // answered late
  ev(40, 3, 'abandon', 'english', { waitMs: 37_000 }),
  ev(50, 4, 'overflow', 'general', { action: 'queue', rule: 0 }),
  ev(50, 4, 'requeue', 'english', { from: 'general', reason: 'overflow', priority: 0 }),
  ev(62, 4, 'abandon', 'english', { waitMs: 60_000 }), // offered in general, abandoned in english
  ev(70, 2, 'transfer', null, { department: 'kazei', mode: 'blind', outcome: 'failed' }),
  ev(71, 2, 'requeue', 'general', { from: 'general', reason: 'transfer-failed', priority: 1 }),
  ev(80, 2, 'answer', 'general', { waitMs: 9_000 }, 'op03'), // the same call again: not a second answer
  ev(90, 2, 'abandon', 'general', { waitMs: 1_000 }), // after an answer: not 放棄
  ev(95, 1, 'enqueue', 'general', { priority: 0 }), // a duplicate row: counted once
];

const toEvent = (e: Ev): CallEvent => ({ at: after(e.s), callId: e.callId, kind: e.kind, queue: e.queue, agent: e.agent, detail: e.detail }) as CallEvent;

t.test('counts per queue and in total, each call once', async (t) => {
  const clock = new ManualClock(T0);
  const live = new LiveCounts(clock);
  for (const e of MORNING) {
    clock.set(after(e.s));
    live.add(toEvent(e));
  }
  t.same(live.counts('general'), { offered: 3, answered: 2, answeredWithin15s: 1, abandoned: 0, abandonedWaitMs: { total: 0, max: 0 } });
  t.same(live.counts('english'), { offered: 1, answered: 0, answeredWithin15s: 0, abandoned: 2, abandonedWaitMs: { total: 97_000, max: 60_000 } });
  t.same(live.counts('total'), { offered: 4, answered: 2, answeredWithin15s: 1, abandoned: 2, abandonedWaitMs: { total: 97_000, max: 60_000 } });
  t.same(live.counts('korean'), { offered: 0, answered: 0, answeredWithin15s: 0, abandoned: 0, abandonedWaitMs: { total: 0, max: 0 } });
  const copy = live.counts('general');
  copy.offered = 99;
  t.equal(live.counts('general').offered, 3, 'counts() hands out a copy');
});

t.test('after a restart, counts rebuilt from the stored rows equal the ones that saw the events live', async (t) => {
  const db = await migratedDb(t);
  const repo = new CallEventsRepository(db);
  const clock = new ManualClock(new Date('2027-05-31T23:59:00+09:00'));
  const live = new LiveCounts(clock);
  // One call from yesterday evening: stored, but not today's.
  const yesterday: CallEvent = { at: clock.now(), callId: 9, kind: 'enqueue', queue: 'general', agent: null, detail: { priority: 0 } };
  live.add(yesterday);
  await repo.append(yesterday);
  for (const e of MORNING) {
    clock.set(after(e.s));
    live.add(toEvent(e));
    await repo.append(toEvent(e));
  }
  clock.set(after(120));
  const restarted = new LiveCounts(clock);
  const { from, to } = jstDayRange(clock.now());
  t.same([from.toISOString(), to.toISOString()], ['2027-05-31T15:00:00.000Z', '2027-06-01T15:00:00.000Z'], 'the JST day');
  restarted.rebuild(await repo.between(from, to));
  for (const q of ['general', 'english', 'total']) t.same(restarted.counts(q), live.counts(q), q);
  restarted.rebuild(await repo.between(new Date(0), to));
  t.same(restarted.counts('total'), live.counts('total'), 'rows of another day are left out even when passed in');
});

t.test('a new JST day starts from zero, on the next event or on reading', async (t) => {
  const clock = new ManualClock(new Date('2027-06-01T23:59:50+09:00'));
  const live = new LiveCounts(clock);
  live.add({ at: clock.now(), callId: 1, kind: 'enqueue', queue: 'general', agent: null, detail: { priority: 0 } });
  t.equal(live.counts('total').offered, 1);
  t.equal(live.day, '2027-06-01');
  clock.set(new Date('2027-06-02T00:00:05+09:00'));
  t.equal(live.counts('total').offered, 0, 'reading after midnight rolls over');
  t.equal(live.day, '2027-06-02');
  live.add({ at: clock.now(), callId: 1, kind: 'answer', queue: 'general', agent: 'op01', detail: { waitMs: 15_000 } });
  t.same(live.counts('general'), { offered: 0, answered: 1, answeredWithin15s: 1, abandoned: 0, abandonedWaitMs: { total: 0, max: 0 } }, 'answered on the day of the answer; 15 s exactly is 即応');
  t.equal(live.rollover(), false);
  clock.set(new Date('2027-06-03T00:00:00+09:00'));
  t.equal(live.rollover(), true);
});

t.test('figures merge the engine snapshot with today\'s counts, for the queues asked for', async (t) => {
  const clock = new ManualClock(T0);
  const live = new LiveCounts(clock);
  for (const e of MORNING) live.add(toEvent(e));
  const agents = { ...noAgents(), ready: 2, talking: 1 };
  const snapshot: LiveSnapshot = {
    queues: { general: { waiting: 6, longestWaitS: 95, agents, alarm: true } },
    total: { waiting: 6, longestWaitS: 95, agents: { ...agents, not_ready: 1 }, alarm: true },
  };
  const f = live.figures(snapshot, ['general', 'english']);
  t.equal(f.date, '2027-06-01');
  t.equal(f.at, T0.toISOString());
  t.same(f.queues.map((q) => q.queue), ['general', 'english']);
  t.same(f.queues[0], { queue: 'general', waiting: 6, longestWaitS: 95, offered: 3, answered: 2, answeredWithin15s: 1, abandoned: 0, abandonedWaitS: { mean: 0, max: 0 }, agents, alarm: true });
  t.match(f.queues[1], { queue: 'english', waiting: 0, longestWaitS: 0, abandoned: 2, abandonedWaitS: { mean: 48.5, max: 60 }, alarm: false }, 'a queue missing from the snapshot is idle');
  t.same(f.queues[1]!.agents, noAgents());
  t.match(f.total, { queue: 'total', waiting: 6, offered: 4, answered: 2, abandoned: 2, agents: { not_ready: 1, ready: 2 } });
});

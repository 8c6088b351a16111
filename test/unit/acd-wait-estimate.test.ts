import t from 'tap';
import { estimateWaitS, HANDLE_TIME_SAMPLES, HandleTimes, handleTimesFrom } from '../../apps/acd/wait-estimate.js';

t.test('estimate = ceil((ahead + 1) / serving agents) rounds of the mean handle time, in seconds rounded up', async (t) => {
  const handleTimesMs = [60_000, 120_000, 90_000]; // mean 90 s
  t.equal(estimateWaitS({ ahead: 0, servingAgents: 2, handleTimesMs }), 90, 'first in line, agents busy: one round');
  t.equal(estimateWaitS({ ahead: 1, servingAgents: 2, handleTimesMs }), 90, 'second of two agents: still one round');
  t.equal(estimateWaitS({ ahead: 2, servingAgents: 2, handleTimesMs }), 180);
  t.equal(estimateWaitS({ ahead: 9, servingAgents: 3, handleTimesMs }), 360);
  t.equal(estimateWaitS({ ahead: 0, servingAgents: 1, handleTimesMs: [1_000, 1_000, 1_001] }), 2, '1000.33 ms rounds up to 2 s');
});

t.test('unknown (null) with fewer than 3 samples or no serving agent: said honestly, not guessed', async (t) => {
  t.equal(estimateWaitS({ ahead: 0, servingAgents: 5, handleTimesMs: [] }), null);
  t.equal(estimateWaitS({ ahead: 0, servingAgents: 5, handleTimesMs: [30_000, 40_000] }), null);
  t.equal(estimateWaitS({ ahead: 3, servingAgents: 0, handleTimesMs: [30_000, 40_000, 50_000] }), null);
});

t.test('HandleTimes keeps the last 20 calls, oldest dropped first', async (t) => {
  const h = new HandleTimes(Array.from({ length: 25 }, (_, i) => i * 1000));
  t.equal(h.samples.length, HANDLE_TIME_SAMPLES);
  t.equal(h.samples[0], 5000, 'the five oldest were dropped');
  h.add(99_000);
  t.equal(h.samples.length, 20);
  t.equal(h.samples[0], 6000);
  t.equal(h.samples[19], 99_000);
});

t.test('a handle time that is not a length of time is refused and changes nothing', async (t) => {
  const h = new HandleTimes([1000]);
  t.throws(() => h.add(-1), RangeError);
  t.throws(() => h.add(Number.NaN), RangeError);
  t.same(h.samples, [1000]);
});

t.test('handle times survive a restart: talk plus wrap-up of each call, per queue, from the stored events', async (t) => {
  const ev = (callId: number, kind: string, queue: string | null, detail: unknown) => ({ callId, kind, queue, detail });
  const times = handleTimesFrom([
    ev(1, 'talk-end', 'general', { talkMs: 60_000 }),
    ev(2, 'talk-end', 'english', { talkMs: 30_000 }),
    ev(1, 'wrap-up-end', 'general', { wrapUpMs: 5_000 }),
    ev(3, 'wrap-up-end', 'general', { wrapUpMs: 9_000 }), // no talk seen for it (yesterday's): not a sample
    ev(2, 'wrap-up-end', 'english', { wrapUpMs: 0 }),
    ev(4, 'talk-end', 'general', { talkMs: 10_000 }), // still in wrap-up: not a sample yet
  ]);
  t.same(times, { general: [65_000], english: [30_000] });
  const many = Array.from({ length: 25 }, (_, i) => [ev(i, 'talk-end', 'general', { talkMs: i * 1000 }), ev(i, 'wrap-up-end', 'general', { wrapUpMs: 0 })]).flat();
  t.same(handleTimesFrom(many).general, Array.from({ length: 20 }, (_, i) => (i + 5) * 1000), 'only the last 20 calls');
});

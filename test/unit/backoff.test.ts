import t from 'tap';
import { restartDelay } from '../../appliance/backoff.js';

const policy = { restartInitialMs: 500, restartMaxMs: 30_000, stableAfterMs: 60_000 };

t.test('a crash loop doubles the delay up to the maximum', async (t) => {
  const delays: number[] = [];
  let delay = 0;
  for (let i = 0; i < 9; i++) delays.push((delay = restartDelay(delay, 1_000, policy)));
  t.same(delays, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
});

t.test('a child that ran long enough starts over from the initial delay', async (t) => {
  t.equal(restartDelay(16_000, 60_000, policy), 500, 'exactly stableAfterMs counts as stable');
  t.equal(restartDelay(16_000, 59_999, policy), 30_000, 'just short of it does not');
  t.equal(restartDelay(30_000, 3_600_000, policy), 500);
});

t.test('the first restart waits the initial delay, however short the run', async (t) => {
  t.equal(restartDelay(0, 0, policy), 500);
  t.equal(restartDelay(0, 120_000, policy), 500);
});

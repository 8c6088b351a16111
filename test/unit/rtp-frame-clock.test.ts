import t from 'tap';
import { FrameClock } from '../../media/rtp/frame-clock.js';

t.test('one timer for all listeners, phases in order, stops with the last listener', async (t) => {
  const clock = new FrameClock({ periodMs: 5 });
  const seen: string[] = [];
  const offs = [
    clock.subscribe((n) => seen.push(`send${n}`), 'send'),
    clock.subscribe((n) => seen.push(`mix${n}`), 'mix'),
    clock.subscribe((n) => seen.push(`receive${n}`), 'receive'),
  ];
  t.ok(clock.running);
  while (seen.length < 9) await new Promise((r) => setTimeout(r, 5));
  t.same(seen.slice(0, 6), ['receive1', 'mix1', 'send1', 'receive2', 'mix2', 'send2'], 'receive, mix, send within each tick');
  offs.forEach((off) => off());
  t.notOk(clock.running, 'no listener, no timer');
  const count = seen.length;
  await new Promise((r) => setTimeout(r, 30));
  t.equal(seen.length, count, 'no tick after the last unsubscribe');
  const fn = () => undefined;
  const off = clock.subscribe(fn);
  t.throws(() => clock.subscribe(fn), /already subscribed/);
  off();
  off();
  t.notOk(clock.running, 'unsubscribing twice is harmless');
});

t.test('a listener that throws does not stop the others', async (t) => {
  const errors: unknown[] = [];
  const clock = new FrameClock({ periodMs: 5, onError: (e) => errors.push(e) });
  let ticks = 0;
  const a = clock.subscribe(() => { throw new Error('boom'); });
  const b = clock.subscribe(() => void ticks++);
  while (ticks < 3) await new Promise((r) => setTimeout(r, 5));
  a();
  b();
  t.ok(errors.length >= 3 && errors.every((e) => (e as Error).message === 'boom'));
});

t.test('ticks follow the monotonic clock: a blocked event loop is caught up, up to maxCatchUp', async (t) => {
  const clock = new FrameClock({ periodMs: 10, maxCatchUp: 3 });
  const ticks: number[] = [];
  const off = clock.subscribe((n) => ticks.push(n));
  while (ticks.length < 1) await new Promise((r) => setTimeout(r, 2));
  const before = ticks.length;
  const until = performance.now() + 200;
  while (performance.now() < until); // block the loop for 20 periods
  await new Promise((r) => setTimeout(r, 0));
  while (ticks.length < before + 3) await new Promise((r) => setTimeout(r, 1));
  off();
  t.ok(clock.skipped >= 10, `ticks beyond maxCatchUp were skipped (${clock.skipped})`);
  t.same(ticks, [...ticks].sort((x, y) => x - y), 'tick numbers only grow');
});

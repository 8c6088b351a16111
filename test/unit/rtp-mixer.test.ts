import { EventEmitter } from 'node:events';
import t from 'tap';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { Mixer, mixMinusOne } from '../../media/rtp/mixer.js';

const frame = (n: number) => new Int16Array(160).fill(n);

t.test('each party gets the sum of the others, never its own audio', async (t) => {
  const [a, b, c] = mixMinusOne([frame(100), frame(20), frame(3)]);
  t.equal(a![0], 23);
  t.equal(b![0], 103);
  t.equal(c![0], 120);
  const [x, y] = mixMinusOne([frame(-500), undefined]);
  t.equal(x![0], 0, 'a party that sent nothing adds silence');
  t.equal(y![0], -500);
});

t.test('loud sums clip at the 16-bit limits instead of wrapping round', async (t) => {
  const [a, , c] = mixMinusOne([frame(30000), frame(30000), frame(-30000)]);
  t.equal(a![0], 0, '30000 - 30000');
  t.equal(c![0], 32767, '60000 clips to 32767');
  const [, n] = mixMinusOne([frame(-30000), frame(0), frame(-30000)]);
  t.equal(n![0], -32768, '-60000 clips to -32768');
});

/** A party as the mixer sees it: emits 'frame' in the receive phase, records what the mixer feeds it. */
class FakeParty extends EventEmitter<{ frame: [Int16Array] }> {
  fed: number[] = [];
  feed(samples: Int16Array): void {
    this.fed.push(samples[0]!);
  }
}

t.test('the mixer runs on the clock between receive and send; parties join and leave live', async (t) => {
  const clock = new FrameClock();
  const mixer = new Mixer({ clock });
  const parties = [new FakeParty(), new FakeParty(), new FakeParty()];
  const values = [1000, 200, 30];
  const stop = clock.subscribe(() => parties.forEach((p, i) => p.emit('frame', frame(values[i]!))), 'receive');
  t.teardown(() => { stop(); mixer.close(); });
  const ticks = async (n: number) => {
    let left = n;
    await new Promise<void>((resolve) => {
      const un = clock.subscribe(() => { if (--left === 0) { un(); resolve(); } }, 'send');
    });
  };

  mixer.add(parties[0]!);
  await ticks(3);
  t.same(parties[0]!.fed, [], 'a party alone is fed nothing');
  mixer.add(parties[1]!);
  mixer.add(parties[2]!);
  t.equal(mixer.size, 3);
  await ticks(3);
  t.ok(parties[0]!.fed.length >= 2, 'fed every tick');
  t.same(new Set(parties[0]!.fed), new Set([230]), 'party 0 hears 1 and 2');
  t.same(new Set(parties[1]!.fed), new Set([1030]));
  t.same(new Set(parties[2]!.fed), new Set([1200]));

  mixer.remove(parties[1]!);
  parties.forEach((p) => (p.fed = []));
  await ticks(3);
  t.same(new Set(parties[0]!.fed), new Set([30]), 'after 1 left, 0 hears only 2');
  t.same(parties[1]!.fed, [], 'the party removed is fed no more');
  t.equal(parties[1]!.listenerCount('frame'), 0, 'and not listened to');
  mixer.close();
  t.throws(() => mixer.add(parties[1]!), /closed/);
});

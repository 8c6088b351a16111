import t from 'tap';
import { JitterBuffer } from '../../media/rtp/jitter-buffer.js';

/** A frame whose every sample is `n`, so the output tells which frame was played. */
const frame = (n: number) => new Int16Array(160).fill(n);
const play = (jb: JitterBuffer, ticks: number) => Array.from({ length: ticks }, () => {
  const { samples, kind } = jb.pop();
  return kind === 'audio' ? samples[0]! : kind === 'filled' ? (samples[0] === 0 ? 'gap' : `rep${samples[0]}`) : 'idle';
});

t.test('playout starts once `depth` frames are held and keeps order', async (t) => {
  const jb = new JitterBuffer({ depth: 3 });
  jb.push(10, frame(1));
  t.same(play(jb, 1), ['idle']);
  jb.push(11, frame(2));
  t.same(play(jb, 1), ['idle']);
  t.notOk(jb.started);
  jb.push(12, frame(3));
  t.same(play(jb, 1), [1]);
  t.ok(jb.started);
  jb.push(13, frame(4));
  t.same(play(jb, 3), [2, 3, 4]);
});

t.test('frames arriving out of order within the depth are reordered, also before playout starts', async (t) => {
  const jb = new JitterBuffer({ depth: 3 });
  for (const [seq, n] of [[101, 2], [100, 1], [102, 3]] as const) jb.push(seq, frame(n));
  t.same(play(jb, 1), [1]);
  for (const [seq, n] of [[105, 6], [103, 4], [104, 5]] as const) jb.push(seq, frame(n));
  t.same(play(jb, 5), [2, 3, 4, 5, 6]);
  t.match(jb.stats(), { lost: 0, late: 0, duplicate: 0, played: 6 });
});

t.test('sequence numbers wrap from 65535 to 0', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  for (const [seq, n] of [[65534, 1], [0, 3], [65535, 2], [1, 4]] as const) jb.push(seq, frame(n));
  t.same(play(jb, 4), [1, 2, 3, 4]);
  t.equal(jb.stats().lost, 0);
});

t.test('a lost frame is filled with silence and counted; "repeat" repeats the previous frame once', async (t) => {
  const silent = new JitterBuffer({ depth: 2 });
  for (const seq of [1, 2, 4, 7]) silent.push(seq, frame(seq));
  t.same(play(silent, 7), [1, 2, 'gap', 4, 'gap', 'gap', 7]);
  t.equal(silent.stats().lost, 3);

  const repeat = new JitterBuffer({ depth: 2, fill: 'repeat' });
  for (const seq of [1, 2, 5]) repeat.push(seq, frame(seq));
  t.same(play(repeat, 5), [1, 2, 'rep2', 'gap', 5]);
  t.equal(repeat.stats().lost, 2);
});

t.test('late and duplicate frames are dropped and counted', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  jb.push(1, frame(1));
  jb.push(2, frame(2));
  jb.push(3, frame(3));
  t.same(play(jb, 2), [1, 2]);
  t.notOk(jb.push(1, frame(9)), 'seq 1 was played already');
  t.notOk(jb.push(3, frame(9)), 'seq 3 is held already');
  t.same(play(jb, 1), [3]);
  t.match(jb.stats(), { late: 1, duplicate: 1, received: 5 });
});

t.test('running dry refills to the depth without counting loss; a restarted stream is not thousands lost', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  jb.push(1, frame(1));
  jb.push(2, frame(2));
  t.same(play(jb, 4), [1, 2, 'idle', 'idle']);
  jb.push(3, frame(3));
  t.same(play(jb, 1), ['idle'], 'one frame is below the depth');
  jb.push(4, frame(4));
  t.same(play(jb, 2), [3, 4]);
  jb.push(30000, frame(5));
  jb.push(30001, frame(6));
  t.same(play(jb, 2), [5, 6]);
  t.match(jb.stats(), { lost: 0, underruns: 1 });
});

t.test('a sender running fast overflows the buffer: the oldest frames go', async (t) => {
  const jb = new JitterBuffer({ depth: 2, maxFrames: 4 });
  for (let seq = 1; seq <= 6; seq++) jb.push(seq, frame(seq));
  t.same(play(jb, 4), [3, 4, 5, 6]);
  t.equal(jb.stats().overflow, 2);
});

t.test('interarrival jitter follows RFC 3550: zero for a steady stream, grows with irregular arrival', async (t) => {
  const steady = new JitterBuffer();
  for (let i = 0; i < 50; i++) steady.push(i, frame(1), i * 160, 1000 + i * 20);
  t.equal(steady.stats().jitterMs, 0);
  const jittery = new JitterBuffer();
  for (let i = 0; i < 50; i++) jittery.push(i, frame(1), i * 160, 1000 + i * 20 + (i % 2) * 10);
  t.ok(jittery.stats().jitterMs > 5 && jittery.stats().jitterMs <= 10, `${jittery.stats().jitterMs} ms for arrivals alternating 0/10 ms late`);
  t.throws(() => new JitterBuffer({ depth: 0 }), RangeError);
});

t.test('sequence numbers spent on telephone-events are passed over, not counted lost', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  jb.push(1, frame(1));
  jb.skip(2);
  jb.skip(3);
  jb.push(4, frame(4));
  jb.push(5, frame(5));
  t.same(play(jb, 3), [1, 4, 5]);
  t.equal(jb.stats().lost, 0);
  jb.skip(1);
  jb.push(6, frame(6));
  jb.push(7, frame(7));
  t.same(play(jb, 2), [6, 7], 'a late skip changes nothing');
});

import t from 'tap';
import { JitterBuffer, tsDiff, type AudioPacket } from '../../media/rtp/jitter-buffer.js';

/** A 20 ms frame whose every sample is `n` at timestamp seq * 160, so the output tells which frame was played. */
const push = (jb: JitterBuffer, sequence: number, n: number, timestamp = sequence * 160) => jb.push({ sequence, timestamp, samples: new Int16Array(160).fill(n) });
const play = (jb: JitterBuffer, ticks: number) => Array.from({ length: ticks }, () => {
  const { samples, kind } = jb.pop();
  return kind === 'audio' ? samples[0]! : kind === 'filled' ? (samples[0] === 0 ? 'gap' : `rep${samples[0]}`) : 'idle';
});

/** Sample i of a caller's speech stand-in: every sample different from its neighbours and never 0 (silence). */
const signal = (i: number) => (i % 30000) + 1;

interface Sent extends AudioPacket {
  /** When it arrives, ms after the stream began. */
  at: number;
}

/**
 * A sender's packets: `sizes` (samples each, cycled) covering `total` samples of `signal`, each arriving when
 * its last sample was spoken (plus `delay`), from `seq0`/`ts0` (both wrap).
 */
function packetise(sizes: number[], total: number, opts: { seq0?: number; ts0?: number; ssrc?: number; delay?: (k: number) => number } = {}): Sent[] {
  const out: Sent[] = [];
  for (let offset = 0, k = 0; offset < total; k++) {
    const n = Math.min(sizes[k % sizes.length]!, total - offset);
    const samples = Int16Array.from({ length: n }, (_, i) => signal(offset + i));
    const packet: Sent = { sequence: ((opts.seq0 ?? 1000) + k) & 0xffff, timestamp: ((opts.ts0 ?? 80000) + offset) >>> 0, samples, at: (offset + n) / 8 + (opts.delay?.(k) ?? 0) };
    if (opts.ssrc !== undefined) packet.ssrc = opts.ssrc;
    out.push(packet);
    offset += n;
  }
  return out;
}

/** Plays `packets` into `jb` in their arrival order against a 20 ms tick (at phase `phase` ms); returns what was played. */
function run(jb: JitterBuffer, packets: Sent[], ms: number, phase = 7) {
  const queue = [...packets].sort((a, b) => a.at - b.at);
  const frames: Array<{ samples: Int16Array; kind: string }> = [];
  for (let tick = phase; tick < ms; tick += 20) {
    while (queue.length && queue[0]!.at <= tick) {
      const { at, ...p } = queue.shift()!;
      jb.push(p, at);
    }
    frames.push(jb.pop());
  }
  return frames;
}

/** The samples played, from the first non-idle frame on, joined. */
function heard(frames: Array<{ samples: Int16Array; kind: string }>): Int16Array {
  const played = frames.slice(frames.findIndex((f) => f.kind !== 'idle')).filter((f) => f.kind !== 'idle');
  const out = new Int16Array(played.length * 160);
  played.forEach((f, i) => out.set(f.samples, i * 160));
  return out;
}

/** Where `got` differs from `signal` from sample 0 on, with the samples of `holes` ([start, end)) expected silent. */
function mismatches(got: Int16Array, total: number, holes: Array<[number, number]> = []): string[] {
  const bad: string[] = [];
  for (let i = 0; i < Math.min(got.length, total) && bad.length < 5; i++) {
    const want = holes.some(([a, b]) => i >= a && i < b) ? 0 : signal(i);
    if (got[i] !== want) bad.push(`sample ${i}: ${got[i]} instead of ${want}`);
  }
  if (got.length < total) bad.push(`only ${got.length} of ${total} samples played`);
  return bad;
}

t.test('playout starts once `depth` frames are held and keeps order', async (t) => {
  const jb = new JitterBuffer({ depth: 3 });
  push(jb, 10, 1);
  t.same(play(jb, 1), ['idle']);
  push(jb, 11, 2);
  t.same(play(jb, 1), ['idle']);
  t.notOk(jb.started);
  push(jb, 12, 3);
  t.same(play(jb, 1), [1]);
  t.ok(jb.started);
  push(jb, 13, 4);
  t.same(play(jb, 3), [2, 3, 4]);
});

t.test('frames arriving out of order within the depth are reordered, also before playout starts', async (t) => {
  const jb = new JitterBuffer({ depth: 3 });
  for (const [seq, n] of [[101, 2], [100, 1], [102, 3]] as const) push(jb, seq, n);
  t.same(play(jb, 1), [1]);
  for (const [seq, n] of [[105, 6], [103, 4], [104, 5]] as const) push(jb, seq, n);
  t.same(play(jb, 5), [2, 3, 4, 5, 6]);
  t.match(jb.stats(), { lost: 0, late: 0, duplicate: 0, played: 6 });
});

t.test('sequence numbers wrap from 65535 to 0', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  for (const [seq, n, ts] of [[65534, 1, 0], [0, 3, 320], [65535, 2, 160], [1, 4, 480]] as const) push(jb, seq, n, ts);
  t.same(play(jb, 4), [1, 2, 3, 4]);
  t.equal(jb.stats().lost, 0);
});

t.test('a lost frame is filled with silence and counted; "repeat" repeats the previous frame once', async (t) => {
  const silent = new JitterBuffer({ depth: 2 });
  for (const seq of [1, 2, 4, 7]) push(silent, seq, seq);
  t.same(play(silent, 7), [1, 2, 'gap', 4, 'gap', 'gap', 7]);
  t.equal(silent.stats().lost, 3);

  const repeat = new JitterBuffer({ depth: 2, fill: 'repeat' });
  for (const seq of [1, 2, 5]) push(repeat, seq, seq);
  t.same(play(repeat, 5), [1, 2, 'rep2', 'gap', 5]);
  t.equal(repeat.stats().lost, 2);
});

t.test('late and duplicate frames are dropped and counted', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  push(jb, 1, 1);
  push(jb, 2, 2);
  push(jb, 3, 3);
  t.same(play(jb, 2), [1, 2]);
  t.notOk(push(jb, 1, 9), 'seq 1 was played already');
  t.notOk(push(jb, 3, 9), 'seq 3 is held already');
  t.same(play(jb, 1), [3]);
  t.match(jb.stats(), { late: 1, duplicate: 1, received: 5 });
});

t.test('running dry refills to the depth without counting loss; a restarted stream is not thousands lost', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  push(jb, 1, 1);
  push(jb, 2, 2);
  t.same(play(jb, 4), [1, 2, 'idle', 'idle']);
  push(jb, 3, 3);
  t.same(play(jb, 1), ['idle'], 'one frame is below the depth');
  push(jb, 4, 4);
  t.same(play(jb, 2), [3, 4]);
  push(jb, 30000, 5);
  push(jb, 30001, 6);
  t.same(play(jb, 2), [5, 6]);
  t.match(jb.stats(), { lost: 0, underruns: 1 });
});

t.test('a new SSRC, or a timestamp jump beyond maxGap frames, restarts the timeline', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  for (const seq of [1, 2, 3]) jb.push({ sequence: seq, timestamp: seq * 160, ssrc: 7, samples: new Int16Array(160).fill(seq) });
  t.same(play(jb, 2), [1, 2]);
  // Another source close by in numbers (a re-INVITE to another phone): its audio, not a hole, follows.
  for (const seq of [5, 6]) jb.push({ sequence: seq, timestamp: 999_000 + seq * 160, ssrc: 8, samples: new Int16Array(160).fill(seq) });
  t.same(play(jb, 2), [5, 6], 'frame 3 of the old source is dropped with it');
  // Same source and numbers, timestamps 10 s on: a restarted stream, not 10 s of hole.
  for (const seq of [7, 8]) jb.push({ sequence: seq, timestamp: 999_000 + 80000 + seq * 160, ssrc: 8, samples: new Int16Array(160).fill(seq) });
  t.same(play(jb, 3), [7, 8, 'idle']);
  t.match(jb.stats(), { lost: 0, late: 0 });
});

t.test('a sender running fast overflows the buffer: the oldest frames go', async (t) => {
  const jb = new JitterBuffer({ depth: 2, maxFrames: 4 });
  for (let seq = 1; seq <= 6; seq++) push(jb, seq, seq);
  t.same(play(jb, 4), [3, 4, 5, 6]);
  t.equal(jb.stats().overflow, 2);
});

t.test('interarrival jitter follows RFC 3550: zero for a steady stream, grows with irregular arrival', async (t) => {
  const frame = new Int16Array(160).fill(1);
  const steady = new JitterBuffer();
  for (let i = 0; i < 50; i++) steady.push({ sequence: i, timestamp: i * 160, samples: frame }, 1000 + i * 20);
  t.equal(steady.stats().jitterMs, 0);
  const jittery = new JitterBuffer();
  for (let i = 0; i < 50; i++) jittery.push({ sequence: i, timestamp: i * 160, samples: frame }, 1000 + i * 20 + (i % 2) * 10);
  t.ok(jittery.stats().jitterMs > 5 && jittery.stats().jitterMs <= 10, `${jittery.stats().jitterMs} ms for arrivals alternating 0/10 ms late`);
  const thirty = new JitterBuffer();
  for (let i = 0; i < 50; i++) thirty.push({ sequence: i, timestamp: i * 240, samples: new Int16Array(240) }, 1000 + i * 30);
  t.equal(thirty.stats().jitterMs, 0, 'steady 30 ms packets: no jitter either');
  t.throws(() => new JitterBuffer({ depth: 0 }), RangeError);
});

t.test('a telephone-event burst leaves a pause in the audio timeline, not loss', async (t) => {
  const jb = new JitterBuffer({ depth: 2 });
  push(jb, 1, 1);
  jb.markNonAudio(2);
  jb.markNonAudio(3);
  push(jb, 4, 4);
  push(jb, 5, 5);
  t.same(play(jb, 5), [1, 'gap', 'gap', 4, 5], 'the audio resumes where its timestamps put it');
  t.equal(jb.stats().lost, 0);
  jb.markNonAudio(1);
  push(jb, 6, 6);
  push(jb, 7, 7);
  t.same(play(jb, 2), [6, 7], 'a late non-audio mark changes nothing');
  t.equal(jb.stats().lost, 0);
});

// RFC 3264 §6.1 / RFC 4566: a=ptime is a preference; callers send 10 to 60 ms whatever we answered.
for (const ms of [10, 20, 30, 40, 60]) {
  const size = ms * 8;
  const total = 8000; // 1 s
  t.test(`${ms} ms packets: in order, reordered and one lost, the 20 ms playout is the signal, continuous`, async (t) => {
    const inOrder = new JitterBuffer();
    const a = run(inOrder, packetise([size], total), 1300);
    t.same(mismatches(heard(a), total), [], 'in order: every sample, in place');
    t.ok(a.every((f) => f.samples.length === 160), 'every frame is 20 ms');
    t.match(inOrder.stats(), { received: Math.ceil(total / size), lost: 0, late: 0, duplicate: 0, underruns: 1 }, 'running dry once: at the end');

    // Each pair of packets swapped in arrival (the second arriving 5 ms before the first).
    const reordered = new JitterBuffer();
    const swapped = packetise([size], total, { delay: (k) => (k % 2 === 0 ? ms + 5 : 0) });
    t.same(mismatches(heard(run(reordered, swapped, 1300)), total), [], 'reordered: the same signal');
    t.match(reordered.stats(), { lost: 0, late: 0 });

    const lossy = new JitterBuffer();
    const packets = packetise([size], total);
    const gone = packets.splice(10, 1)[0]!;
    const start = tsDiff(gone.timestamp, packets[0]!.timestamp);
    t.same(mismatches(heard(run(lossy, packets, 1300)), total, [[start, start + size]]), [], 'one lost: silence exactly where it was, the rest in place');
    t.match(lossy.stats(), { lost: Math.ceil(size / 160), late: 0, underruns: 1 }, `one lost ${ms} ms packet counts ${Math.ceil(size / 160)} frames`);
  });
}

t.test('sizes mixed in one stream, timestamps and sequence numbers wrapping, play as one signal', async (t) => {
  const total = 16000;
  const packets = packetise([80, 160, 240, 480, 320, 200, 400], total, { seq0: 65530, ts0: 2 ** 32 - 3000 });
  t.ok(packets.some((p) => p.timestamp < 1000) && packets.some((p) => p.sequence < 10), 'both wrap within the stream');
  const jb = new JitterBuffer();
  t.same(mismatches(heard(run(jb, packets, 2300)), total), []);
  t.match(jb.stats(), { received: packets.length, lost: 0, late: 0, underruns: 1 });

  const lossy = new JitterBuffer({ fill: 'repeat' });
  const gone = packets.splice(15, 2); // a 20 and a 30 ms packet after the timestamp wrapped
  const start = tsDiff(gone[0]!.timestamp, 2 ** 32 - 3000);
  const got = heard(run(lossy, packets, 2300));
  t.same(mismatches(got.subarray(0, start), start), [], 'before the loss: the signal');
  t.same([...got.subarray(start, start + 160)], [...got.subarray(start - 160, start)], '"repeat" fills the first 20 ms with the 20 ms before');
  t.ok(got.subarray(start + 160, start + 400).every((s) => s === 0), 'then silence');
  t.equal(got[start + 400], signal(start + 400), 'and the signal again where it left off');
  t.equal(lossy.stats().lost, 3, '50 ms lost: 3 frames (rounded up)');
});

t.test('a telephone-event burst between 30 ms packets is not loss; a lost packet beside it counts only itself', async (t) => {
  // 300 ms of audio, a 150 ms digit (its 7 packets are not audio), then audio again on the same clock.
  const before = packetise([240], 2400, { seq0: 10 });
  const after = packetise([240], 4800, { seq0: 10 + before.length + 7, ts0: 80000 + 2400 + 1200 }).map((p) => ({ ...p, at: p.at + 150 + 300 }));
  const jb = new JitterBuffer();
  for (let s = 0; s < 7; s++) jb.markNonAudio(10 + before.length + s);
  run(jb, [...before, ...after], 1200);
  t.match(jb.stats(), { lost: 0, late: 0, received: before.length + after.length });

  const lossy = new JitterBuffer();
  for (let s = 0; s < 7; s++) lossy.markNonAudio(10 + before.length + s);
  run(lossy, [...before, ...after.slice(1)], 1200);
  t.equal(lossy.stats().lost, 2, 'the lost 30 ms packet after the digit is 2 frames, the digit\'s 150 ms nothing');
});

t.test('a pause in the sender (silence suppression) is jumped over, not played out as a hole or counted lost', async (t) => {
  const talk1 = packetise([240], 2400, { seq0: 1 });
  // The next talk spurt follows in sequence, 2 s of timestamps later.
  const talk2 = packetise([240], 2400, { seq0: 1 + talk1.length, ts0: 80000 + 2400 + 16000 }).map((p) => ({ ...p, at: p.at + 300 + 2000 }));
  const jb = new JitterBuffer();
  const frames = run(jb, [...talk1, ...talk2], 3000);
  const spoken = frames.filter((f) => f.kind === 'audio').length;
  t.equal(spoken, 30, 'both spurts played whole (600 ms)');
  t.match(jb.stats(), { lost: 0, late: 0, underruns: 2 });
  const firstOf2 = frames.findIndex((f, i) => i > 20 && f.kind !== 'idle');
  t.ok(firstOf2 * 20 + 7 < 300 + 2000 + 30 + 100, `the second spurt plays within 100 ms of arriving (${firstOf2 * 20 + 7} ms), not after 2 s of hole`);
});

t.test('a packet coming after part of it was due: its rest is played, counted late', async (t) => {
  const jb = new JitterBuffer({ depth: 1 });
  const p = (sequence: number, timestamp: number, n: number) => ({ sequence, timestamp, samples: new Int16Array(n).fill(sequence) });
  jb.push(p(1, 0, 240));
  jb.push(p(3, 480, 240));
  const frames = [jb.pop(), jb.pop()];
  t.same(frames.map((f) => [f.kind, f.samples[0], f.samples[100]]), [['audio', 1, 1], ['filled', 1, 0]], '240 samples of 1, then 80 of hole');
  t.ok(jb.push(p(2, 240, 240)), 'the packet for the hole comes late: 80 of its samples are already past');
  const { samples } = jb.pop();
  t.same([samples[0], samples[159]], [2, 2], 'the rest of it plays');
  t.match(jb.stats(), { late: 1, lost: 1 });
});

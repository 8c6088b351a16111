/**
 * Capture to stereo WAV (T8) on synthetic captures in rtpengine's layout: which side goes left, and how
 * reordering, loss, duplicates, SSRC changes, timestamp wraps and jumps, RTCP and DTMF, and cut files come out.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { channel, readWav } from '../../media/audio/wav.js';
import { captureToWav, type CaptureConversion } from '../../media/recording/capture-to-wav.js';
import { PcapError } from '../../media/recording/pcap-reader.js';
import { sineTone, toneAmplitude } from '../../media/rtp/tone.js';
import { tempDataDir } from '../helpers/data.js';
import { capture, interleave, ipUdp, rtp, streamPackets, type Captured, type Stream } from '../helpers/recording-capture.js';

const dir = tempDataDir(t);
const CALLER_PORT = 43014; // rtpengine's port facing the caller
const OTHER_PORT = 43000; // rtpengine's port facing the operator
const T0 = 1_795_566_182_000_000;
const caller: Stream = { dstPort: CALLER_PORT, srcPort: 34183, ssrc: 0xaaaa0001, startUs: T0 };
const other: Stream = { dstPort: OTHER_PORT, srcPort: 41646, ssrc: 0xbbbb0002, law: 'PCMA', firstTimestamp: 8000, startUs: T0 + 100_000 };
const LOW = 400;
const HIGH = 1000;

let n = 0;
async function convert(file: Buffer, callerPort: number | null = CALLER_PORT): Promise<{ r: CaptureConversion; left: Int16Array; right: Int16Array; outPath: string }> {
  const pcapPath = join(dir, `c${++n}.pcap`);
  const outPath = join(dir, `c${n}.wav`);
  writeFileSync(pcapPath, file);
  const r = await captureToWav({ pcapPath, outPath, callerPort: callerPort ?? undefined });
  const pcm = readWav(outPath);
  if (pcm.channels !== 2 || pcm.sampleRate !== 8000) throw new Error(`not 8 kHz stereo: ${pcm.channels} ${pcm.sampleRate}`);
  return { r, left: channel(pcm, 0), right: channel(pcm, 1), outPath };
}

const twoSides = () => [streamPackets(caller, sineTone(LOW, 2000)), streamPackets(other, sineTone(HIGH, 2000))] as const;
const baseline = await convert(capture(interleave(...twoSides())));

const isSilent = (s: Int16Array) => s.every((v) => v === 0);
const same = (a: Int16Array, b: Int16Array) => a.length === b.length && a.every((v, i) => v === b[i]);

t.test('the caller (packets to the caller-facing port) is left, the other side right, on one timeline', async (t) => {
  const { r, left, right } = baseline;
  t.equal(r.complete, true);
  t.equal(r.incompleteReason, undefined);
  t.same(r.packets, { caller: 100, other: 100 });
  t.equal(r.durationMs, 2100, 'from the first packet to the end of the last');
  t.equal(r.startedAt?.getTime(), T0 / 1000);
  t.equal(r.endedAt?.getTime(), T0 / 1000 + 2100);
  t.equal(r.bytes, 44 + 2100 * 8 * 4);
  t.equal(r.callerGuessed, false);
  t.ok(toneAmplitude(left.subarray(0, 16000), LOW) > 7000, 'caller tone on the left');
  t.ok(toneAmplitude(left.subarray(0, 16000), HIGH) < 100, 'no operator tone on the left');
  t.ok(toneAmplitude(right.subarray(800, 16800), HIGH) > 7000, 'operator tone (A-law) on the right');
  t.ok(toneAmplitude(right.subarray(800, 16800), LOW) < 100, 'no caller tone on the right');
  t.ok(isSilent(right.subarray(0, 800)), 'the right side starts 100 ms later, silence before');
  t.ok(isSilent(left.subarray(16000)), 'the caller stopped after 2 s');
});

t.test('without the caller port the first audio packet decides, and the result says it guessed', async (t) => {
  const { r, left } = await convert(capture(interleave(...twoSides())), null);
  t.equal(r.callerGuessed, true);
  t.ok(same(left, baseline.left));
});

t.test('reordered packets fall into place by their RTP timestamps', async (t) => {
  const [c, o] = twoSides();
  // The first packet stays first: its capture time anchors the stream.
  for (let i = 1; i + 1 < c.length; i += 7) [c[i]!.frame, c[i + 1]!.frame] = [c[i + 1]!.frame, c[i]!.frame];
  const { r, left, right } = await convert(capture(interleave(c, o)));
  t.ok(same(left, baseline.left), 'identical to the capture in order');
  t.ok(same(right, baseline.right));
  t.equal(r.complete, true);
});

t.test('lost packets leave silence of their length; the rest stays in place', async (t) => {
  const [c, o] = twoSides();
  const lossy = c.filter((_, i) => i < 10 || i >= 15);
  const { r, left } = await convert(capture(interleave(lossy, o)));
  t.equal(r.packets.caller, 95);
  t.equal(r.durationMs, 2100);
  t.ok(isSilent(left.subarray(1600, 2400)), '100 ms of silence where 5 packets were lost');
  t.ok(same(left.subarray(2400), baseline.left.subarray(2400)), 'what follows is where it was');
});

t.test('duplicates are mixed in once; RTCP, DTMF events and non-RTP are skipped', async (t) => {
  const [c, o] = twoSides();
  const extra: Captured[] = [
    ...c.filter((_, i) => i % 5 === 0).map((p) => ({ timeUs: p.timeUs + 3000, frame: p.frame })),
    { timeUs: T0 + 500_000, frame: ipUdp(34184, CALLER_PORT + 1, Buffer.from('80c8000600000001' + '00'.repeat(20), 'hex')) },
    { timeUs: T0 + 600_000, frame: ipUdp(34183, CALLER_PORT, rtp(101, 1030, 4800, caller.ssrc, Buffer.from('05 0a 00a0'.replace(/ /g, ''), 'hex'))) },
    { timeUs: T0 + 700_000, frame: ipUdp(34183, CALLER_PORT, Buffer.from('0001000c2112a442000000000000000000000000', 'hex')) },
  ];
  const { r, left, right } = await convert(capture(interleave(c, o, extra)));
  t.ok(same(left, baseline.left));
  t.ok(same(right, baseline.right));
  t.equal(r.ignored, 20 + 3);
  t.same(r.packets, { caller: 100, other: 100 });
});

t.test('a new SSRC (another source on the same leg) continues at its capture time', async (t) => {
  const first = streamPackets({ ...caller }, sineTone(LOW, 1000));
  const second = streamPackets({ ...caller, ssrc: 0x12345678, firstTimestamp: 987_654_321, firstSequence: 40000, startUs: T0 + 1_000_000 }, sineTone(LOW, 1000));
  const { r, left } = await convert(capture(interleave(first, second)));
  t.equal(r.durationMs, 2000);
  t.equal(r.packets.caller, 100);
  for (let f = 0; f < 100; f++) if (isSilent(left.subarray(f * 160, f * 160 + 160))) t.fail(`20 ms frame ${f} is silent`);
  t.ok(toneAmplitude(left.subarray(8000, 16000), LOW) > 7000, 'the second source is there, on the left');
});

t.test('RTP timestamps wrapping past 2^32 keep their order', async (t) => {
  const c = streamPackets({ ...caller, firstTimestamp: 2 ** 32 - 800 }, sineTone(LOW, 2000));
  const o = streamPackets(other, sineTone(HIGH, 2000));
  const { left } = await convert(capture(interleave(c, o)));
  t.ok(same(left, baseline.left));
});

t.test('a timestamp jump without a new SSRC (a restarted sender) re-anchors at the capture time', async (t) => {
  const c = streamPackets(caller, sineTone(LOW, 2000));
  const jumped = c.map((p, i) => {
    if (i < 50) return p;
    const frame = Buffer.from(p.frame);
    frame.writeUInt32BE((frame.readUInt32BE(28 + 4) + 80_000) >>> 0, 28 + 4); // +10 s in RTP time
    return { timeUs: p.timeUs, frame };
  });
  const { r, left } = await convert(capture(jumped));
  t.equal(r.durationMs, 2000, 'not 12 s');
  t.ok(same(left, baseline.left.subarray(0, 16000)));
});

t.test('a sender clock 1 % slow is pulled back to the capture clock in steps of at most 80 ms', async (t) => {
  const c = streamPackets(caller, sineTone(LOW, 20_000)).map((p, i) => ({ timeUs: T0 + Math.round(i * 20_200), frame: p.frame }));
  const { r, left } = await convert(capture(c));
  const lastCapture = (c.at(-1)!.timeUs - T0) / 1000 + 20;
  t.ok(r.durationMs > lastCapture - 90 && r.durationMs <= lastCapture + 1, `ends near the last packet's capture time (${r.durationMs} vs ${lastCapture} ms)`);
  t.equal(r.packets.caller, 1000);
  t.ok(toneAmplitude(left.subarray(left.length - 8000), LOW) > 6000, 'the end is still the tone');
});

t.test('a long silence from one side (over the 8 s window) is written as silence', async (t) => {
  const c = streamPackets(caller, sineTone(LOW, 1000));
  const o = streamPackets({ ...other, startUs: T0 + 30_000_000 }, sineTone(HIGH, 1000));
  const { r, left, right } = await convert(capture(interleave(c, o)));
  t.equal(r.durationMs, 31_000);
  t.ok(isSilent(right.subarray(0, 240_000)));
  t.ok(toneAmplitude(right.subarray(240_000), HIGH) > 7000);
  t.ok(isSilent(left.subarray(8000)));
});

t.test("rtpengine's Ethernet framing (recording-format = eth) and IPv6 packets give the same audio", async (t) => {
  const ipv4 = interleave(...twoSides());
  const ethernet = ipv4.map((p) => ({ timeUs: p.timeUs, frame: Buffer.concat([Buffer.from('000000000000000000000000' + '0800', 'hex'), p.frame]) }));
  const eth = await convert(capture(ethernet, { linkType: 1 }));
  t.ok(same(eth.left, baseline.left) && same(eth.right, baseline.right), 'Ethernet');
  const ipv6 = ipv4.map((p) => {
    const udp = p.frame.subarray(20);
    const h = Buffer.alloc(40);
    h[0] = 0x60;
    h.writeUInt16BE(udp.length, 4);
    h[6] = 17;
    h[7] = 64;
    h[39] = 1;
    h[23] = 1;
    return { timeUs: p.timeUs, frame: Buffer.concat([h, udp]) };
  });
  const v6 = await convert(capture(ipv6));
  t.ok(same(v6.left, baseline.left) && same(v6.right, baseline.right), 'IPv6');
  await t.rejects(convert(capture(ipv4, { linkType: 113 })), { kind: 'bad-link-type', message: /link type 113 is neither raw IP nor Ethernet/ });
});

t.test('a capture cut inside a record is converted up to the cut and reported incomplete', async (t) => {
  const file = capture(interleave(...twoSides()));
  const { r, left } = await convert(file.subarray(0, file.length - 100));
  t.equal(r.complete, false);
  t.match(r.incompleteReason, /^capture-truncated: file ends inside a record/);
  t.equal(r.packets.caller + r.packets.other, 199);
  t.ok(same(left.subarray(0, 15000), baseline.left.subarray(0, 15000)), 'everything before the cut is there');
});

t.test('an empty capture (rtpengine died before writing its header) is an empty, incomplete WAV', async (t) => {
  const { r, left } = await convert(Buffer.alloc(0));
  t.equal(r.complete, false);
  t.match(r.incompleteReason, /^capture-empty: capture file is empty/);
  t.equal(r.durationMs, 0);
  t.equal(r.startedAt, null);
  t.equal(r.bytes, 44);
  t.equal(left.length, 0);
});

t.test('a file that is not a capture is an error and leaves no output behind', async (t) => {
  const pcapPath = join(dir, 'not.pcap');
  writeFileSync(pcapPath, Buffer.from('this is not a capture file at all'));
  const outPath = join(dir, 'not.wav');
  await t.rejects(captureToWav({ pcapPath, outPath, callerPort: CALLER_PORT }), PcapError);
  t.equal(existsSync(outPath), false);
  t.same(readdirSync(dir).filter((f) => f.startsWith('not.wav')), [], 'no .part either');
});

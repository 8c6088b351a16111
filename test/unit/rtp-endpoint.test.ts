/**
 * Two of our endpoints talking over loopback (no relay): offer/answer, G.711 both laws through the endpoint,
 * RFC 4733 DTMF, malformed packets, symmetric latching, playback control; and a bare socket as a caller
 * packetising 10 to 60 ms, which the endpoint must hear whatever it answered.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import t, { type Test } from 'tap';
import { encodeG711 } from '../../media/audio/g711.js';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { serializeRtp } from '../../media/rtp/rtp-packet.js';
import { SdpNegotiationError } from '../../media/rtp/sdp-negotiation.js';
import { telephoneEventPackets } from '../../media/rtp/telephone-event.js';
import { sineTone, toneAmplitude, toneProfile } from '../../media/rtp/tone.js';
import { parseSdp, serializeSdp, type Sdp } from '../../sip/sdp/sdp.js';
import { toneContinuity } from '../helpers/audio-match.js';
import { freeUdpPort } from '../helpers/sipp.js';

/** For how many ms (in 100 ms windows) `frequency` is present at `level` or more (of a full-scale 32767). */
const presentMs = (samples: Int16Array, frequency: number, level: number) => toneProfile(samples, frequency).filter((a) => a >= level).length * 100;

async function pool(count = 10): Promise<PortPool> {
  const first = await freeUdpPort(count + 1);
  const min = first + (first % 2);
  return new PortPool({ portMin: min, portMax: min + count - 1 });
}

const ticks = (clock: FrameClock, n: number) =>
  new Promise<void>((resolve) => {
    const off = clock.subscribe(() => {
      if (--n <= 0) {
        off();
        resolve();
      }
    }, 'send');
  });

/** A and B joined directly: A offers, B answers; `law` puts that codec first in the offer. */
async function pair(t: Test, law: 'PCMU' | 'PCMA' = 'PCMU') {
  const ports = await pool();
  const clock = new FrameClock();
  const a = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  const b = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  t.teardown(() => {
    a.close();
    b.close();
  });
  const offer: Sdp = parseSdp(serializeSdp(a.offer()));
  if (law === 'PCMA') offer.media[0]!.formats = ['8', '0', '101'];
  const answer = b.answer(offer);
  a.applyAnswer(parseSdp(serializeSdp(answer)));
  return { a, b, clock, ports };
}

t.test('a tone crosses in both directions, µ-law and A-law, with its frequency and level', async (t) => {
  for (const law of ['PCMU', 'PCMA'] as const) {
    const { a, b } = await pair(t, law);
    t.equal(a.codec, law);
    t.equal(b.codec, law);
    a.startCapture();
    b.startCapture();
    const [ra, rb] = await Promise.all([a.play(sineTone(1000, 600)), b.play(sineTone(600, 600))]);
    t.same([ra, rb], ['finished', 'finished']);
    await new Promise((r) => setTimeout(r, 150)); // the last frames through the jitter buffer
    const atB = b.stopCapture();
    const atA = a.stopCapture();
    t.ok(atB.length >= 160 * 15, `${law}: B captured ${atB.length} samples`);
    t.ok(presentMs(atB, 1000, 6000) >= 400, `${law}: B hears A's 600 ms of 1 kHz at amplitude 8000 (${toneProfile(atB, 1000).map((a) => a.toFixed(0)).join(' ')})`);
    t.ok(toneAmplitude(atB, 600) < 200, `${law}: and not its own 600 Hz`);
    t.ok(presentMs(atA, 600, 6000) >= 400, `${law}: A hears B's 600 Hz (${toneProfile(atA, 600).map((a) => a.toFixed(0)).join(' ')})`);
    const sa = a.stats();
    t.ok(sa.sent >= 20 && sa.received >= 20, `${law}: packets counted both ways (${JSON.stringify(sa)})`);
    t.match(sa, { lost: 0, malformed: 0 });
    a.close();
    b.close();
  }
});

t.test('silence is sent when nothing plays, and playback stops on abort or stopPlayback', async (t) => {
  const { a, b, clock } = await pair(t);
  await ticks(clock, 10);
  t.ok(b.stats().received >= 5, 'B receives A\'s comfort silence');
  const ac = new AbortController();
  const looping = a.play(sineTone(400, 100), { loop: true, signal: ac.signal });
  await ticks(clock, 10);
  ac.abort();
  t.equal(await looping, 'stopped', 'a looping prompt ends on abort');
  const replaced = a.play(sineTone(400, 1000));
  const next = a.play(sineTone(400, 40));
  t.equal(await replaced, 'stopped', 'a new play replaces the running one');
  t.equal(await next, 'finished');
  const stopped = a.play(sineTone(400, 1000));
  a.stopPlayback();
  t.equal(await stopped, 'stopped');
  t.equal(await a.play(new Int16Array(0)), 'finished', 'nothing to play finishes at once');
  const closing = a.play(sineTone(400, 1000));
  a.close();
  t.equal(await closing, 'stopped', 'close stops playback');
  t.equal(await a.play(sineTone(400, 100)), 'stopped', 'a closed endpoint plays nothing');
});

t.test('DTMF sent by A arrives at B as digits with their durations', async (t) => {
  const { a, b } = await pair(t);
  const digits: Array<[string, number]> = [];
  b.on('dtmf', (d, ms) => digits.push([d, ms]));
  await Promise.all([a.sendDtmf('1'), a.sendDtmf('#', 160), a.sendDtmf('d', 60)]);
  await new Promise((r) => setTimeout(r, 100));
  t.same(digits, [['1', 100], ['#', 160], ['D', 60]]);
  await t.rejects(a.sendDtmf('x'), { name: 'TelephoneEventError' });
});

t.test('malformed datagrams are counted and dropped; the far end is latched to where packets come from', async (t) => {
  const { a, b, clock } = await pair(t);
  const rogue = createSocket('udp4');
  rogue.bind(0, '127.0.0.1');
  await once(rogue, 'listening');
  t.teardown(() => rogue.close());
  const send = (buf: Buffer) => rogue.send(buf, b.port, '127.0.0.1');
  send(Buffer.from('not rtp at all'));
  send(Buffer.alloc(4));
  send(Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]));
  send(serializeRtp({ marker: false, payloadType: 101, sequence: 1, timestamp: 1, ssrc: 1, csrcs: [], padding: 0, payload: Buffer.alloc(2) }));
  send(serializeRtp({ marker: false, payloadType: 18, sequence: 1, timestamp: 1, ssrc: 1, csrcs: [], padding: 0, payload: Buffer.alloc(20) }));
  await ticks(clock, 5);
  t.match(b.stats(), { malformed: 4, ignored: 1 }, 'three non-RTP datagrams and a short telephone-event; a foreign codec is ignored');
  t.equal(b.remoteAddress?.port, a.port, 'B still sends to A: it latched to A\'s first packet, not to the rogue');

  // A fresh endpoint whose SDP says one port while packets come from another (a NAT): it follows the packets.
  const ports = await pool(4);
  const c = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  t.teardown(() => c.close());
  const offer = parseSdp(serializeSdp(a.offer()));
  offer.media[0]!.port = 9; // nobody there
  c.answer(offer);
  t.equal(c.remoteAddress?.port, 9);
  const seen: number[] = [];
  rogue.on('message', (m) => seen.push(m.length));
  rogue.send(serializeRtp({ marker: true, payloadType: 0, sequence: 7, timestamp: 1, ssrc: 9, csrcs: [], padding: 0, payload: Buffer.alloc(160, 0xff) }), c.port, '127.0.0.1');
  await ticks(clock, 5);
  t.equal(c.remoteAddress?.port, rogue.address().port, 'latched to the source of the first packet');
  t.ok(seen.length >= 2 && seen.every((n) => n === 172), 'and sends its G.711 packets there');
});

t.test('an offer without G.711 is refused and opening honours the pool', async (t) => {
  const ports = await pool(2);
  const clock = new FrameClock();
  const e = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  const g729 = parseSdp('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 18\r\n');
  t.throws(() => e.answer(g729), SdpNegotiationError);
  t.equal(e.codec, undefined, 'nothing was negotiated');
  await t.rejects(RtpEndpoint.open({ address: '127.0.0.1', ports, clock }), { name: 'PortPoolError' }, 'the only port is taken');
  e.close();
  t.equal(ports.used, 0, 'close gives the port back');
  t.notOk(clock.running, 'and leaves the clock');
  const again = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  t.equal(again.port, e.port);
  again.close();
});

t.test('digits need telephone-event: refused when the answer leaves it out, even if queued before', async (t) => {
  const ports = await pool(4);
  const clock = new FrameClock();
  const a = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  t.teardown(() => a.close());
  const queued = a.sendDtmf('5');
  a.applyAnswer(parseSdp('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'));
  await t.rejects(queued, { name: 'TelephoneEventError', message: /did not negotiate telephone-event/ });
  await t.rejects(a.sendDtmf('5'), { name: 'TelephoneEventError' });
});

interface Outgoing {
  /** When to send, in ms from the stream's start. */
  at: number;
  packet: Buffer;
}

/** A caller that is only a UDP socket: `b` answers its offer and latches to it. */
async function bareCaller(t: Test, b: RtpEndpoint, law: 'PCMU' | 'PCMA', ptime: number) {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  t.teardown(() => socket.close());
  const pt = law === 'PCMA' ? 8 : 0;
  const port = socket.address().port;
  b.answer(parseSdp(`v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pt} 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:${ptime}\r\n`));
  return { socket, pt };
}

/** `samples` as G.711 packets of `sizes` (cycled), each sent once its audio would have been spoken. */
function packetise(law: 'PCMU' | 'PCMA', samples: Int16Array, sizes: number[], from: { seq: number; ts: number; at: number }): Outgoing[] {
  const out: Outgoing[] = [];
  for (let offset = 0, k = 0; offset < samples.length; k++) {
    const n = Math.min(sizes[k % sizes.length]!, samples.length - offset);
    const payload = Buffer.from(encodeG711(law, samples.subarray(offset, offset + n)));
    const packet = serializeRtp({ marker: k === 0, payloadType: law === 'PCMA' ? 8 : 0, sequence: (from.seq + k) & 0xffff, timestamp: (from.ts + offset) >>> 0, ssrc: 0x5e7a, csrcs: [], padding: 0, payload });
    out.push({ at: from.at + (offset + n) / 8, packet });
    offset += n;
  }
  return out;
}

/** Sends each packet at its time (against the monotonic clock, so timer lateness does not add up). */
async function sendPaced(socket: Socket, port: number, packets: Outgoing[]): Promise<void> {
  const start = performance.now();
  for (const { at, packet } of packets) {
    const wait = start + at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    socket.send(packet, port, '127.0.0.1');
  }
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

// RFC 3264 §6.1, RFC 4566 §6: a=ptime is only a preference. Carriers and phones send 10 to 60 ms packets
// (sipp's g711a.pcap, our benchmark's caller, is 30 ms) whatever we answered; the endpoint sends 20 ms.
for (const [name, sizes, law] of [
  ['10 ms', [80], 'PCMU'],
  ['30 ms', [240], 'PCMA'],
  ['60 ms', [480], 'PCMU'],
  ['mixed 20/30/10/60/40 ms', [160, 240, 80, 480, 320], 'PCMA'],
] as const) {
  t.test(`a caller sending ${name} packets is heard whole: the tone continuous, nothing lost or ignored`, async (t) => {
    const ports = await pool(2);
    const clock = new FrameClock();
    const b = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
    t.teardown(() => b.close());
    const { socket } = await bareCaller(t, b, law, sizes[0]! / 8);
    const packets = packetise(law, sineTone(1000, 1000), [...sizes], { seq: 65500, ts: 2 ** 32 - 4000, at: 0 });
    b.startCapture();
    await sendPaced(socket, b.port, packets);
    await settle(300);
    const heard = toneContinuity(b.stopCapture(), 1000);
    t.ok(heard.ms >= 990 && heard.ms <= 1010, `${name}: 1 s of tone heard (${heard.ms} ms)`);
    t.ok(heard.weakest >= 7000, `${name}: every 20 ms of it at 1 kHz, amplitude 8000 (weakest ${heard.weakest})`);
    t.equal(heard.breaks, 0, `${name}: no hole, repeat or jump in the sine (sequence and timestamp wrap on the way)`);
    t.match(b.stats(), { received: packets.length, ignored: 0, malformed: 0, lost: 0, late: 0, duplicate: 0 }, `${name}: ${JSON.stringify(b.stats())}`);
    t.equal(b.remoteAddress?.port, socket.address().port, 'and answers to where the packets came from');
  });
}

t.test('G.711 payloads outside 10-60 ms (80-480 octets) are ignored; 80 and 480 are heard', async (t) => {
  const ports = await pool(2);
  const clock = new FrameClock();
  const b = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  t.teardown(() => b.close());
  const { socket, pt } = await bareCaller(t, b, 'PCMU', 20);
  let seq = 1;
  const send = (octets: number) => socket.send(serializeRtp({ marker: false, payloadType: pt, sequence: seq++, timestamp: seq * 480, ssrc: 1, csrcs: [], padding: 0, payload: Buffer.alloc(octets, 0xff) }), b.port, '127.0.0.1');
  for (const octets of [0, 40, 79, 481, 960, 1200]) send(octets);
  await ticks(clock, 3);
  t.match(b.stats(), { ignored: 6, received: 0 }, 'none of them is audio we take');
  send(80);
  send(480);
  await ticks(clock, 3);
  t.match(b.stats(), { ignored: 6, received: 2 });
});

t.test('a DTMF burst between 30 ms packets is read as a digit and not counted as lost audio', async (t) => {
  const ports = await pool(2);
  const clock = new FrameClock();
  const b = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  t.teardown(() => b.close());
  const { socket } = await bareCaller(t, b, 'PCMA', 30);
  const digits: Array<[string, number]> = [];
  b.on('dtmf', (d, ms) => digits.push([d, ms]));
  // 300 ms of tone, the digit 7 for 150 ms (RFC 4733: one event packet each 30 ms, the end three times, all
  // with the event's start as timestamp), then tone again on the same clock, as a phone sends it.
  const first = packetise('PCMA', sineTone(700, 300), [240], { seq: 100, ts: 5000, at: 0 });
  const event = telephoneEventPackets('7', 150, 30).map((p, i) => ({
    at: 300 + 30 * (i + 1),
    packet: serializeRtp({ marker: p.marker, payloadType: 101, sequence: 110 + i, timestamp: 5000 + 2400, ssrc: 0x5e7a, csrcs: [], padding: 0, payload: p.payload }),
  }));
  const eventSamples = event.length * 240;
  const second = packetise('PCMA', sineTone(700, 600), [240], { seq: 110 + event.length, ts: 5000 + 2400 + eventSamples, at: 300 + eventSamples / 8 });
  await sendPaced(socket, b.port, [...first, ...event, ...second]);
  await settle(300);
  t.same(digits, [['7', 150]], 'the digit, with its duration');
  t.match(b.stats(), { received: first.length + event.length + second.length, lost: 0, late: 0, ignored: 0, malformed: 0 }, `no audio lost: ${JSON.stringify(b.stats())}`);
});

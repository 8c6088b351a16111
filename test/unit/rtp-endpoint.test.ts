/**
 * Two of our endpoints talking over loopback (no relay): offer/answer, G.711 both laws through the endpoint,
 * RFC 4733 DTMF, malformed packets, symmetric latching, playback control.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import t, { type Test } from 'tap';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { serializeRtp } from '../../media/rtp/rtp-packet.js';
import { SdpNegotiationError } from '../../media/rtp/sdp-negotiation.js';
import { sineTone, toneAmplitude, toneProfile } from '../../media/rtp/tone.js';
import { parseSdp, serializeSdp, type Sdp } from '../../sip/sdp/sdp.js';
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

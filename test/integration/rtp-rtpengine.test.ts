/**
 * Our endpoints with real packets through a real rtpengine (10.5, userspace): A's offer goes through
 * rtpengine `offer` to B, B's answer through `answer` back to A, as call control will do every leg (issue 4).
 * Tones cross both ways with their frequency and level, DTMF sent by A is read by B, and the three-party
 * mixer (T10) gives each party the other two and not itself. A caller packetising 30 ms, as sipp's
 * g711a.pcap (the carrier's caller in our tests and benchmark) does, is heard whole.
 */
import { performance } from 'node:perf_hooks';
import t, { type Test } from 'tap';
import { encodeG711 } from '../../media/audio/g711.js';
import { DtmfEvents, type DtmfEvent } from '../../media/rtpengine/dtmf-events.js';
import type { NgClient } from '../../media/rtpengine/ng-client.js';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { Mixer } from '../../media/rtp/mixer.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { serializeRtp } from '../../media/rtp/rtp-packet.js';
import { sineTone, toneAmplitude, toneProfile } from '../../media/rtp/tone.js';
import { mediaAddress, parseSdp, serializeSdp } from '../../sip/sdp/sdp.js';
import { toneContinuity } from '../helpers/audio-match.js';
import { startRtpengine, udpSocket } from '../helpers/rtpengine.js';
import { freeUdpPort } from '../helpers/sipp.js';

/** For how many ms (in 100 ms windows) `frequency` is present at `level` or more (of a full-scale 32767). */
const presentMs = (samples: Int16Array, frequency: number, level: number) => toneProfile(samples, frequency).filter((a) => a >= level).length * 100;

async function ourPorts(count: number): Promise<PortPool> {
  const first = await freeUdpPort(count + 1);
  const min = first + (first % 2);
  return new PortPool({ portMin: min, portMax: min + count - 1 });
}

let calls = 0;

/** Joins `a` (caller) and `b` (callee) through rtpengine; returns the call's Call-ID. */
async function callThrough(ng: NgClient, a: RtpEndpoint, b: RtpEndpoint, law?: 'PCMA'): Promise<string> {
  const callId = `rtp-test-${process.pid}-${++calls}`;
  const offer = a.offer();
  if (law === 'PCMA') offer.media[0]!.formats = ['8', '0', '101'];
  const relayedOffer = await ng.offer({ callId, fromTag: 'a', sdp: serializeSdp(offer) });
  const answer = b.answer(parseSdp(relayedOffer.sdp));
  const relayedAnswer = await ng.answer({ callId, fromTag: 'a', toTag: 'b', sdp: serializeSdp(answer) });
  a.applyAnswer(parseSdp(relayedAnswer.sdp));
  return callId;
}

async function setup(t: Test, endpoints: number) {
  // rtpengine's own DTMF reports (dtmf-log-dest), which call control reads: our events must register there too.
  const dtmf = await DtmfEvents.listen({ port: await freeUdpPort() });
  t.teardown(() => dtmf.close());
  const reported: DtmfEvent[] = [];
  dtmf.on('dtmf', (e) => reported.push(e));
  const rtpengine = await startRtpengine(t, { dtmfPort: dtmf.port });
  const ng = await rtpengine.client();
  const ports = await ourPorts(2 * endpoints + 2);
  const clock = new FrameClock();
  const eps: RtpEndpoint[] = [];
  for (let i = 0; i < endpoints; i++) eps.push(await RtpEndpoint.open({ address: '127.0.0.1', ports, clock }));
  t.teardown(() => eps.forEach((e) => e.close()));
  return { rtpengine, ng, eps, clock, reported };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('A and B through rtpengine: tones both ways, µ-law and A-law, and DTMF', async (t) => {
  const { ng, eps, rtpengine, reported } = await setup(t, 4);
  for (const [law, a, b] of [['PCMU', eps[0]!, eps[1]!], ['PCMA', eps[2]!, eps[3]!]] as const) {
    const callId = await callThrough(ng, a, b, law === 'PCMA' ? 'PCMA' : undefined);
    t.equal(a.codec, law, `${law} negotiated on A`);
    t.equal(b.codec, law, `${law} negotiated on B`);
    t.not(b.remoteAddress?.port, a.port, 'B sends to rtpengine, not to A');
    t.ok(b.remoteAddress!.port >= rtpengine.portMin && b.remoteAddress!.port <= rtpengine.portMax, 'within rtpengine\'s range');

    // Let silence flow first so both jitter buffers are primed and the capture holds the whole tone.
    await settle(200);
    a.startCapture();
    b.startCapture();
    await Promise.all([a.play(sineTone(1000, 1000)), b.play(sineTone(450, 1000))]);
    await settle(200);
    const atB = b.stopCapture();
    const atA = a.stopCapture();
    t.ok(atB.length >= 8000, `${law}: B captured ${atB.length / 8} ms`);
    // A 1 s tone at amplitude 8000: whole 100 ms windows of it, at least eight, must arrive at 75% of that
    // or more (a window missing one 20 ms frame, when a loaded machine delays packets, still keeps 80%).
    t.ok(presentMs(atB, 1000, 6000) >= 800, `${law}: B hears 1 s of 1 kHz from A (${presentMs(atB, 1000, 6000)} ms at 6000 or more)`);
    t.ok(toneAmplitude(atB, 450) < 200, `${law}: B does not hear itself`);
    t.ok(presentMs(atA, 450, 6000) >= 800, `${law}: A hears 1 s of 450 Hz from B (${presentMs(atA, 450, 6000)} ms)`);

    const digits: string[] = [];
    b.on('dtmf', (d) => digits.push(d));
    for (const d of '159#') await a.sendDtmf(d, 80);
    await settle(300);
    t.equal(digits.join(''), '159#', `${law}: DTMF from A reaches B through rtpengine`);
    const seen = reported.filter((e) => e.callId === callId);
    t.same(seen.map((e) => [e.digit, e.sourceTag]), [['1', 'a'], ['5', 'a'], ['9', 'a'], ['#', 'a']], `${law}: rtpengine reports each digit once, pressed by A`);
    t.ok(seen.every((e) => e.durationMs === 80), `with the duration sent (${seen.map((e) => e.durationMs).join(', ')} ms)`);

    const q = await ng.query({ callId });
    const packetsFromA = q.tags.a?.streams[0]?.packets ?? 0;
    t.ok(packetsFromA >= 50, `rtpengine counted ${packetsFromA} packets from A`);
    const sa = a.stats();
    const sb = b.stats();
    t.match(sb, { malformed: 0, lost: 0 }, `${law}: B lost nothing (${JSON.stringify(sb)})`);
    t.match(sa, { malformed: 0, lost: 0 }, `${law}: A lost nothing (${JSON.stringify(sa)})`);
    await ng.delete({ callId });
  }
});

t.test('the three-party mixer through rtpengine: each party hears the other two and not itself', async (t) => {
  // Parties P0..P2 each call into a mixer endpoint M0..M2 through rtpengine, as the interpreter call's
  // caller, operator and interpreter legs will (T10).
  const { ng, eps, clock } = await setup(t, 6);
  const parties = eps.slice(0, 3);
  const legs = eps.slice(3);
  for (let i = 0; i < 3; i++) await callThrough(ng, parties[i]!, legs[i]!);
  const mixer = new Mixer({ clock });
  t.teardown(() => mixer.close());
  legs.forEach((leg) => mixer.add(leg));
  await settle(200);

  const tones = [500, 1200, 2100];
  parties.forEach((p) => p.startCapture());
  await Promise.all(parties.map((p, i) => p.play(sineTone(tones[i]!, 1000, 6000))));
  await settle(200);
  const heard = parties.map((p) => p.stopCapture());
  for (let i = 0; i < 3; i++) {
    const present = tones.map((f) => presentMs(heard[i]!, f, 4500));
    const own = toneAmplitude(heard[i]!, tones[i]!);
    const desc = tones.map((f, j) => `${f} Hz ${present[j]} ms`).join(', ');
    for (let j = 0; j < 3; j++) {
      if (i === j) t.ok(own < 200, `P${i} does not hear its own ${tones[j]} Hz (amplitude ${own.toFixed(0)}; ${desc})`);
      else t.ok(present[j]! >= 800, `P${i} hears 1 s of P${j}'s ${tones[j]} Hz at amplitude 6000, 4500 or more in 100 ms windows (${desc})`);
    }
  }

  // Live removal: once P1's leg leaves, P0 hears P2 only.
  mixer.remove(legs[1]!);
  parties[0]!.startCapture();
  await Promise.all([parties[1]!.play(sineTone(tones[1]!, 500, 6000)), parties[2]!.play(sineTone(tones[2]!, 500, 6000))]);
  await settle(200);
  const after = parties[0]!.stopCapture();
  t.ok(toneAmplitude(after, tones[1]!) < 200, 'after removal P0 no longer hears P1');
  t.ok(presentMs(after, tones[2]!, 4500) >= 400, 'but still hears P2');
});

t.test('a caller sending 30 ms PCMA packets through rtpengine is heard whole by our endpoint', async (t) => {
  const { ng, eps } = await setup(t, 1);
  const b = eps[0]!;
  // The caller is a bare socket, as sipp playing g711a.pcap is: its offer says 30 ms, we answer 20 ms.
  const caller = await udpSocket(t);
  const callId = `rtp-test-${process.pid}-${++calls}`;
  const offer = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${caller.address().port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\n`;
  const relayedOffer = await ng.offer({ callId, fromTag: 'a', sdp: offer });
  const answer = b.answer(parseSdp(relayedOffer.sdp));
  t.equal(b.codec, 'PCMA');
  const relayedAnswer = await ng.answer({ callId, fromTag: 'a', toTag: 'b', sdp: serializeSdp(answer) });
  const relay = mediaAddress(parseSdp(relayedAnswer.sdp), 0);

  // 1 s of 1 kHz in 30 ms packets, sequence and timestamp wrapping on the way, each sent when spoken.
  const tone = sineTone(1000, 1000);
  const packets: Buffer[] = [];
  for (let offset = 0, k = 0; offset < tone.length; offset += 240, k++) {
    const payload = Buffer.from(encodeG711('PCMA', tone.subarray(offset, offset + 240)));
    packets.push(serializeRtp({ marker: k === 0, payloadType: 8, sequence: (65520 + k) & 0xffff, timestamp: (2 ** 32 - 2000 + offset) >>> 0, ssrc: 0x3a, csrcs: [], padding: 0, payload }));
  }
  b.startCapture();
  const start = performance.now();
  for (const [k, packet] of packets.entries()) {
    const wait = start + (k + 1) * 30 - performance.now();
    if (wait > 0) await settle(wait);
    caller.send(packet, relay.port, relay.address);
  }
  await settle(300);
  const heard = toneContinuity(b.stopCapture(), 1000);
  t.ok(heard.ms >= 990 && heard.ms <= 1010, `1 s of tone heard (${heard.ms} ms)`);
  t.ok(heard.weakest >= 7000, `every 20 ms of it at 1 kHz, amplitude 8000 (weakest ${heard.weakest})`);
  t.equal(heard.breaks, 0, 'continuous: no hole, repeat or phase jump');
  const sb = b.stats();
  t.match(sb, { received: packets.length, ignored: 0, malformed: 0, lost: 0 }, `rtpengine forwarded the ${packets.length} packets as 30 ms, all heard (${JSON.stringify(sb)})`);
  const q = await ng.query({ callId });
  t.equal(q.tags.a?.streams[0]?.packets, packets.length, 'rtpengine counted them from the caller');
  await ng.delete({ callId });
});

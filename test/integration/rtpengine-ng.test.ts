/**
 * The ng client against a real rtpengine 10.5 (userspace, 127.0.0.1): offer/answer rewrite SDP to
 * rtpengine's address and ports, RTP flows through it both ways, refusals surface as RtpengineError, an
 * absent rtpengine as RtpengineUnavailable, and recording leaves a pcap of both directions (issue 4 items
 * 1 and 4, T8).
 */
import type { Socket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { captureMetadataDir, capturePcapDir } from '../../media/rtpengine/daemon-config.js';
import { NgClient, RtpengineError, RtpengineUnavailable } from '../../media/rtpengine/ng-client.js';
import { startRtpengine, udpSocket } from '../helpers/rtpengine.js';
import { freeUdpPort } from '../helpers/sipp.js';

/** An SDP offer or answer for a phone at 127.0.0.1:port. */
function phoneSdp(port: number, payloads = '0 8 18 101'): string {
  return [
    'v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${payloads}`,
    'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:18 G729/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15',
    'a=candidate:1 1 UDP 2130706431 10.0.0.5 5000 typ host', 'a=sendrecv', '',
  ].join('\r\n');
}

function mediaPort(sdp: string): number {
  return Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);
}

function rtp(seq: number, payload: Buffer, pt = 0): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(seq * 160, 4);
  h.writeUInt32BE(0xcafe, 8);
  return Buffer.concat([h, payload]);
}

/** Sends `count` 20 ms µ-law packets whose payload bytes are all `fill`. */
async function stream(from: Socket, port: number, count: number, fill: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    from.send(rtp(i, Buffer.alloc(160, fill)), port, '127.0.0.1');
    await sleep(20);
  }
}

function collect(s: Socket): Buffer[] {
  const got: Buffer[] = [];
  s.on('message', (m: Buffer) => got.push(m));
  return got;
}

/** RTP packets of a pcap (rtpengine writes LINKTYPE_RAW: IPv4 packets), as "srcPort>dstPort" per packet. */
function pcapFlows(file: string): Map<string, number> {
  const b = readFileSync(file);
  const flows = new Map<string, number>();
  if (b.readUInt32LE(20) !== 101) throw new Error(`unexpected link type ${b.readUInt32LE(20)}`);
  for (let o = 24; o + 16 <= b.length; ) {
    const len = b.readUInt32LE(o + 8);
    const ip = b.subarray(o + 16, o + 16 + len);
    const ihl = (ip[0]! & 15) * 4;
    const key = `${ip.readUInt16BE(ihl)}>${ip.readUInt16BE(ihl + 2)}`;
    flows.set(key, (flows.get(key) ?? 0) + 1);
    o += 16 + len;
  }
  return flows;
}

t.test('offer and answer put rtpengine in the media path, G.711 and telephone-event only', async (t) => {
  const r = await startRtpengine(t);
  const ng = await r.client();
  await ng.ping();
  const caller = await udpSocket(t);
  const agent = await udpSocket(t);
  const offer = await ng.offer({ callId: 'ng-1', fromTag: 'caller', sdp: phoneSdp(caller.address().port) });
  const answer = await ng.answer({ callId: 'ng-1', fromTag: 'caller', toTag: 'agent', sdp: phoneSdp(agent.address().port, '0 101') });

  for (const [name, sdp] of [['offer', offer.sdp], ['answer', answer.sdp]] as const) {
    t.match(sdp, /^c=IN IP4 127\.0\.0\.1\r$/m, `${name}: rtpengine's address`);
    t.match(sdp, /^o=- 1 1 IN IP4 127\.0\.0\.1\r$/m, `${name}: origin replaced`);
    const port = mediaPort(sdp);
    t.ok(port >= r.portMin && port <= r.portMax, `${name}: port ${port} in rtpengine's range ${r.portMin}-${r.portMax}`);
    t.notMatch(sdp, /a=candidate/, `${name}: ICE candidates removed`);
  }
  t.match(offer.sdp, /^m=audio \d+ RTP\/AVP 0 8 101\r$/m, 'offer keeps PCMU, PCMA and telephone-event, strips G.729');
  t.notMatch(offer.sdp, /G729/);
  t.match(answer.sdp, /^m=audio \d+ RTP\/AVP 0 101\r$/m, 'answer as the agent gave it');

  const toAgent = mediaPort(offer.sdp);
  const toCaller = mediaPort(answer.sdp);
  const atAgent = collect(agent);
  const atCaller = collect(caller);
  await Promise.all([stream(caller, toCaller, 25, 0x11), stream(agent, toAgent, 25, 0x22)]);
  await sleep(200);
  t.equal(atAgent.length, 25, 'every packet of the caller reached the agent');
  t.equal(atCaller.length, 25, 'every packet of the agent reached the caller');
  t.ok(atAgent.every((m) => m.subarray(12).equals(Buffer.alloc(160, 0x11))), "with the caller's audio");
  t.ok(atCaller.every((m) => m.subarray(12).equals(Buffer.alloc(160, 0x22))), "with the agent's audio");

  const q = await ng.query({ callId: 'ng-1' });
  t.equal(q.tags.caller?.streams[0]?.packets, 25, 'query counts what the caller sent');
  t.equal(q.tags.agent?.streams[0]?.packets, 25, 'and what the agent sent');
  t.same(q.tags.caller?.streams[0]?.endpoint, { address: '127.0.0.1', port: caller.address().port }, "and where the caller's media goes");
  t.equal((await ng.statistics()).sessionsOwn, 1, 'statistics count the call');

  await ng.delete({ callId: 'ng-1' });
  await t.rejects(ng.query({ callId: 'ng-1' }), RtpengineError, 'a deleted call is gone at once (delete-delay 0)');
  t.equal((await ng.statistics()).sessionsOwn, 0);
});

t.test('a softphone behind NAT gets media at the address its packets come from', async (t) => {
  const r = await startRtpengine(t);
  const ng = await r.client();
  const trunk = await udpSocket(t);
  const phone = await udpSocket(t);
  const offer = await ng.offer({ callId: 'nat-1', fromTag: 'trunk', sdp: phoneSdp(trunk.address().port) });
  // The phone's SDP names a private address that is not reachable; its packets come from 127.0.0.1.
  const phoneSdpText = phoneSdp(40000).replace('c=IN IP4 127.0.0.1', 'c=IN IP4 10.99.0.7');
  const answer = await ng.answer({ callId: 'nat-1', fromTag: 'trunk', toTag: 'phone', sdp: phoneSdpText, sipSourceAddress: '127.0.0.1' });
  const atPhone = collect(phone);
  await stream(phone, mediaPort(offer.sdp), 5, 0x33);
  await stream(trunk, mediaPort(answer.sdp), 10, 0x44);
  await sleep(200);
  t.equal(atPhone.length, 10, "after the phone's first packet, rtpengine sends to its real source (symmetric RTP)");
});

t.test('refusals are RtpengineError with the reason; no rtpengine is RtpengineUnavailable', async (t) => {
  const r = await startRtpengine(t);
  const ng = await r.client();
  const err = await ng.answer({ callId: 'unknown', fromTag: 'a', toTag: 'b', sdp: phoneSdp(4000) }).catch((e: unknown) => e);
  t.type(err, RtpengineError);
  t.match(err, { command: 'answer', reason: /unknown call-id/i }, `answer for an unknown call: ${(err as Error).message}`);
  t.same(await ng.delete({ callId: 'unknown' }), { warning: "Call-ID not found or tags didn't match" }, 'deleting an unknown call only warns (a delete may be repeated)');
  await t.rejects(ng.query({ callId: 'unknown' }), { name: 'RtpengineError', command: 'query', reason: 'Unknown call-id' }, 'query of an unknown call');
  const bad = await ng.offer({ callId: 'bad', fromTag: 'a', sdp: 'this is not SDP' }).catch((e: unknown) => e);
  t.match(bad, { name: 'RtpengineError', command: 'offer' }, `malformed SDP: ${(bad as Error).message}`);

  const nobody = await NgClient.open({ port: await freeUdpPort(), timeoutMs: 300 });
  t.teardown(() => nobody.close());
  await t.rejects(nobody.ping(), RtpengineUnavailable, 'no answer: unavailable');
  await t.rejects(nobody.offer({ callId: 'c', fromTag: 'a', sdp: phoneSdp(4000) }), { name: 'RtpengineUnavailable', command: 'offer' });
});

t.test('record: true in the offer captures both directions to one pcap, closed on delete', async (t) => {
  const r = await startRtpengine(t, { recording: true });
  const ng = await r.client();
  const caller = await udpSocket(t);
  const agent = await udpSocket(t);
  const offer = await ng.offer({ callId: 'rec-1', fromTag: 'caller', sdp: phoneSdp(caller.address().port), record: true });
  const recordings = offer.raw.recordings;
  t.ok(Array.isArray(recordings) && recordings.length === 1, 'the offer names the capture file');
  const pcap = (recordings as string[])[0]!;
  t.equal(join(pcap, '..'), capturePcapDir(r.recordingDir), 'under <recording-dir>/pcaps');
  t.match(pcap, /\/rec-1-[0-9a-f]{16}\.pcap$/, 'named <call-id>-<16 hex digits>.pcap');
  const answer = await ng.answer({ callId: 'rec-1', fromTag: 'caller', toTag: 'agent', sdp: phoneSdp(agent.address().port, '0 101') });
  await Promise.all([stream(caller, mediaPort(answer.sdp), 30, 0x11), stream(agent, mediaPort(offer.sdp), 20, 0x22)]);
  t.same(readdirSync(captureMetadataDir(r.recordingDir)), [], 'no finished metadata while the call runs');

  await ng.delete({ callId: 'rec-1' });
  const base = pcap.replace(/^.*\//, '').replace(/\.pcap$/, '');
  const meta = join(captureMetadataDir(r.recordingDir), `rtpengine-meta-${base}.txt`);
  t.ok(existsSync(meta), 'the delete moves the metadata file to metadata/ (the capture is complete)');
  t.match(readFileSync(meta, 'utf8'), /^SDP mode: offer$/m, 'metadata holds the SDPs');
  const flows = pcapFlows(pcap);
  t.equal(flows.get(`${caller.address().port}>${mediaPort(answer.sdp)}`), 30, "the caller's packets, as rtpengine received them");
  t.equal(flows.get(`${agent.address().port}>${mediaPort(offer.sdp)}`), 20, "the agent's packets");
});

t.test('start and stop recording capture the middle of a call', async (t) => {
  const r = await startRtpengine(t, { recording: true });
  const ng = await r.client();
  const caller = await udpSocket(t);
  const agent = await udpSocket(t);
  const offer = await ng.offer({ callId: 'rec-2', fromTag: 'caller', sdp: phoneSdp(caller.address().port) });
  const answer = await ng.answer({ callId: 'rec-2', fromTag: 'caller', toTag: 'agent', sdp: phoneSdp(agent.address().port, '0 101') });
  t.notOk(offer.raw.recordings, 'nothing recorded without the flag');
  await stream(caller, mediaPort(answer.sdp), 5, 0x11);
  await ng.startRecording({ callId: 'rec-2' });
  await stream(caller, mediaPort(answer.sdp), 10, 0x11);
  await ng.stopRecording({ callId: 'rec-2' });
  t.equal(readdirSync(captureMetadataDir(r.recordingDir)).length, 1, 'stop recording closes the capture (metadata file in metadata/)');
  await stream(caller, mediaPort(answer.sdp), 5, 0x11);
  await ng.delete({ callId: 'rec-2' });
  const [file] = readdirSync(capturePcapDir(r.recordingDir));
  t.equal(pcapFlows(join(capturePcapDir(r.recordingDir), file!)).get(`${caller.address().port}>${mediaPort(answer.sdp)}`), 10, 'only the packets between start and stop');
});

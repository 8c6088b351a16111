/**
 * Recording of every call (T8) with a real rtpengine 10.5 (recording-method pcap): two UDP sockets play the
 * caller and the operator, each sending its own tone through rtpengine; the capture rtpengine writes becomes
 * one stereo WAV with the caller left and the operator right, and a row in `recordings`. rtpengine killed
 * mid-call leaves a capture cut inside a record, which is still converted, marked incomplete and kept.
 */
import type { Socket } from 'node:dgram';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { createLogger } from '../../appliance/log.js';
import { RecordingService } from '../../apps/recordings/recording-service.js';
import { ManualClock } from '../../apps/time/clock.js';
import { encodeG711 } from '../../media/audio/g711.js';
import { channel, readWav } from '../../media/audio/wav.js';
import { findCapture } from '../../media/recording/capture-files.js';
import { captureToWav } from '../../media/recording/capture-to-wav.js';
import { parseUdp } from '../../media/recording/captured-packet.js';
import { openPcapFile } from '../../media/recording/pcap-reader.js';
import { sineTone, toneAmplitude } from '../../media/rtp/tone.js';
import type { NgClient } from '../../media/rtpengine/ng-client.js';
import { RecordingsRepository } from '../../db/repositories/recordings.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';
import { ipUdp, pcapHeader, pcapRecord, rtp } from '../helpers/recording-capture.js';
import { startRtpengine, udpSocket } from '../helpers/rtpengine.js';

const CALLER_HZ = 400;
const OPERATOR_HZ = 1000;
const log = createLogger('test', 'error', () => {});

const sdp = (port: number, id: number) =>
  `v=0\r\no=- ${id} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
const audioPort = (s: string) => Number(/^m=audio (\d+)/m.exec(s)![1]);

interface Call {
  callId: string;
  caller: Socket;
  operator: Socket;
  /** rtpengine's port the caller sends to. */
  callerFacing: number;
  /** rtpengine's port the operator sends to. */
  operatorFacing: number;
}

/** An inbound call as call control sets it up: the caller's offer (recording on), the operator's answer. */
async function recordedCall(t: Test, ng: NgClient, callId: string): Promise<Call> {
  const [caller, operator] = [await udpSocket(t), await udpSocket(t)];
  const offer = await ng.offer({ callId, fromTag: 'caller-tag', sdp: sdp(caller.address().port, 1), record: true });
  const answer = await ng.answer({ callId, fromTag: 'caller-tag', toTag: 'operator-tag', sdp: sdp(operator.address().port, 2), record: true });
  // The answer's SDP goes back to the caller: its port is the one facing the caller.
  return { callId, caller, operator, callerFacing: audioPort(answer.sdp), operatorFacing: audioPort(offer.sdp) };
}

/** `packets` 20 ms packets of each party's tone, both ways at once, paced in real time. */
async function talk(c: Call, packets: number): Promise<void> {
  const callerAudio = sineTone(CALLER_HZ, packets * 20);
  const operatorAudio = sineTone(OPERATOR_HZ, packets * 20);
  for (let i = 0; i < packets; i++) {
    const slice = (a: Int16Array) => encodeG711('PCMU', a.subarray(i * 160, (i + 1) * 160));
    c.caller.send(rtp(0, 100 + i, 1000 + i * 160, 0x0c0ffee0, slice(callerAudio)), c.callerFacing, '127.0.0.1');
    c.operator.send(rtp(0, 7000 + i, 555_000 + i * 160, 0x0abcdef0, slice(operatorAudio)), c.operatorFacing, '127.0.0.1');
    await sleep(20);
  }
  await sleep(200);
}

t.test('a recorded call becomes a stereo WAV: caller left, operator right; the capture layout is as documented', async (t) => {
  const rtpengine = await startRtpengine(t, { recording: true });
  const ng = await rtpengine.client();
  const call = await recordedCall(t, ng, 'rec-1@127.0.0.1');
  await talk(call, 75);
  await ng.delete({ callId: call.callId });

  const capture = await findCapture(rtpengine.recordingDir, call.callId);
  t.ok(capture, 'the capture is found by its Call-ID');
  t.equal(capture!.closed, true, 'closed at once with delete-delay 0 (metadata moved to metadata/)');
  t.match(capture!.pcapPath, /pcaps\/rec-1%40127\.0\.0\.1-[0-9a-f]{16}\.pcap$/, 'file named by the escaped Call-ID and a random tag');
  t.match(readFileSync(capture!.metadataPath!, 'utf8'), /^.*\.pcap\n/, "the metadata's first line names the pcap");

  // The layout test/helpers/recording-capture.ts (and the benchmark) reproduce.
  const file = readFileSync(capture!.pcapPath);
  t.same(file.subarray(0, 24), pcapHeader(), 'libpcap 2.4, little-endian, µs, snaplen 65535, link type 101 (raw IP)');
  const reader = openPcapFile(capture!.pcapPath);
  const seen = new Map<string, number>();
  let compared = false;
  for await (const r of reader.records()) {
    const u = parseUdp(101, r.data)!;
    const key = `${u.srcPort}->${u.dstPort}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (!compared) {
      t.same(pcapRecord(r.timeUs, ipUdp(u.srcPort, u.dstPort, u.payload)), file.subarray(24, 24 + 16 + r.data.length), 'IP and UDP headers as the synthetic captures make them');
      compared = true;
    }
  }
  t.equal(reader.truncated, false);
  t.same(
    Object.fromEntries(seen),
    { [`${call.caller.address().port}->${call.callerFacing}`]: 75, [`${call.operator.address().port}->${call.operatorFacing}`]: 75 },
    'each packet once, as received: from its sender to the rtpengine port that took it in',
  );

  const outPath = join(rtpengine.dir, 'out.wav');
  const r = await captureToWav({ pcapPath: capture!.pcapPath, outPath, callerPort: call.callerFacing });
  t.equal(r.complete, true);
  t.same(r.packets, { caller: 75, other: 75 });
  t.ok(r.durationMs >= 1490 && r.durationMs <= 1600, `about 1.5 s (${r.durationMs} ms)`);
  const pcm = readWav(outPath);
  const [left, right] = [channel(pcm, 0), channel(pcm, 1)];
  t.ok(toneAmplitude(left, CALLER_HZ) > 5000, 'caller tone on the left');
  t.ok(toneAmplitude(left, OPERATOR_HZ) < 200, 'not the operator');
  t.ok(toneAmplitude(right, OPERATOR_HZ) > 5000, 'operator tone on the right');
  t.ok(toneAmplitude(right, CALLER_HZ) < 200, 'not the caller');
});

t.test('finishRecording stores the WAV under the JST date with its row, and removes the capture', async (t) => {
  const rtpengine = await startRtpengine(t, { recording: true });
  const ng = await rtpengine.client();
  const dataDir = tempDataDir(t);
  const db = await migratedDb(t, 'internal', dataDir);
  const clock = new ManualClock('2027-06-01T15:00:00Z');
  const service = new RecordingService({ db, clock, log, dataDir, recordingDir: rtpengine.recordingDir });
  const call = await recordedCall(t, ng, 'rec-2@127.0.0.1');
  // 2027-06-01 23:59:59 UTC is 2027-06-02 in Japan.
  const [callRowId] = await db('calls').insert({ sip_call_id: call.callId, dnis: '0354323333', caller: '0312345678', started_at: '2027-06-01T23:59:58.000Z', answered_at: '2027-06-01T23:59:59.000Z', agent: 'op01' });
  await talk(call, 50);
  await ng.delete({ callId: call.callId });

  const done = await service.finishRecording({
    callRowId: callRowId!,
    sipCallId: call.callId,
    callerPort: call.callerFacing,
    startedAt: new Date('2027-06-01T23:59:59Z'),
    endedAt: new Date('2027-06-02T00:00:01Z'),
    caller: '0312345678',
    dnis: '0354323333',
    agent: 'op01',
  });
  t.equal(done.complete, true);
  t.equal(done.path, `recordings/2027/06/02/${callRowId}.wav`);
  const row = await new RecordingsRepository(db).get(done.id);
  t.match(row, { callId: callRowId, caller: '0312345678', dnis: '0354323333', agent: 'op01', complete: true, incompleteReason: null, path: done.path });
  t.equal(row!.bytes, statSync(join(dataDir, done.path!)).size);
  t.ok(row!.durationMs >= 990 && row!.durationMs <= 1100);
  const pcm = readWav(join(dataDir, done.path!));
  t.ok(toneAmplitude(channel(pcm, 0), CALLER_HZ) > 5000 && toneAmplitude(channel(pcm, 1), OPERATOR_HZ) > 5000, 'caller left, operator right');
  t.equal(await findCapture(rtpengine.recordingDir, call.callId), undefined, 'capture deleted after the WAV was written');

  const missing = await service.finishRecording({ ...{ callRowId: callRowId!, sipCallId: 'never-recorded@x', callerPort: 40000, caller: '', dnis: '0354323333', agent: null }, startedAt: clock.now(), endedAt: clock.now() });
  t.match(missing, { complete: false, path: null, incompleteReason: /^capture-missing: / }, 'a call without capture is a row too');
});

t.test('rtpengine killed mid-call: the cut capture is converted, marked incomplete and kept until it can be finished', async (t) => {
  const rtpengine = await startRtpengine(t, { recording: true });
  const ng = await rtpengine.client();
  const dataDir = tempDataDir(t);
  const db = await migratedDb(t, 'internal', dataDir);
  const service = new RecordingService({ db, clock: new ManualClock('2027-06-01T15:00:00Z'), log, dataDir, recordingDir: rtpengine.recordingDir, closeTimeoutMs: 300 });
  const call = await recordedCall(t, ng, 'rec-3@127.0.0.1');
  const [callRowId] = await db('calls').insert({ sip_call_id: call.callId, dnis: '0354323333', caller: '0311112222', started_at: '2027-06-01T01:00:00.000Z', answered_at: '2027-06-01T01:00:01.000Z' });
  await talk(call, 70); // 140 packets of 216 bytes: libpcap has flushed 7 blocks of 4 KiB, cutting record 133
  await rtpengine.kill('SIGKILL');

  const capture = await findCapture(rtpengine.recordingDir, call.callId);
  t.equal(capture?.closed, false, 'never closed');
  t.equal(statSync(capture!.pcapPath).size % 4096, 0, 'the file ends at a libpcap buffer boundary');

  const done = await service.finishRecording({ callRowId: callRowId!, sipCallId: call.callId, callerPort: call.callerFacing, startedAt: new Date('2027-06-01T01:00:01Z'), endedAt: new Date('2027-06-01T01:00:03Z'), caller: '0311112222', dnis: '0354323333', agent: null });
  t.equal(done.complete, false);
  t.match(done.incompleteReason, /capture-truncated: file ends inside a record/);
  t.match(done.incompleteReason, /capture-not-closed/);
  t.equal(done.path, `recordings/2027/06/01/${callRowId}.wav`);
  const pcm = readWav(join(dataDir, done.path!));
  t.ok(toneAmplitude(channel(pcm, 0), CALLER_HZ) > 5000, 'what was captured is there');
  t.ok(existsSync(capture!.pcapPath), 'the unclosed capture is kept');

  const sweep = await service.sweepLeftovers({ staleMs: 0 });
  t.same(sweep, { converted: 0, updated: 0, removed: 0, orphans: [] }, 'already converted and not closed since: left as it is');
});

t.test('start-up sweep: a capture with no recording row is converted as a leftover; one of an unknown call is kept', async (t) => {
  const rtpengine = await startRtpengine(t, { recording: true });
  const ng = await rtpengine.client();
  const dataDir = tempDataDir(t);
  const db = await migratedDb(t, 'internal', dataDir);
  const service = new RecordingService({ db, clock: new ManualClock('2027-06-01T15:00:00Z'), log, dataDir, recordingDir: rtpengine.recordingDir });
  const known = await recordedCall(t, ng, 'rec-4@127.0.0.1');
  const unknown = await recordedCall(t, ng, 'rec-5@127.0.0.1');
  const [callRowId] = await db('calls').insert({ sip_call_id: known.callId, dnis: '0354323333', caller: '0399998888', started_at: '2027-06-01T02:00:00.000Z', answered_at: '2027-06-01T02:00:01.000Z', agent: 'op02' });
  await Promise.all([talk(known, 40), talk(unknown, 10)]);
  await ng.delete({ callId: known.callId });
  await ng.delete({ callId: unknown.callId });

  const sweep = await service.sweepLeftovers();
  t.same(sweep, { converted: 1, updated: 0, removed: 0, orphans: [unknown.callId] });
  const row = await new RecordingsRepository(db).byCall(callRowId!);
  t.match(row, { complete: false, incompleteReason: /^leftover: /, agent: 'op02', caller: '0399998888', path: `recordings/2027/06/01/${callRowId}.wav` });
  t.notMatch(row!.incompleteReason, /caller-side-guessed/, "the caller's port came from the answer SDP in rtpengine's metadata");
  const pcm = readWav(join(dataDir, row!.path!));
  t.ok(toneAmplitude(channel(pcm, 0), CALLER_HZ) > 5000 && toneAmplitude(channel(pcm, 1), OPERATOR_HZ) > 5000, 'caller left, operator right');
  t.equal(await findCapture(rtpengine.recordingDir, known.callId), undefined, 'converted capture deleted');
  t.ok(await findCapture(rtpengine.recordingDir, unknown.callId), "the unknown call's capture is kept");
  t.same(await service.sweepLeftovers(), { converted: 0, updated: 0, removed: 0, orphans: [unknown.callId] }, 'a second sweep changes nothing');
});

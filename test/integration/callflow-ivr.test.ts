/**
 * Calls from the carrier through the IVR in open hours (T1, T3, T4, T8, T10), with real parts on 127.0.0.1:
 * rtpengine recording to pcap, the call-control process with its clock set to a Tuesday morning, sipp as the
 * carrier playing Debian's G.711 and RFC 4733 captures, and a caller of our own (SIP stack and RTP endpoint)
 * that hears the prompts and presses keys by RFC 4733 and by SIP INFO. After each call the recording is a
 * stereo WAV whose right channel is what the caller heard (the prompts, found by their loudness envelope)
 * and whose left channel is the caller; its row and the call's row say what happened.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { promptSamples } from '../../apps/callflow/prompt-catalogue.js';
import { channel, readWav, rmsDbfs } from '../../media/audio/wav.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { captureDir } from '../../media/rtpengine/daemon-config.js';
import type { SipStack } from '../../sip/core/stack.js';
import { SipError } from '../../sip/dialog/dialog.js';
import type { SipResponse } from '../../sip/message/message.js';
import { parseSdp, serializeSdp } from '../../sip/sdp/sdp.js';
import { find } from '../helpers/audio-match.js';
import { startCallControl, type CallControlHandle } from '../helpers/callcontrol.js';
import { tempDataDir } from '../helpers/data.js';
import { startRtpengine } from '../helpers/rtpengine.js';
import { startStack } from '../helpers/sip-stack.js';
import { udpParty } from '../helpers/sip-wire.js';
import { freeEvenRange, freeUdpPort, runSipp } from '../helpers/sipp.js';

const CENTRE = '0354323333'; // お問い合わせセンター一般周知番号 (T1)
const OPEN = '2027-06-01T10:00:00+09:00'; // a Tuesday: weekdays 08:00-19:00 (T2)

interface CallRow {
  id: number;
  dnis: string;
  caller: string;
  language: string | null;
  outcome: string | null;
  end_reason: string | null;
  answered_at: string | null;
  ended_at: string | null;
}
interface RecordingRow {
  call_id: number;
  path: string;
  duration_ms: number;
  complete: number;
  caller: string;
  dnis: string;
}

async function ended(cc: CallControlHandle, where: Partial<CallRow>): Promise<{ call: CallRow; recording: RecordingRow }> {
  for (let i = 0; i < 200; i++) {
    const call = (await cc.db('calls').where(where).whereNotNull('ended_at').first()) as CallRow | undefined;
    const recording = call ? ((await cc.db('recordings').where({ call_id: call.id }).first()) as RecordingRow | undefined) : undefined;
    if (call && recording) return { call, recording };
    await sleep(100);
  }
  throw new Error(`no ended call with its recording for ${JSON.stringify(where)}:\n${cc.log().slice(-3000)}`);
}

/** One shared appliance for the file: rtpengine records into its data folder. */
async function appliance(t: Test, trunkPorts: number[]): Promise<CallControlHandle> {
  const dataDir = tempDataDir(t);
  const rtpengine = await startRtpengine(t, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort() });
  return startCallControl(t, { clock: OPEN, rtpengine, trunkPorts, dataDir });
}

const store = (cc: CallControlHandle) => new PromptStore({ dataDir: cc.dataDir });

t.test('sipp from the trunk: greeting, 2 for English (RFC 4733), hold in English, recorded in stereo', async (t) => {
  const sippPort = await freeUdpPort();
  const cc = await appliance(t, [sippPort]);
  const r = await runSipp({
    scenario: 'uac-ivr-english',
    target: `127.0.0.1:${cc.sipPort}`,
    localPort: sippPort,
    service: CENTRE,
    keys: { caller: '0312345678' },
    extraArgs: ['-d', '2500'],
    calls: 1,
    timeoutMs: 60_000,
  });
  t.equal(r.successful, 1, `sipp's call succeeded${r.successful ? '' : `: ${r.errors}`}`);
  const { call, recording } = await ended(cc, { dnis: CENTRE });
  t.equal(call.caller, '0312345678', 'the calling number is kept');
  t.equal(call.language, 'en', 'the key 2 chose English (T10)');
  t.equal(call.outcome, 'abandoned', 'the caller hung up while waiting in the queue');
  t.ok(call.answered_at, 'answered');
  t.equal(recording.complete, 1, 'the recording is complete');
  t.equal(recording.dnis, CENTRE, 'the recording names the dialled number');
  t.ok(recording.duration_ms > 9000 && recording.duration_ms < 20_000, `about the call's length (${recording.duration_ms} ms)`);

  const wav = readWav(join(cc.dataDir, recording.path));
  t.same([wav.sampleRate, wav.channels], [8000, 2], 'one stereo 8 kHz WAV');
  const caller = channel(wav, 0);
  const heard = channel(wav, 1);
  t.ok(rmsDbfs(caller.subarray(3 * 8000, 9 * 8000)) > -45, `the left channel has the caller's speech (${rmsDbfs(caller.subarray(3 * 8000, 9 * 8000)).toFixed(1)} dBFS)`);
  const s = store(cc);
  const greeting = await promptSamples(s, 'greeting', 'ja');
  const hold = await promptSamples(s, 'hold', 'en');
  const g = find(heard.subarray(0, 4 * 8000), greeting, 2000);
  t.ok(g.score > 0.8, `the right channel starts with the Japanese greeting (r=${g.score.toFixed(2)} at ${g.atMs} ms)`);
  const h = find(heard.subarray(2 * 8000), hold);
  t.ok(h.score > 0.8, `after the key, "please hold" in English (r=${h.score.toFixed(2)})`);
  const wrong = find(heard.subarray(2 * 8000), await promptSamples(s, 'hold', 'ja'));
  t.ok(wrong.score < h.score, `the Japanese "please hold" matches worse (r=${wrong.score.toFixed(2)})`);
});

/** A caller of our own: our SIP stack on a trunk port and our RTP endpoint, hearing what it is sent. */
async function ourCaller(t: Test, stack: SipStack, cc: CallControlHandle) {
  const ports = await freeEvenRange(8);
  const endpoint = await RtpEndpoint.open({ address: '127.0.0.1', ports: new PortPool({ portMin: ports, portMax: ports + 7 }) });
  t.teardown(() => endpoint.close());
  endpoint.startCapture();
  const dialog = await stack.createUAC({ uri: `sip:${CENTRE}@127.0.0.1:${cc.sipPort}`, from: '<sip:0398765432@127.0.0.1>', sdp: serializeSdp(endpoint.offer()) });
  endpoint.applyAnswer(parseSdp(dialog.remoteSdp!));
  return { endpoint, dialog };
}

t.test('our caller hears the greeting and menu, presses 3 by SIP INFO, hears "please hold" in Chinese', async (t) => {
  const port = await freeUdpPort();
  const cc = await appliance(t, [port]);
  const stack = await startStack(t, { port, transports: ['udp'] });
  const { endpoint, dialog } = await ourCaller(t, stack, cc);
  await sleep(5000);
  const first = endpoint.stopCapture();
  const s = store(cc);
  const greeting = await promptSamples(s, 'greeting', 'ja');
  // Its first 2.5 s fit in the 5 s heard only if it started within 2.5 s of the answer (synthesis, load).
  const g = find(first, greeting, 2500);
  t.ok(g.score > 0.8, `the greeting is heard at once (r=${g.score.toFixed(2)} at ${g.atMs} ms)`);
  const res = await dialog.request('INFO', { body: 'Signal=3\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' });
  t.equal(res.status, 200, 'INFO with the key is accepted');
  endpoint.startCapture();
  await sleep(3000);
  const after = endpoint.stopCapture();
  const hold = find(after, await promptSamples(s, 'hold', 'zh'));
  t.ok(hold.score > 0.8, `"please hold" in Chinese (r=${hold.score.toFixed(2)})`);
  t.same(endpoint.stats().malformed, 0, 'every packet we were sent was valid RTP');
  await dialog.destroy();
  const { call } = await ended(cc, { caller: '0398765432' });
  t.equal(call.language, 'zh', 'the key by INFO chose Chinese');
});

t.test('our caller presses 2 by RFC 4733 during the greeting; a caller hanging up mid-prompt leaves a short, complete recording', async (t) => {
  const port = await freeUdpPort();
  const sippPort = await freeUdpPort();
  const cc = await appliance(t, [port, sippPort]);
  const stack = await startStack(t, { port, transports: ['udp'] });
  const { endpoint, dialog } = await ourCaller(t, stack, cc);
  await sleep(1000);
  await endpoint.sendDtmf('2', 120);
  await sleep(2500);
  const heard = endpoint.stopCapture();
  const s = store(cc);
  const hold = find(heard.subarray(1000 * 8), await promptSamples(s, 'hold', 'en'));
  t.ok(hold.score > 0.8, `the key cut the greeting short and "please hold" in English followed (r=${hold.score.toFixed(2)})`);
  await dialog.destroy();
  const { call } = await ended(cc, { caller: '0398765432' });
  t.equal(call.language, 'en', 'the RFC 4733 key came through rtpengine\'s DTMF events');

  const r = await runSipp({ scenario: 'uac-ivr-hangup', target: `127.0.0.1:${cc.sipPort}`, localPort: sippPort, service: CENTRE, keys: { caller: '0311112222' }, extraArgs: ['-d', '1500'], calls: 1, timeoutMs: 30_000 });
  t.equal(r.successful, 1, 'the caller hung up mid-greeting');
  const hung = await ended(cc, { caller: '0311112222' });
  t.equal(hung.call.outcome, 'abandoned', 'the call is marked abandoned');
  t.equal(hung.call.language, null, 'no language was chosen');
  t.equal(hung.recording.complete, 1, 'a short recording, complete');
  t.ok(hung.recording.duration_ms < 5000, `and short (${hung.recording.duration_ms} ms)`);
  const health = await cc.health();
  t.same(health?.parts.media?.calls, { trunk: 0, softphone: 0 }, 'no call is left behind');
});

t.test('bad INVITEs from the trunk get a clear answer and change nothing', async (t) => {
  const party = await udpParty(t);
  const cc = await appliance(t, [party.port]);
  const invite = (uri: string, sdp: string, n: number) =>
    [
      `INVITE ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${party.port};branch=z9hG4bK-bad-${n}`,
      'Max-Forwards: 70',
      `From: <sip:0312345678@127.0.0.1:${party.port}>;tag=bad${n}`,
      `To: <${uri}>`,
      `Call-ID: bad-${n}@test`,
      'CSeq: 1 INVITE',
      `Contact: <sip:0312345678@127.0.0.1:${party.port}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
  const target = `sip:${CENTRE}@127.0.0.1:${cc.sipPort}`;
  const g729 = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n';
  const cases: [string, string, number, RegExp?][] = [
    [target, 'v=0\r\nthis is not SDP\r\n', 400, /Malformed SDP/],
    [target, 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio notaport RTP/AVP 0\r\n', 400],
    [target, g729, 488, /G\.711/],
    [`sip:0399999999@127.0.0.1:${cc.sipPort}`, g729.replace('18 G729', '0 PCMU').replace('AVP 18', 'AVP 0'), 404],
  ];
  let n = 0;
  for (const [uri, sdp, status, warning] of cases) {
    n++;
    const callId = `bad-${n}@test`;
    party.send(invite(uri, sdp, n), cc.sipPort);
    const [arrival] = await party.inbox.wait(`the final response to ${callId}`, (m) => m.kind === 'response' && m.status >= 300 && m.callId === callId, 1, 5000);
    const res = arrival!.msg as SipResponse;
    t.equal(res.status, status, `${status} ${res.reason} for ${uri === target ? sdp.split('\r\n')[1] : uri}`);
    if (warning) t.match(`${res.reason} ${res.headers.get('warning') ?? ''}`, warning, 'with the reason said');
  }
  const calls = (await cc.db('calls').count({ n: '*' }).first()) as { n: number };
  t.equal(Number(calls.n), 0, 'no call row for a refused INVITE');
  const s = await startStack(t, { transports: ['udp'] });
  const opts = await s.request('OPTIONS', { uri: `sip:127.0.0.1:${cc.sipPort}` }).catch((e: unknown) => (e instanceof SipError ? e : Promise.reject(e)));
  t.equal('status' in opts ? opts.status : 0, 200, 'and the stack keeps serving');
});

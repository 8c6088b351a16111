/**
 * The IVR at closed hours and when the media plane fails (T3, T8): the closed message with the next opening,
 * then the appliance hangs up; rtpengine killed mid-call ends the call with a BYE (never half-open), new
 * calls get 503 while it is down, and calls work again once it is back. The partly written capture of the
 * killed call still becomes a recording, marked incomplete.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { promptSamples } from '../../apps/callflow/prompt-catalogue.js';
import { parseInstant } from '../../apps/time/jst.js';
import { channel, readWav } from '../../media/audio/wav.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';
import { captureDir } from '../../media/rtpengine/daemon-config.js';
import { SipError } from '../../sip/dialog/dialog.js';
import { find } from '../helpers/audio-match.js';
import { startCallControl, type CallControlHandle } from '../helpers/callcontrol.js';
import { tempDataDir } from '../helpers/data.js';
import { startRtpengine } from '../helpers/rtpengine.js';
import { startStack } from '../helpers/sip-stack.js';
import { freeUdpPort, runSipp } from '../helpers/sipp.js';

const MAIN = '0354321111'; // 代表電話 (T1)
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n';

async function row<T>(what: string, probe: () => Promise<T | undefined>, cc: CallControlHandle): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}:\n${cc.log().slice(-3000)}`);
}

t.test('closed hours: the closed message with the next opening, then the appliance hangs up; recorded', async (t) => {
  const dataDir = tempDataDir(t);
  const rtpengine = await startRtpengine(t, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort() });
  const sippPort = await freeUdpPort();
  const instant = '2027-06-01T20:00:00+09:00'; // Tuesday, after 19:00 (T2)
  const cc = await startCallControl(t, { clock: instant, rtpengine, trunkPorts: [sippPort], dataDir });
  const r = await runSipp({ scenario: 'uac-ivr-wait-bye', target: `127.0.0.1:${cc.sipPort}`, localPort: sippPort, service: MAIN, keys: { caller: '0355556666' }, calls: 1, timeoutMs: 90_000 });
  t.equal(r.successful, 1, `the caller was hung up on after the message${r.successful ? '' : `: ${r.errors}`}`);
  const call = await row('the closed call', () => cc.db('calls').whereNotNull('ended_at').first() as Promise<{ id: number; outcome: string; end_reason: string } | undefined>, cc);
  t.equal(call.outcome, 'closed', 'the call is marked closed');
  t.equal(call.end_reason, 'closed hours', 'ended by the appliance after the message');
  const rec = await row('its recording', () => cc.db('recordings').where({ call_id: call.id }).first() as Promise<{ path: string; complete: number; duration_ms: number } | undefined>, cc);
  t.equal(rec.complete, 1, 'the recording is complete');
  const heard = channel(readWav(join(dataDir, rec.path)), 1);
  const s = new PromptStore({ dataDir });
  const now = parseInstant(instant)!;
  const closedJa = await promptSamples(s, 'closed', 'ja', { now, nextOpening: parseInstant('2027-06-02T08:00:00+09:00')! });
  // Searched in the first (message + 5 s) of the call: it must have started within 5 s of the answer.
  const m = find(heard.subarray(0, closedJa.length + 5 * 8000), closedJa);
  t.ok(m.score > 0.8, `the caller heard the Japanese closed message naming tomorrow 08:00 (r=${m.score.toFixed(2)} at ${m.atMs} ms)`);
  t.ok(rec.duration_ms > closedJa.length / 8, `the recording covers the whole message (${rec.duration_ms} ms)`);
});

t.test('call control deletes recordings past retention when it starts (T8), and audits it', async (t) => {
  const dataDir = tempDataDir(t);
  const rtpengine = await startRtpengine(t, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort() });
  const files = { old: join(dataDir, 'recordings', '2027', '02', '01', '1.wav'), recent: join(dataDir, 'recordings', '2027', '04', '01', '2.wav') };
  const cc = await startCallControl(t, {
    clock: '2027-06-01T10:00:00+09:00',
    rtpengine,
    trunkPorts: [],
    dataDir,
    beforeStart: async (db) => {
      for (const [id, at, file] of [
        [1, '2027-02-01T01:00:00.000Z', files.old],
        [2, '2027-04-01T01:00:00.000Z', files.recent],
      ] as const) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, 'RIFF');
        await db('calls').insert({ id, sip_call_id: `old-${id}`, dnis: MAIN, caller: '', started_at: at, answered_at: at, ended_at: at, outcome: 'abandoned' });
        await db('recordings').insert({ call_id: id, path: relative(dataDir, file), started_at: at, ended_at: at, duration_ms: 1000, bytes: 4, caller: '', dnis: MAIN, complete: true, transcript: 'もしもし', created_at: at });
      }
    },
  });
  const purged = await row('the old recording purged', async () => ((await cc.db('recordings').where({ call_id: 1 }).whereNotNull('deleted_at').first()) as { path: string | null; transcript: string | null } | undefined), cc);
  t.same([purged.path, purged.transcript], [null, null], 'four months old: audio and transcript gone, the row kept');
  t.notOk(existsSync(files.old), 'its file is deleted');
  t.ok(existsSync(files.recent), 'two months old: kept (retention 3 months)');
  const audit = await cc.db('audit_log').where({ action: 'recording.purge' }).select('actor', 'entity_id');
  t.same(audit.map((a: { actor: string }) => a.actor), ['system'], 'the deletion is in the audit log, by the system');
});

t.test('rtpengine killed mid-call: BYE to the caller, 503 while down, calls again once it is back', async (t) => {
  const dataDir = tempDataDir(t);
  const rtpengine = await startRtpengine(t, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort() });
  const sippPort = await freeUdpPort();
  const stackPort = await freeUdpPort();
  const cc = await startCallControl(t, { clock: '2027-06-01T10:00:00+09:00', rtpengine, trunkPorts: [sippPort, stackPort], dataDir });
  const caller = runSipp({ scenario: 'uac-ivr-wait-bye', target: `127.0.0.1:${cc.sipPort}`, localPort: sippPort, service: MAIN, keys: { caller: '0377778888' }, calls: 1, timeoutMs: 60_000 });
  const answered = await row('the answered call', () => cc.db('calls').whereNotNull('answered_at').first() as Promise<{ id: number } | undefined>, cc);
  await sleep(2000);
  await rtpengine.kill('SIGKILL');
  const r = await caller;
  t.equal(r.successful, 1, `the caller got a BYE, not silence${r.successful ? '' : `: ${r.errors}`}`);
  const call = await row('the ended call', () => cc.db('calls').where({ id: answered.id }).whereNotNull('ended_at').first() as Promise<{ outcome: string; end_reason: string } | undefined>, cc);
  t.same([call.outcome, call.end_reason], ['failed', 'media plane lost'], 'the call is marked failed, and why');
  const rec = await row('its recording', () => cc.db('recordings').where({ call_id: answered.id }).first() as Promise<{ complete: number; incomplete_reason: string | null } | undefined>, cc);
  t.equal(rec.complete, 0, 'the capture rtpengine never closed is kept, marked incomplete');
  t.ok(rec.incomplete_reason, `with the reason: ${rec.incomplete_reason}`);

  const stack = await startStack(t, { port: stackPort, transports: ['udp'] });
  const refused = await stack.createUAC({ uri: `sip:${MAIN}@127.0.0.1:${cc.sipPort}`, sdp: SDP }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(refused instanceof SipError && refused.status === 503, `a new call is refused with 503 while rtpengine is down (${String(refused)})`);
  t.match(refused instanceof SipError ? refused.response?.headers.get('retry-after') : '', /^\d+$/, 'with Retry-After');

  await rtpengine.restart();
  await row('the media plane up again', async () => ((await cc.health())?.parts.media?.state === 'up' ? true : undefined), cc);
  const dialog = await stack.createUAC({ uri: `sip:${MAIN}@127.0.0.1:${cc.sipPort}`, sdp: SDP });
  t.ok(dialog.remoteSdp?.includes('m=audio'), 'a new call is answered once rtpengine is back');
  await dialog.destroy();
});

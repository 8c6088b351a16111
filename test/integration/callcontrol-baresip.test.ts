/**
 * The call-control process with real softphones (issues 3, 4): two baresip instances register with digest
 * against the demo accounts in the appliance's SQLite file, one calls the other by user name through the
 * B2BUA, with the media anchored in a real rtpengine and recorded (T8): the recording is one stereo WAV with
 * the caller's tone on the left and the callee's on the right; /healthz counts registrations and dialogs.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { encodeWav, channel, readWav } from '../../media/audio/wav.js';
import { sineTone, toneAmplitude } from '../../media/rtp/tone.js';
import { captureDir } from '../../media/rtpengine/daemon-config.js';
import { startBaresip } from '../helpers/baresip.js';
import { startCallControl } from '../helpers/callcontrol.js';
import { tempDataDir } from '../helpers/data.js';
import { startRtpengine } from '../helpers/rtpengine.js';
import { freeUdpPort } from '../helpers/sipp.js';

interface Health {
  status: string;
  parts: { sip: { registrations: number; dialogs: number; counters: Record<string, number> } };
}

t.test('two baresip softphones register and call each other through the call-control process', async (t) => {
  const dataDir = tempDataDir(t);
  const rtpengine = await startRtpengine(t, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort() });
  const cc = await startCallControl(t, { clock: '2027-06-01T10:00:00+09:00', rtpengine, trunkPorts: [], dataDir });
  const { sipPort, child } = cc;
  const exited = once(child, 'exit');
  const health = async () => (await cc.health()) as unknown as Health | null;
  const log = cc.log;
  t.equal((await health())?.status, 'ok', 'call control is up');
  // Each phone sends its own tone, so the recording's channels can be told apart.
  const tones = { op01: 440, op02: 1000 };
  const toneFile = (hz: number) => {
    const file = join(dataDir, `tone-${hz}.wav`);
    writeFileSync(file, encodeWav({ sampleRate: 8000, channels: 1, samples: sineTone(hz, 60_000) }));
    return file;
  };

  const registrar = `127.0.0.1:${sipPort}`;
  const op01 = await startBaresip({ user: 'op01', password: 'sip-pass-op01', registrar, audioFile: toneFile(tones.op01) });
  t.teardown(() => op01.stop());
  const op02 = await startBaresip({ user: 'op02', password: 'sip-pass-op02', registrar, answerMode: 'auto', audioFile: toneFile(tones.op02) });
  t.teardown(() => op02.stop());
  await op01.waitFor('REGISTER_OK', 10_000);
  await op02.waitFor('REGISTER_OK', 10_000);
  t.equal((await health())?.parts.sip.registrations, 2, 'both softphones are registered');
  t.match(log(), /"msg":"registration","user":"op01"/, 'the registration is logged');

  await op01.dial(`sip:op02@${registrar}`);
  const answered = await op02.waitFor('CALL_ESTABLISHED', 10_000);
  t.match(answered.peeruri, /op01@/, 'op02 (answering by itself) is connected to op01');
  const connected = await op01.waitFor('CALL_ESTABLISHED', 10_000);
  t.match(connected.peeruri, /op02@/, 'op01 is connected to op02');
  const rtp = await op02.waitFor('CALL_RTPESTAB', 10_000).then(() => true, () => false);
  t.ok(rtp, 'audio flows between them (RTP established: the SDP crossed the B2BUA)');
  t.equal((await health())?.parts.sip.dialogs, 2, 'the appliance holds both legs of the call');

  await sleep(2000);
  await op01.hangup();
  await op01.waitFor('CALL_CLOSED', 10_000);
  await op02.waitFor('CALL_CLOSED', 10_000);
  for (let i = 0; i < 50 && (await health())?.parts.sip.dialogs; i++) await sleep(100);
  t.equal((await health())?.parts.sip.dialogs, 0, 'hanging up ended both legs');

  const rec = await (async () => {
    for (let i = 0; i < 100; i++) {
      const r = (await cc.db('recordings').first()) as { path: string; complete: number; caller: string; dnis: string; agent: string } | undefined;
      if (r) return r;
      await sleep(100);
    }
    throw new Error(`no recording:\n${log()}`);
  })();
  t.same([rec.caller, rec.dnis, rec.agent, rec.complete], ['op01', 'op02', 'op02', 1], 'the call is recorded, complete, with both parties named');
  const wav = readWav(join(dataDir, rec.path));
  const [left, right] = [channel(wav, 0), channel(wav, 1)];
  t.ok(toneAmplitude(left, tones.op01) > 10 * toneAmplitude(left, tones.op02), 'the left channel is the caller (op01, 440 Hz)');
  t.ok(toneAmplitude(right, tones.op02) > 10 * toneAmplitude(right, tones.op01), 'the right channel is the callee (op02, 1000 Hz)');

  await op01.dial(`sip:op99@${registrar}`);
  const closed = await op01.waitFor('CALL_CLOSED', 10_000);
  t.match(closed.param, /404/, 'a call to nobody ends with 404');

  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, 'call control stops cleanly on SIGTERM');
});

/**
 * Our endpoint against baresip 1.0 with real packets (issue 4 item 5): SIP by our SipStack, baresip's
 * microphone a tone WAV (aufile), its sndfile module writing what it hears. Audio is checked both ways:
 * our capture hears baresip's tone, baresip's recording holds ours; once baresip calls us, once we call it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { channel, readWav } from '../../media/audio/wav.js';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { sineTone, toneAmplitude, toneProfile } from '../../media/rtp/tone.js';
import type { Dialog } from '../../sip/dialog/dialog.js';
import { parseSdp, serializeSdp } from '../../sip/sdp/sdp.js';
import { startBaresip } from '../helpers/baresip.js';
import { startStack } from '../helpers/sip-stack.js';
import { freeUdpPort } from '../helpers/sipp.js';

const BARESIP_TONE = 700;
const OUR_TONE = 1500;

/** For how many ms (in 100 ms windows) `frequency` is present at `level` or more (of a full-scale 32767). */
const presentMs = (samples: Int16Array, frequency: number, level: number) => toneProfile(samples, frequency).filter((a) => a >= level).length * 100;

async function ourPorts(count: number): Promise<PortPool> {
  const first = await freeUdpPort(count + 1);
  const min = first + (first % 2);
  return new PortPool({ portMin: min, portMax: min + count - 1 });
}

function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** baresip's sndfile recording of what it received (the decoder's output: 8 kHz mono for G.711). */
function baresipHeard(recordDir: string): { file: string; format: string; samples: Int16Array } {
  const files = readdirSync(recordDir);
  const file = files.find((f) => /dec\.wav$/.test(f));
  if (!file) throw new Error(`no decoder recording among ${files.join(', ') || 'nothing'}`);
  const pcm = readWav(join(recordDir, file));
  if (pcm.sampleRate !== 8000) throw new Error(`${file} is ${pcm.sampleRate} Hz, expected 8000`);
  return { file, format: `${pcm.sampleRate} Hz, ${pcm.channels} channel(s)`, samples: channel(pcm, 0) };
}

async function withBaresip(t: Test) {
  const dir = tempDir(t, 'rtp-baresip-');
  const tone = join(dir, 'tone.wav');
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', tone, 'synth', '30', 'sine', String(BARESIP_TONE), 'vol', '0.25']);
  const recordDir = join(dir, 'heard');
  execFileSync('mkdir', [recordDir]);
  const stack = await startStack(t);
  const registrar = `127.0.0.1:${stack.options.port}`;
  const phone = await startBaresip({ user: 'op01', registrar, regint: 0, audioFile: tone, recordDir, answerMode: 'auto' });
  t.teardown(() => phone.stop());
  const ports = await ourPorts(4);
  const clock = new FrameClock();
  const ep = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  t.teardown(() => ep.close());
  return { stack, phone, ep, recordDir };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Plays our tone for 2 s while capturing, then hangs up; returns what we heard. */
async function talk(t: Test, ep: RtpEndpoint, dialog: Dialog): Promise<Int16Array> {
  await settle(300);
  ep.startCapture();
  t.equal(await ep.play(sineTone(OUR_TONE, 2000, 8000)), 'finished', 'our tone was played out');
  const heard = ep.stopCapture();
  await dialog.destroy();
  return heard;
}

t.test('baresip calls our endpoint: each hears the other', async (t) => {
  const { stack, phone, ep, recordDir } = await withBaresip(t);
  const answered = new Promise<Dialog>((resolve, reject) => {
    stack.onRequest('INVITE', async (req) => {
      try {
        const answer = ep.answer(parseSdp(req.msg.text));
        resolve(await stack.createUAS(req, { sdp: serializeSdp(answer) }));
      } catch (err) {
        req.respond(488);
        reject(err);
      }
    });
  });
  await phone.dial(`sip:ivr@127.0.0.1:${stack.options.port}`);
  const dialog = await answered;
  await phone.waitFor('CALL_ESTABLISHED', 10_000);
  t.equal(ep.codec, 'PCMU', 'baresip offers PCMU first');
  const heard = await talk(t, ep, dialog);
  await phone.waitFor('CALL_CLOSED', 10_000);

  const ours = presentMs(heard, BARESIP_TONE, 6000);
  t.ok(heard.length >= 16000 * 0.9, `we captured ${heard.length / 8} ms`);
  t.ok(ours >= 1500, `we hear baresip's ${BARESIP_TONE} Hz at its amplitude 8192 (${ours} ms of ${heard.length / 8})`);
  t.ok(toneAmplitude(heard, OUR_TONE) < 200, 'and not our own tone');
  const { file, samples, format } = baresipHeard(recordDir);
  const theirs = presentMs(samples, OUR_TONE, 6000);
  t.ok(samples.length >= 16000, `baresip recorded ${samples.length / 8} ms in ${file} (${format})`);
  t.ok(theirs >= 1500, `baresip heard our 2 s of ${OUR_TONE} Hz at amplitude 8000 (${theirs} ms)`);
  t.ok(toneAmplitude(samples, BARESIP_TONE) < 200, 'and not its own tone');
  t.match(ep.stats(), { malformed: 0, lost: 0 }, `no loss (${JSON.stringify(ep.stats())})`);
});

t.test('our endpoint calls baresip: offer, answer, audio both ways', async (t) => {
  const { stack, phone, ep, recordDir } = await withBaresip(t);
  const dialog = await stack.createUAC({ uri: `sip:op01@127.0.0.1:${phone.sipPort}`, sdp: serializeSdp(ep.offer()) });
  ep.applyAnswer(parseSdp(dialog.remoteSdp ?? ''));
  t.equal(ep.codec, 'PCMU', 'baresip answers with PCMU');
  const heard = await talk(t, ep, dialog);
  await phone.waitFor('CALL_CLOSED', 10_000);
  const ours = presentMs(heard, BARESIP_TONE, 6000);
  t.ok(ours >= 1500, `we hear baresip's ${BARESIP_TONE} Hz (${ours} ms of ${heard.length / 8})`);
  const { samples } = baresipHeard(recordDir);
  const theirs = presentMs(samples, OUR_TONE, 6000);
  t.ok(theirs >= 1500, `baresip heard our 2 s of ${OUR_TONE} Hz (${theirs} ms)`);
});

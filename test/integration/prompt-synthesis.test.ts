/**
 * Real synthesis (issue 4 item 2): Open JTalk for Japanese, espeak-ng for English, Mandarin and Korean, sox
 * for queue music and the 8 kHz conversion; the cache by content hash, atomic and run once per text.
 */
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { decodeWav, rmsDbfs } from '../../media/audio/wav.js';
import { PromptCache } from '../../media/prompts/prompt-cache.js';
import { ToolError } from '../../media/prompts/run-tool.js';
import { SynthesisError, Synthesizer, type AudioSpec } from '../../media/prompts/synthesizer.js';
import { tempDataDir } from '../helpers/data.js';

/** The fmt chunk as written, so 8 kHz mono 16-bit PCM is checked in the file itself. */
function format(buf: Buffer): { format: number; channels: number; rate: number; bits: number } {
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    if (id === 'fmt ') return { format: buf.readUInt16LE(at + 8), channels: buf.readUInt16LE(at + 10), rate: buf.readUInt32LE(at + 12), bits: buf.readUInt16LE(at + 22) };
    at += 8 + buf.readUInt32LE(at + 4);
  }
  throw new Error('no fmt chunk');
}

function checkTelephoneWav(t: Test, path: string, what: string, seconds: [number, number], minDbfs = -35) {
  const buf = readFileSync(path);
  t.same(format(buf), { format: 1, channels: 1, rate: 8000, bits: 16 }, `${what}: 8 kHz mono 16-bit PCM`);
  const pcm = decodeWav(buf);
  const duration = pcm.samples.length / 8000;
  t.ok(duration >= seconds[0] && duration <= seconds[1], `${what}: ${duration.toFixed(2)} s within ${seconds.join('-')} s`);
  const level = rmsDbfs(pcm.samples);
  t.ok(level > minDbfs, `${what}: ${level.toFixed(1)} dBFS RMS above ${minDbfs}`);
  return { duration, level };
}

const dir = tempDataDir(t);
const synth = new Synthesizer();
const cache = new PromptCache(join(dir, 'cache'), synth);

t.test('Japanese with Open JTalk, English, Mandarin and Korean with espeak-ng', async (t) => {
  const specs: [string, AudioSpec][] = [
    ['ja', { kind: 'speech', lang: 'ja', text: 'お電話ありがとうございます。世田谷区コールセンター「せたがやコール」です。' }],
    ['en', { kind: 'speech', lang: 'en', text: 'Thank you for calling Setagaya City Call Center.' }],
    ['zh', { kind: 'speech', lang: 'zh', text: '正在为您转接翻译人员，请稍候。' }],
    ['ko', { kind: 'speech', lang: 'ko', text: '잠시만 기다려 주십시오.' }],
  ];
  const levels: number[] = [];
  for (const [lang, spec] of specs) levels.push(checkTelephoneWav(t, await cache.audio(spec), lang, [1, 15]).level);
  t.ok(Math.max(...levels) - Math.min(...levels) < 6, `levels within 6 dB of each other (${levels.map((l) => l.toFixed(1)).join(', ')})`);
});

t.test('queue music: a calm loop of 30-60 s at about -20 dBFS', async (t) => {
  const path = await cache.audio({ kind: 'music' });
  const { level } = checkTelephoneWav(t, path, 'music', [30, 60]);
  t.ok(level < -16 && level > -26, `music at ${level.toFixed(1)} dBFS RMS`);
  const pcm = decodeWav(readFileSync(path));
  t.ok(Math.abs(pcm.samples[0]!) < 200 && Math.abs(pcm.samples.at(-1)!) < 200, 'starts and ends faded, so the loop has no click');
});

t.test('a cached text is reused without running anything; a changed text is made anew', async (t) => {
  const spec: AudioSpec = { kind: 'speech', lang: 'ja', text: 'このまま、しばらくお待ちください。' };
  const first = await cache.audio(spec);
  const before = statSync(first);
  const runs = synth.runs;
  const again = await cache.audio(spec);
  t.equal(again, first, 'same file');
  t.equal(synth.runs, runs, 'no synthesis');
  const after = statSync(again);
  t.equal(after.ino, before.ino, 'same inode');
  t.equal(after.mtimeMs, before.mtimeMs, 'not rewritten');
  const fresh = new PromptCache(cache.dir, new Synthesizer());
  await fresh.audio(spec);
  t.equal(fresh.synthesizer.runs, 0, 'another process finds it on disk too');

  const changed = await cache.audio({ ...spec, text: 'このまま、もうしばらくお待ちください。' });
  t.not(changed, first, 'changed text, new file');
  t.equal(synth.runs, runs + 1);
  t.not(synth.key({ ...spec, lang: 'en' } as AudioSpec), synth.key(spec), 'the engine and voice are part of the key');
});

t.test('requests for the same text at once synthesise it once', async (t) => {
  const spec: AudioSpec = { kind: 'speech', lang: 'ja', text: '担当部署におつなぎします。' };
  const runs = synth.runs;
  const paths = await Promise.all(Array.from({ length: 8 }, () => cache.audio(spec)));
  t.equal(new Set(paths).size, 1);
  t.equal(synth.runs, runs + 1, 'one run for eight requests');
});

t.test('a failed synthesis leaves no file, not even half of one', async (t) => {
  const broken = new PromptCache(join(dir, 'broken'), new Synthesizer({ sox: '/bin/false' }));
  await t.rejects(broken.audio({ kind: 'speech', lang: 'en', text: 'Hello.' }), ToolError);
  t.same(readdirSync(broken.dir), [], 'no cached file and no temporary one');
  await t.rejects(
    cache.file('half.wav', async (tmp) => {
      writeFileSync(tmp, 'RIFF');
      throw new Error('crash while writing');
    }),
    /crash while writing/,
  );
  t.notOk(readdirSync(cache.dir).some((f) => f.startsWith('half.wav')), 'the half-written file is gone');
  await t.rejects(cache.file('bad.wav', async (tmp) => writeFileSync(tmp, 'not audio')), /not a RIFF/);
  t.notOk(readdirSync(cache.dir).some((f) => f.startsWith('bad.wav')), 'a file that is not audio never takes the name');
});

t.test('missing voice, dictionary or tool, and a failing or hanging tool, are named', async (t) => {
  const ja: AudioSpec = { kind: 'speech', lang: 'ja', text: 'テストです。' };
  const out = join(dir, 'out.wav');
  await t.rejects(new Synthesizer({ openJtalk: { voice: '/nonexistent/voice.htsvoice' } }).synthesize(ja, out), new SynthesisError('Open JTalk voice not found at /nonexistent/voice.htsvoice (Debian package hts-voice-nitech-jp-atr503-m001, contrib section)'));
  await t.rejects(new Synthesizer({ openJtalk: { dictionary: '/nonexistent/dic' } }).synthesize(ja, out), /Open JTalk dictionary not found at \/nonexistent\/dic/);
  await t.rejects(new Synthesizer({ openJtalk: { binary: '/nonexistent/open_jtalk' } }).synthesize(ja, out), /open_jtalk: not installed/);
  const failing = join(dir, 'failing-espeak');
  writeFileSync(failing, '#!/bin/sh\necho "voice data corrupt" >&2\nexit 3\n');
  chmodSync(failing, 0o755);
  await t.rejects(new Synthesizer({ espeak: { binary: failing } }).synthesize({ kind: 'speech', lang: 'en', text: 'Hi.' }, out), /failing-espeak: exit 3: voice data corrupt/);
  const hanging = join(dir, 'hanging-espeak');
  writeFileSync(hanging, '#!/bin/sh\nexec sleep 30\n');
  chmodSync(hanging, 0o755);
  await t.rejects(new Synthesizer({ espeak: { binary: hanging }, timeoutMs: 300 }).synthesize({ kind: 'speech', lang: 'en', text: 'Hi.' }, out), /hanging-espeak: timed out after 300 ms/);
  await t.rejects(synth.synthesize({ kind: 'speech', lang: 'ja', text: ' \n ' }, out), /empty prompt text/);
  await t.rejects(synth.synthesize({ kind: 'speech', lang: 'ja', text: 'あ'.repeat(400) }, out), /longer than 1000 bytes/);
});

t.test('text reaches the tools as data, never through a shell', async (t) => {
  const path = await cache.audio({ kind: 'speech', lang: 'en', text: 'Press 1; $(touch /tmp/sc-pwned) `id` "quoted" & done.' });
  checkTelephoneWav(t, path, 'shell characters', [1, 15]);
  t.throws(() => statSync('/tmp/sc-pwned'), 'nothing was run');
});

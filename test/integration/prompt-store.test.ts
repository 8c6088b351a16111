/**
 * The administrator's recordings against synthesis (issue 4 item 2): a recording wins, any WAV sox reads is
 * converted to 8 kHz mono 16-bit, bad files are refused with a reason and change nothing, revert goes back to
 * synthesis, and a prompt joined from parts changes with its parts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { promptAudio, promptParts } from '../../apps/callflow/prompt-catalogue.js';
import { decodeWav, readWav, rmsDbfs } from '../../media/audio/wav.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';
import { RecordingRejected } from '../../media/prompts/recording-import.js';
import { tempDataDir } from '../helpers/data.js';

const dataDir = tempDataDir(t);
const store = new PromptStore({ dataDir });
const work = join(dataDir, 'uploads');
execFileSync('mkdir', ['-p', work]);

/** A WAV made by sox, as an administrator's recorder might write it. */
function soxWav(name: string, args: string[]): Buffer {
  const path = join(work, name);
  execFileSync('sox', [...args.slice(0, args.indexOf('--')), path, ...args.slice(args.indexOf('--') + 1)]);
  return readFileSync(path);
}

// 44.1 kHz stereo 24-bit, 3 s of a warbling tone: not a format any prompt has.
const hifi = soxWav('hifi.wav', ['-n', '-r', '44100', '-c', '2', '-b', '24', '--', 'synth', '3', 'sine', '300-900', 'tremolo', '5', '60', 'gain', '-6']);
const silent = soxWav('silent.wav', ['-n', '-r', '16000', '-c', '1', '-b', '16', '--', 'trim', '0', '3']);
const tooLong = soxWav('long.wav', ['-n', '-r', '8000', '-c', '1', '-b', '16', '--', 'synth', '121', 'sine', '440', 'gain', '-20']);
const greetingJa = promptParts('greeting', 'ja');

t.test('without a recording the prompt is synthesised', async (t) => {
  const r = await promptAudio(store, 'greeting', 'ja');
  t.equal(r.origin, 'synthesized');
  t.ok(r.path.startsWith(join(dataDir, 'prompts', 'cache')), 'from the cache');
  t.notOk(store.hasCustom('greeting', 'ja'));
});

t.test('a recording in any WAV format replaces the prompt, converted and levelled', async (t) => {
  const done = await store.replace('greeting', 'ja', hifi, 'speech');
  t.same(done.original, { sampleRate: 44100, channels: 2, bits: 24, encoding: '24-bit Signed Integer PCM' }, 'what was uploaded');
  t.ok(Math.abs(done.seconds - 3) < 0.01, `${done.seconds} s`);
  const path = store.customPath('greeting', 'ja');
  t.equal(path, join(dataDir, 'prompts', 'custom', 'greeting.ja.wav'));
  const pcm = readWav(path);
  t.same([pcm.sampleRate, pcm.channels], [8000, 1], '8 kHz mono');
  let peak = 0;
  for (const s of pcm.samples) peak = Math.max(peak, Math.abs(s));
  t.ok(Math.abs(20 * Math.log10(peak / 32768) + 3) < 0.2, 'peak at -3 dBFS like synthesised speech');
  const r = await promptAudio(store, 'greeting', 'ja');
  t.same(r, { path, origin: 'custom' }, 'the recording wins');
  t.equal((await promptAudio(store, 'greeting', 'en')).origin, 'synthesized', 'other languages keep their synthesis');
  t.same(await store.samples(r), pcm.samples, 'samples for the RTP endpoint');
});

t.test('a joined prompt takes the recording of its fixed part, and changes with it', async (t) => {
  const params = { nextOpening: new Date('2027-11-25T08:00:00+09:00'), now: new Date('2027-11-24T21:00:00+09:00') };
  const before = await promptAudio(store, 'closed', 'ja', params);
  t.equal(before.origin, 'synthesized');
  const partsLength = (await Promise.all(promptParts('closed', 'ja', params).map(async (p) => readWav((await store.partAudio(p)).path).samples.length))).reduce((a, b) => a + b);
  t.equal(readWav(before.path).samples.length, partsLength + 3 * 2000, 'four parts with 250 ms between them');

  await store.replace('closed.intro', 'ja', hifi, 'speech');
  const mixed = await promptAudio(store, 'closed', 'ja', params);
  t.equal(mixed.origin, 'mixed', 'recorded intro, synthesised opening time');
  t.not(mixed.path, before.path, 'a new joined file');
  t.ok(existsSync(before.path), 'the old one stays for calls still playing it');

  await store.replace('closed.intro', 'ja', soxWav('other.wav', ['-n', '-r', '8000', '-c', '1', '--', 'synth', '2', 'sine', '500']), 'speech');
  t.not((await promptAudio(store, 'closed', 'ja', params)).path, mixed.path, 'another recording, another joined file');
  await store.revert('closed.intro', 'ja');
  t.equal((await promptAudio(store, 'closed', 'ja', params)).path, before.path, 'reverted: the first joined file again');
});

t.test('bad files are refused with a reason, and the prompt stays as it was', async (t) => {
  const path = store.customPath('greeting', 'ja');
  const current = readFileSync(path);
  const cases: [string, Buffer, 'speech' | 'music', RegExp][] = [
    ['a text file', Buffer.from('これは音声ではありません\n'), 'speech', /WAV形式の音声ファイルとして読み込めません \(not a readable WAV audio file: .+\)/],
    ['an empty file', Buffer.alloc(0), 'speech', /^ファイルが空です \(the file is empty\)$/],
    ['silence', silent, 'speech', /^無音のファイルです。録音を確認してください \(the recording is silent \((digital silence|-9\d\.\d dBFS)\)\)$/],
    ['121 s of speech', tooLong, 'speech', /^長すぎます（2\.0分）。案内音声は2分までです \(too long \(121 s\); at most 120 s for speech\)$/],
    ['a header only', hifi.subarray(0, 44), 'speech', /音声が短すぎるか、入っていません|WAV形式の音声ファイルとして読み込めません/],
  ];
  for (const [what, upload, kind, reason] of cases) {
    const e = await store.replace('greeting', 'ja', upload, kind).then(
      () => null,
      (err: unknown) => err,
    );
    t.ok(e instanceof RecordingRejected, `${what}: refused`);
    t.match((e as Error).message, reason, `${what}: says why`);
    t.same(readFileSync(path), current, `${what}: the recording in use is unchanged`);
  }
  t.notOk(readdirSync(join(dataDir, 'prompts', 'custom')).some((f) => f.includes('.tmp-')), 'no temporary files left');
  await t.rejects(store.replace('greeting', 'en', silent, 'speech'), RecordingRejected);
  t.notOk(store.hasCustom('greeting', 'en'), 'a refused first recording creates nothing');
});

t.test('music may run ten minutes, speech two', async (t) => {
  const done = await store.replace('queue-music', 'zxx', tooLong, 'music');
  t.ok(done.seconds > 120, '121 s of music is accepted');
  const level = rmsDbfs(decodeWav(readFileSync(store.customPath('queue-music', 'zxx'))).samples);
  t.ok(level < -12, `music levelled below speech (${level.toFixed(1)} dBFS RMS)`);
  t.equal((await promptAudio(store, 'queue-music', 'ko')).origin, 'custom', 'one music for every language');
});

t.test('revert deletes the recording and goes back to synthesis', async (t) => {
  const path = store.customPath('greeting', 'ja');
  const inode = statSync(path).ino;
  t.ok(inode > 0);
  t.equal(await store.revert('greeting', 'ja'), true);
  t.notOk(existsSync(path), 'file deleted');
  t.equal((await promptAudio(store, 'greeting', 'ja')).origin, 'synthesized');
  t.equal(await store.revert('greeting', 'ja'), false, 'nothing to revert');
  t.same(greetingJa, promptParts('greeting', 'ja'), 'the catalogue itself never changes');
});

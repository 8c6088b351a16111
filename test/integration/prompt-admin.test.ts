/**
 * The console page of IVR prompts (issue 4 item 2): the administrator hears, replaces and reverts prompts,
 * each change audited; a bad file is refused with its reason; nobody else gets in (403), not even with a
 * forged upload.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { SEGMENT_IDS, segmentLangs } from '../../apps/callflow/prompt-catalogue.js';
import { ManualClock } from '../../apps/time/clock.js';
import { decodeWav, readWav } from '../../media/audio/wav.js';
import { Client, consoleSite } from '../helpers/console-client.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';

const dataDir = tempDataDir(t);
const db = await migratedDb(t, 'internal', dataDir);
const clock = new ManualClock('2027-11-24T10:00:00+09:00');
const config = parseConfig({ dataDir });
const base = await consoleSite(t, {
  db,
  clock,
  config,
  users: [
    { username: 'admin', displayName: '管理者', roles: ['admin'] },
    { username: 'sv01', displayName: 'SV', roles: ['supervisor'] },
  ],
});
const admin = new Client(base);
const sv = new Client(base);
const anonymous = new Client(base);
t.before(async () => {
  for (const [client, name, password] of [[admin, 'admin', 'admin-password'], [sv, 'sv01', 'sv01-password']] as const) {
    if ((await client.login(name, password)).status !== 303) throw new Error(`${name} cannot log in`);
  }
});

const scratch = mkdtempSync(join(tmpdir(), 'sc-prompt-admin-'));
t.teardown(() => execFileSync('rm', ['-rf', scratch]));
const recording = (() => {
  const path = join(scratch, 'rec.wav');
  execFileSync('sox', ['-n', '-r', '22050', '-c', '2', '-b', '16', path, 'synth', '2', 'sine', '400-800', 'gain', '-8']);
  return readFileSync(path);
})();
const custom = join(dataDir, 'prompts', 'custom', 'greeting.ja.wav');

/** A multipart form post with the client's cookies, as the browser sends the upload form. */
async function upload(client: Client, path: string, fields: Record<string, string>, file?: { name: string; data: Buffer }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([file.data], { type: 'audio/wav' }), file.name);
  const cookie = [...client.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(base + path, { method: 'POST', body: form, redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

t.test('the administrator sees every prompt in every language, with text and audio', async (t) => {
  const page = await admin.get('/admin/prompts');
  t.equal(page.status, 200);
  t.match(page.text, /<h1>音声ガイダンス<\/h1>/);
  t.match(page.text, /href="\/admin\/prompts" aria-current="page">音声ガイダンス/, 'in the navigation');
  const rows = SEGMENT_IDS.flatMap((id) => segmentLangs(id).map((lang) => `${id}/${lang}`));
  for (const r of rows) t.match(page.text, `action="/admin/prompts/${r}/upload"`, r);
  t.match(page.text, `案内 ${rows.length}件`);
  t.match(page.text, /お電話ありがとうございます。世田谷区コールセンター「せたがやコール」です。/);
  t.match(page.text, /次の受付は、明日午前8時からです。/, 'the sentence with a value is shown as an example');
  t.notMatch(page.text, /録音（差し替え済み）/, 'everything synthesised so far');

  const audio = await fetch(base + '/admin/prompts/greeting/ja/audio', { headers: { cookie: `sc_session=${admin.jar.get('sc_session')}` } });
  t.equal(audio.status, 200);
  t.equal(audio.headers.get('content-type'), 'audio/wav');
  const pcm = decodeWav(Buffer.from(await audio.arrayBuffer()));
  t.same([pcm.sampleRate, pcm.channels], [8000, 1], 'the synthesised WAV, as callers hear it');
  t.equal((await admin.get('/admin/prompts/greeting/fr/audio')).status, 404, 'no French greeting');
});

t.test('replace with a recording, audited; revert, audited', async (t) => {
  const _csrf = await admin.csrf('/admin/prompts');
  const r = await upload(admin, '/admin/prompts/greeting/ja/upload', { _csrf }, { name: '挨拶.wav', data: recording });
  t.equal(r.status, 303, r.text);
  t.equal(r.location, '/admin/prompts?done=replaced');
  const pcm = readWav(custom);
  t.same([pcm.sampleRate, pcm.channels, pcm.samples.length], [8000, 1, 16000], 'stored as 8 kHz mono');
  const page = await admin.get('/admin/prompts?done=replaced');
  t.match(page.text, /録音に差し替えました/);
  t.match(page.text, /録音（差し替え済み）/);
  t.match(page.text, /action="\/admin\/prompts\/greeting\/ja\/revert"/, 'revert offered');

  const [entry] = await db('audit_log').where({ action: 'prompt.replace' }).select('*');
  t.equal(entry.actor, 'admin');
  t.equal(entry.entity_id, 'greeting.ja');
  t.match(JSON.parse(entry.detail), { filename: '挨拶.wav', seconds: 2, original: { sampleRate: 22050, channels: 2, bits: 16 } });

  const back = await admin.post('/admin/prompts/greeting/ja/revert', { _csrf });
  t.equal(back.status, 303);
  t.equal(back.location, '/admin/prompts?done=reverted');
  t.notOk(existsSync(custom), 'recording deleted');
  t.same(await db('audit_log').whereLike('action', 'prompt.%').orderBy('id').pluck('action'), ['prompt.replace', 'prompt.revert']);
  const again = await admin.post('/admin/prompts/greeting/ja/revert', { _csrf });
  t.equal(again.status, 400);
  t.match(again.text, /差し替えられた録音はありません/);
});

t.test('a bad file comes back with its reason and changes nothing', async (t) => {
  const _csrf = await admin.csrf('/admin/prompts');
  t.equal((await upload(admin, '/admin/prompts/hold/en/upload', { _csrf }, { name: 'ok.wav', data: recording })).status, 303);
  const before = readFileSync(join(dataDir, 'prompts', 'custom', 'hold.en.wav'));
  const text = await upload(admin, '/admin/prompts/hold/en/upload', { _csrf }, { name: 'memo.txt', data: Buffer.from('hello') });
  t.equal(text.status, 400);
  t.match(text.text, /role="alert"/);
  t.match(text.text, /id="file-hold-en-error">保留（お待ちください）（en）: WAV形式の音声ファイルとして読み込めません/);
  t.match(text.text, /id="file-hold-en" name="file" accept="[^"]*" required aria-invalid="true" aria-describedby="file-hold-en-error"/);
  const empty = await upload(admin, '/admin/prompts/hold/en/upload', { _csrf }, { name: 'empty.wav', data: Buffer.alloc(0) });
  t.equal(empty.status, 400);
  t.match(empty.text, /ファイルが空です \(the file is empty\)/);
  const none = await upload(admin, '/admin/prompts/hold/en/upload', { _csrf });
  t.equal(none.status, 400);
  t.match(none.text, /ファイルを選んでください/);
  t.same(readFileSync(join(dataDir, 'prompts', 'custom', 'hold.en.wav')), before, 'the recording in use is unchanged');
  t.equal(Number((await db('audit_log').where({ action: 'prompt.replace', entity_id: 'hold.en' }).count('* as n').first())?.n), 1, 'only the good upload audited');
  t.equal((await upload(admin, '/admin/prompts/nothing/ja/upload', { _csrf }, { name: 'ok.wav', data: recording })).status, 404, 'unknown prompt');
  const forged = await upload(admin, '/admin/prompts/hold/ja/upload', { _csrf: 'wrong' }, { name: 'ok.wav', data: recording });
  t.equal(forged.status, 403, 'CSRF token checked on the multipart form too');
  t.notOk(existsSync(join(dataDir, 'prompts', 'custom', 'hold.ja.wav')));
});

t.test('nobody but the administrator: 403, and their uploads are not even read', async (t) => {
  t.equal((await sv.get('/admin/prompts')).status, 403);
  t.equal((await sv.get('/admin/prompts/greeting/ja/audio')).status, 403);
  const _csrf = await sv.csrf('/');
  const r = await upload(sv, '/admin/prompts/greeting/ja/upload', { _csrf }, { name: 'x.wav', data: recording });
  t.equal(r.status, 403);
  const revert = await sv.post('/admin/prompts/hold/en/revert', { _csrf });
  t.equal(revert.status, 403);
  t.ok(existsSync(join(dataDir, 'prompts', 'custom', 'hold.en.wav')), 'the recording is still there');
  t.notOk(existsSync(custom), 'nothing stored');
  const anon = await upload(anonymous, '/admin/prompts/greeting/ja/upload', { _csrf: 'x' }, { name: 'x.wav', data: recording });
  t.equal(anon.status, 303, 'anonymous: to the login page');
  t.match(anon.location ?? '', /^\/login/);
  t.equal((await anonymous.get('/admin/prompts')).status, 303);
  t.notOk(existsSync(custom));
});

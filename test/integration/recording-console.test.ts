/**
 * Recordings in the console (T8): supervisors and the manager list, play (with HTTP Range, so the player
 * can seek) and download them, each playback start and download audit-logged; every other role gets 403.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { ManualClock } from '../../apps/time/clock.js';
import { encodeWav } from '../../media/audio/wav.js';
import { sineTone } from '../../media/rtp/tone.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { RecordingsRepository } from '../../db/repositories/recordings.js';
import { Client, consoleSite } from '../helpers/console-client.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';

const dataDir = tempDataDir(t);
const db = await migratedDb(t, 'internal', dataDir);
const clock = new ManualClock('2027-06-10T10:00:00+09:00');
const config = { ...parseConfig({}), dataDir };
const base = await consoleSite(t, {
  db,
  clock,
  config,
  users: [
    { username: 'sv01', roles: ['supervisor'] },
    { username: 'manager', roles: ['manager'] },
    { username: 'op01', roles: ['operator'] },
    { username: 'ward01', roles: ['ward_staff'], departmentId: 'kokuho-nenkin' },
    { username: 'admin', roles: ['admin'] },
  ],
});
const clients: Record<string, Client> = {};
t.before(async () => {
  for (const name of ['sv01', 'manager', 'op01', 'ward01', 'admin']) {
    clients[name] = new Client(base);
    if ((await clients[name].login(name, `${name}-password`)).status !== 303) throw new Error(`${name} cannot log in`);
  }
});

const repo = new RecordingsRepository(db);
async function stored(o: { startedAt: string; complete?: boolean; reason?: string; agent?: string | null; withFile?: boolean }): Promise<{ id: number; file: Buffer }> {
  const start = new Date(o.startedAt);
  const [callId] = await db('calls').insert({ sip_call_id: `c-${o.startedAt}`, dnis: '0354323333', caller: '0312345678', started_at: start.toISOString(), answered_at: start.toISOString(), agent: o.agent ?? null });
  const path = `recordings/2027/06/01/${callId}.wav`;
  const left = sineTone(400, 2500);
  const right = sineTone(1000, 2500);
  const samples = new Int16Array(left.length * 2).map((_, i) => (i % 2 ? right[i >> 1]! : left[i >> 1]!));
  const file = encodeWav({ sampleRate: 8000, channels: 2, samples });
  if (o.withFile !== false) {
    mkdirSync(dirname(join(dataDir, path)), { recursive: true });
    writeFileSync(join(dataDir, path), file);
  }
  const id = await repo.insert(
    { callId: callId!, path, startedAt: start, endedAt: new Date(start.getTime() + 2500), durationMs: 2500, bytes: file.length, caller: '0312345678', dnis: '0354323333', agent: o.agent ?? null, complete: o.complete ?? true, incompleteReason: o.reason ?? null },
    start,
  );
  return { id, file };
}

const whole = await stored({ startedAt: '2027-06-01T10:00:00+09:00', agent: 'op01' });
const cut = await stored({ startedAt: '2027-06-02T11:30:00+09:00', complete: false, reason: 'capture-truncated: file ends inside a record: 120 bytes after byte 28648; capture-not-closed: rtpengine had not closed the capture' });
const purged = await stored({ startedAt: '2027-02-01T09:00:00+09:00' });
await repo.markDeleted(purged.id, new Date('2027-05-02T03:00:00+09:00'));

const audits = async (action: string) => (await new AuditRepository(db).list({ action })).filter((e) => e.entityId === String(whole.id));

t.test('operators, ward staff and the administrator get 403 for every recording page and file', async (t) => {
  for (const name of ['op01', 'ward01', 'admin']) {
    for (const path of ['/recordings', `/recordings/${whole.id}`, `/recordings/${whole.id}/audio`, `/recordings/${whole.id}/download`]) {
      const r = await clients[name]!.get(path);
      t.equal(r.status, 403, `${name} ${path}`);
      t.notMatch(r.text, /RIFF/);
    }
    t.notMatch((await clients[name]!.get('/')).text, /href="\/recordings"/, `${name} has no link to recordings`);
  }
  t.equal((await new Client(base).get('/recordings')).status, 303, 'not logged in: to the login page');
  t.same(await audits('recording.play'), [], 'refused requests are not playbacks');
});

t.test('supervisors and the manager see the list with JST times, numbers, agent and incomplete reasons', async (t) => {
  for (const name of ['sv01', 'manager']) {
    t.match((await clients[name]!.get('/')).text, /<a href="\/recordings">通話録音<\/a>/, `${name} has the navigation link`);
    const page = await clients[name]!.get('/recordings');
    t.equal(page.status, 200);
    t.match(page.text, /録音一覧 3件/);
    t.match(page.text, /<td>2027-06-01 10:00:00<\/td>\s*<td>0:03<\/td>\s*<td>0312345678<\/td>\s*<td>0354323333<\/td>\s*<td>op01<\/td>\s*<td><span class="state on">完全<\/span><\/td>/);
    t.match(page.text, /<td>2027-06-02 11:30:00<\/td>[\s\S]*?不完全[\s\S]*?録音が途中で途切れています[\s\S]*?メディアサーバーが録音を閉じていません/);
    t.match(page.text, /削除済み（保存期間経過 2027-05-02 03:00）/);
  }
  const sv = clients.sv01!;
  const oneDay = await sv.get('/recordings?from=2027-06-02&to=2027-06-02');
  t.match(oneDay.text, /録音一覧 1件/);
  t.match(oneDay.text, /2027-06-02 11:30:00/);
  t.match((await sv.get('/recordings?complete=no')).text, /録音一覧 1件/);
  t.match((await sv.get('/recordings?agent=op01&caller=1234')).text, /録音一覧 1件/);
  const bad = await sv.get('/recordings?from=2027-13-01&dnis=abc');
  t.equal(bad.status, 400);
  t.match(bad.text, /開始日は YYYY-MM-DD で入力してください/);
  t.match(bad.text, /着信番号は数字だけで入力してください/);
  t.match(bad.text, /value="2027-13-01"/, 'what was typed is kept');
});

t.test('the player page, the WAV with Range requests, the download; playback starts and downloads are audited', async (t) => {
  const sv = clients.sv01!;
  const page = await sv.get(`/recordings/${whole.id}`);
  t.equal(page.status, 200);
  t.match(page.text, new RegExp(`<audio controls preload="metadata" src="/recordings/${whole.id}/audio">`));

  const full = await fetch(`${base}/recordings/${whole.id}/audio`, { headers: { cookie: `sc_session=${sv.jar.get('sc_session')}` } });
  t.equal(full.status, 200);
  t.equal(full.headers.get('content-type'), 'audio/wav');
  t.equal(full.headers.get('accept-ranges'), 'bytes');
  t.same(Buffer.from(await full.arrayBuffer()), whole.file);
  t.equal((await audits('recording.play')).length, 1, 'one playback logged');

  const part = await fetch(`${base}/recordings/${whole.id}/audio`, { headers: { cookie: `sc_session=${sv.jar.get('sc_session')}`, range: 'bytes=1000-1999' } });
  t.equal(part.status, 206);
  t.equal(part.headers.get('content-range'), `bytes 1000-1999/${whole.file.length}`);
  t.same(Buffer.from(await part.arrayBuffer()), whole.file.subarray(1000, 2000));
  t.equal((await audits('recording.play')).length, 1, 'a seek is not another playback');
  const fromStart = await sv.get(`/recordings/${whole.id}/audio`, { range: 'bytes=0-' });
  t.equal(fromStart.status, 206);
  t.equal((await audits('recording.play')).length, 2, 'playing again from the start is');
  t.equal((await sv.get(`/recordings/${whole.id}/audio`, { range: `bytes=${whole.file.length + 10}-` })).status, 416);

  const dl = await fetch(`${base}/recordings/${whole.id}/download`, { headers: { cookie: `sc_session=${clients.manager!.jar.get('sc_session')}` } });
  t.equal(dl.status, 200);
  t.equal(dl.headers.get('content-disposition'), `attachment; filename="recording-${whole.id}-20270601-1000.wav"`);
  t.same(Buffer.from(await dl.arrayBuffer()), readFileSync(join(dataDir, `recordings/2027/06/01/${(await repo.get(whole.id))!.callId}.wav`)));
  const downloads = await audits('recording.download');
  t.equal(downloads.length, 1);
  t.match(downloads[0], { actor: 'manager', entity: 'recording', ip: /127\.0\.0\.1/ });
});

t.test('a purged recording is 410 Gone; an unknown id is 404', async (t) => {
  const sv = clients.sv01!;
  const gone = await sv.get(`/recordings/${purged.id}/audio`);
  t.equal(gone.status, 410);
  t.match(gone.text, /保存期間を過ぎたため 2027-05-02 03:00 に削除されました/);
  const facts = await sv.get(`/recordings/${purged.id}`);
  t.equal(facts.status, 200, 'its facts stay readable');
  t.notMatch(facts.text, /<audio/, 'without a player');
  t.match(facts.text, /保存期間を過ぎたため/);
  t.equal((await sv.get('/recordings/999999/audio')).status, 404);
  t.equal((await sv.get('/recordings/abc')).status, 404);
  t.equal((await sv.get(`/recordings/${cut.id}/audio`)).status, 200, 'an incomplete recording plays too');
});

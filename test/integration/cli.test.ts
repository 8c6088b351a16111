/** `sc`, run as a real process on a real data folder, as an administrator would (issue 2 item 9). */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openZone } from '../../db/connection.js';
import { tempDataDir } from '../helpers/data.js';

const cli = new URL('../../appliance/cli.js', import.meta.url).pathname;

function sc(dataDir: string, args: string[], input = '', env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', env: { ...process.env, SC_DATA_DIR: dataDir, SC_CONFIG: '', SC_CLOCK: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function query<T>(dataDir: string, fn: (db: ReturnType<typeof openZone>) => Promise<T>): Promise<T> {
  const db = openZone(dataDir, 'internal');
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

t.test('migrate, seed, and manage users from the shell', async (t) => {
  const dir = tempDataDir(t);
  const notReady = sc(dir, ['user', 'list']);
  t.equal(notReady.code, 2);
  t.match(notReady.err, /not migrated .*run `sc migrate` first/);

  const m = sc(dir, ['migrate']);
  t.equal(m.code, 0, m.err);
  t.match(m.out, /internal: applied 0001_foundation/);
  t.match(sc(dir, ['migrate']).out, /internal: up to date/, 'migrate is idempotent');
  t.equal(await query(dir, async (db) => Number((await db('users').count('* as n').first())?.n)), 0, 'migrate alone seeds no demo users');

  const add = sc(dir, ['user', 'add', 'suzuki', '--display-name', '鈴木 一郎', '--role', 'ward_staff', '--department', 'hoiku'], 'a-long-password\n');
  t.equal(add.code, 0, add.err);
  t.match(add.out, /created user suzuki/);
  const bad = sc(dir, ['user', 'add', 'tanaka', '--display-name', '田中', '--role', 'ward_staff'], 'a-long-password\n');
  t.equal(bad.code, 2);
  t.match(bad.err, /^sc: departmentId: 区職員には所属部署が必要です/);
  const short = sc(dir, ['user', 'add', 'tanaka', '--display-name', '田中', '--role', 'operator'], 'short\n');
  t.equal(short.code, 2);
  t.match(short.err, /password: パスワードは10文字以上/);
  t.same(await query(dir, (db) => db('users').pluck('username')), ['suzuki'], 'refused commands wrote nothing');

  t.equal(sc(dir, ['user', 'passwd', 'suzuki', '--sip'], 'sip-password-1\n').code, 0);
  t.ok(await query(dir, (db) => db('sip_accounts').where({ sip_user: 'suzuki' }).first()), 'SIP credentials set');
  t.equal(sc(dir, ['user', 'disable', 'suzuki']).code, 0);
  t.match(sc(dir, ['user', 'list']).out, /suzuki\t鈴木 一郎\t区職員\thoiku\t無効 disabled/);
  t.match(sc(dir, ['user', 'disable', 'nobody']).err, /no such user: nobody/);
  const actors = await query(dir, (db) => db('audit_log').orderBy('id').pluck('action'));
  t.same(actors, ['user.create', 'user.sip_password', 'user.disable'], 'every change is audited');

  const seed = sc(dir, ['seed', '--demo']);
  t.equal(seed.code, 0, seed.err);
  t.match(seed.out, /demo accounts added: admin, manager/);
  t.match(sc(dir, ['seed', '--demo']).out, /already present/);
});

t.test('backup and restore through the CLI', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  const file = join(tempDataDir(t), 'nightly.sqlite');
  const b = sc(dir, ['backup', file]);
  t.equal(b.code, 0, b.err);
  t.match(b.out, /backed up internal: \d+ pages, \d+ bytes in \d+ ms/);
  t.ok(existsSync(file));
  const pub = join(tempDataDir(t), 'public.sqlite');
  t.match(sc(dir, ['backup', pub, '--zone', 'public']).out, /backed up public/);
  t.match(sc(dir, ['backup', file, '--zone', 'nowhere']).err, /--zone: must be internal or public/);

  t.equal(sc(dir, ['user', 'add', 'later', '--display-name', 'L', '--role', 'operator'], 'a-long-password\n').code, 0);
  writeFileSync(join(dir, 'supervisor.pid'), String(process.pid));
  const refused = sc(dir, ['restore', file]);
  t.equal(refused.code, 2);
  t.match(refused.err, /the appliance is running/);
  writeFileSync(join(dir, 'supervisor.pid'), '999999999');
  const r = sc(dir, ['restore', file]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /restored internal from .*\nthe replaced file is kept as .*before-restore/);
  t.same(await query(dir, (db) => db('users').pluck('username')), [], 'the user added after the backup is gone');
  t.match(sc(dir, ['restore', pub, '--zone', 'internal']).err, /backup of the public zone, not internal/);
});

t.test('the ward calendar from the shell, on the appliance clock', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  const check = sc(dir, ['calendar', 'check', '2027-12-29T10:00', '--department', 'kazei']);
  t.equal(check.code, 0, check.err);
  t.match(check.out, /2027-12-29/);
  t.match(check.out, /閉庁日|年末年始/);
  const now = sc(dir, ['calendar', 'now'], '', { SC_CLOCK: '2027-06-19T10:00:00+09:00' });
  t.equal(now.code, 0, now.err);
  t.match(now.out, /2027-06-19 \(土\) 10:0\d:\d\d JST/, 'now is the SC_CLOCK instant');
  const bad = sc(dir, ['calendar', 'check', 'soon']);
  t.equal(bad.code, 2);
  t.match(bad.out, /cannot read the date-time "soon"/);
  t.match(sc(dir, ['calendar', 'now'], '', { SC_CLOCK: 'yesterday' }).err, /SC_CLOCK: not a date-time/);
});

t.test('bad configuration stops the CLI with the key named', async (t) => {
  const dir = tempDataDir(t);
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, 'console:\n  prot: 8080\n');
  const r = sc(join(dir, 'data'), ['migrate'], '', { SC_CONFIG: cfg });
  t.equal(r.code, 2);
  t.match(r.err, /console\.prot: unknown key/);
  t.notOk(existsSync(join(dir, 'data')), 'no data folder was made');
  t.match(sc(dir, ['frobnicate']).err, /unknown command: frobnicate/);
});

t.test('the administrator sets an election day and a closed day; the calendar follows at once', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  const before = sc(dir, ['calendar', 'check', '2027-07-25T07:00']);
  t.match(before.out, /無人 \/ closed/, 'a Sunday at 07:00 is closed on a normal day');
  const add = sc(dir, ['calendar', 'add-day', '2027-07-25', 'election', '参議院議員通常選挙']);
  t.equal(add.code, 0, add.out);
  t.match(add.out, /added: 2027-07-25 選挙日/);
  t.match(sc(dir, ['calendar', 'check', '2027-07-25T07:00']).out, /有人 \/ staffed/, 'open from 06:30 on election day (T2)');
  t.match(sc(dir, ['calendar', 'check', '2027-07-25T20:00']).out, /無人 \/ closed/, 'closed from 20:00');

  t.equal(sc(dir, ['calendar', 'add-day', '2027-08-13', 'closed', '臨時閉庁日']).code, 0);
  t.match(sc(dir, ['calendar', 'check', '2027-08-13T10:00', '--department', 'kazei']).out, /転送: 不可/, 'no transfers on a closed day (T7)');
  t.match(sc(dir, ['calendar', 'days', '2027-07-01', '2027-08-31']).out, /2027-07-25\t選挙日 \(election day\)\t参議院議員通常選挙\n2027-08-13\t閉庁日 \(ward offices closed\)\t臨時閉庁日/);

  t.equal(sc(dir, ['calendar', 'remove-day', '2027-07-25', 'election']).code, 0);
  t.match(sc(dir, ['calendar', 'check', '2027-07-25T07:00']).out, /無人 \/ closed/, 'removed again');
  const bad = [
    sc(dir, ['calendar', 'add-day', '2027-02-30', 'election', 'x']),
    sc(dir, ['calendar', 'add-day', '2027-07-25', 'party', 'x']),
    sc(dir, ['calendar', 'add-day', '2027-07-25', 'election']),
    sc(dir, ['calendar', 'remove-day', '2027-07-26', 'election']),
  ];
  t.same(bad.map((r) => r.code), [2, 2, 2, 2], 'bad input is refused');
  t.match(bad[0]!.out, /error: date: .*"2027-02-30" \(not a date\)/);
  t.match(bad[1]!.out, /error: kind: 種類は選挙日か閉庁日です: "party"/);
  t.match(bad[2]!.out, /error: name: 名称を1〜64文字で/);
  t.match(bad[3]!.out, /2027-07-26 に選挙日 \(election day\)はありません/);
  const audited = await query(dir, (db) => db('audit_log').pluck('action'));
  t.same(audited, ['calendar.put_day', 'calendar.put_day', 'calendar.remove_day']);
});

t.test('call flows from the shell: each ward number has one; a new version is checked before it is saved (T1)', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  const list = sc(dir, ['callflow', 'list']);
  t.equal(list.code, 0, list.err);
  t.equal(list.out.trim().split('\n').length, 21, 'the 21 numbers of §8(1)① each have a flow');
  t.match(list.out, /0354323333\tv1\tお問い合わせセンター一般周知番号/);
  const shown = sc(dir, ['callflow', 'show', '0354323333']);
  t.match(shown.out, /"queue": "general"/);

  const file = join(dir, 'flow.yaml');
  writeFileSync(file, 'format: 1\nqueue: general\nlanguageMenu: null\nbusyAt: 3\n');
  const saved = sc(dir, ['callflow', 'set', '0354321111', file]);
  t.equal(saved.code, 0, saved.err);
  t.match(saved.out, /saved 0354321111 v2/);
  t.match(sc(dir, ['callflow', 'show', '0354321111']).out, /"busyAt": 3/, 'the new version is in force');

  writeFileSync(file, 'format: 1\nqueue: general\nlanguageMenu: null\nbusyAt: 0\n');
  const bad = sc(dir, ['callflow', 'set', '0354321111', file]);
  t.equal(bad.code, 2);
  t.match(bad.err, /flow\.yaml: busyAt: /, 'the wrong key is named');
  t.match(sc(dir, ['callflow', 'list']).out, /0354321111\tv2/, 'and nothing was saved');
  t.match(sc(dir, ['callflow', 'set', '0399999999', file]).err, /not one of the ward's numbers/);
});

t.test('rtpengine-config prints the config an rtpengine under its own unit needs', async (t) => {
  const dir = tempDataDir(t);
  const r = sc(dir, ['rtpengine-config']);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^\[rtpengine\]\n/);
  t.match(r.out, `recording-dir = ${join(dir, 'recordings', 'capture')}`, 'it records into this data folder');
  t.match(r.out, /dtmf-log-dest = 127\.0\.0\.1:22223/, 'and reports keys to call control');
  t.match(r.out, /delete-delay = 0/);
});

/** `sc queue` and `sc agent`, run as real processes on a real data folder, as an administrator would (T5). */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { openZone } from '../../db/connection.js';
import { tempDataDir } from '../helpers/data.js';

const cli = new URL('../../appliance/cli.js', import.meta.url).pathname;

function sc(dataDir: string, args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, SC_DATA_DIR: dataDir, SC_CONFIG: '', SC_CLOCK: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function rows(dataDir: string, table: string): Promise<Record<string, unknown>[]> {
  const db = openZone(dataDir, 'internal');
  try {
    return await db(table).orderBy(table === 'acd_agents' ? 'agent' : 'id');
  } finally {
    await db.destroy();
  }
}

t.test('queues: list, show, and set a new version from YAML; a bad file changes nothing and names the key', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  const list = sc(dir, ['queue', 'list']);
  t.equal(list.code, 0, list.err);
  t.same(list.out.trim().split('\n').map((l) => l.split('\t')[0]), ['chinese', 'election', 'english', 'events', 'general', 'korean']);
  t.match(list.out, /general\tv1\t一般 \(General\)\tskill ja\tlongest-idle/);
  t.match(list.out, /election\tv1\t選挙 \(Election\)\tskill election\tring-all/);

  const show = sc(dir, ['queue', 'show', 'general']);
  t.equal(show.code, 0, show.err);
  t.match(show.out, /^# general v1, \d{4}-\d\d-\d\d \d\d:\d\d by seed\n/);
  t.match(JSON.parse(show.out.split('\n').slice(1).join('\n')), { skill: 'ja', ringTimeoutS: 15, wrapUpS: 30 });
  t.match(sc(dir, ['queue', 'show', 'nowhere']).err, /no queue "nowhere"/);

  const dataFiles = tempDataDir(t);
  const good = join(dataFiles, 'general.yaml');
  writeFileSync(good, 'format: 1\nname: 一般\nnameEn: General\nskill: ja\nwrapUpS: 45\noverflow:\n  - afterS: 180\n    action: callback\n');
  const set = sc(dir, ['queue', 'set', 'general', good]);
  t.equal(set.code, 0, set.err);
  t.match(set.out, /saved general v2/);
  t.match(sc(dir, ['queue', 'show', 'general']).out, /# general v2, .* by cli:[^\n]+\n[\s\S]*"wrapUpS": 45/);

  const before = (await rows(dir, 'acd_queues')).length;
  const badKey = join(dataFiles, 'bad.yaml');
  writeFileSync(badKey, 'format: 1\nname: 一般\nnameEn: General\nskill: ja\noverflow:\n  - afterS: 10\n    action: queue\n');
  const bad = sc(dir, ['queue', 'set', 'general', badKey]);
  t.equal(bad.code, 2);
  t.match(bad.err, /bad\.yaml: overflow\.0: queue is given exactly when action is queue/);
  const typo = join(dataFiles, 'typo.json');
  writeFileSync(typo, JSON.stringify({ format: 1, name: 'x', nameEn: 'x', skill: 'ja', ringTimeout: 20 }));
  t.match(sc(dir, ['queue', 'set', 'general', typo]).err, /typo\.json: .*ringTimeout/);
  const broken = join(dataFiles, 'broken.yaml');
  writeFileSync(broken, 'format: [1\n');
  t.match(sc(dir, ['queue', 'set', 'general', broken]).err, /broken\.yaml: /);
  t.match(sc(dir, ['queue', 'set', 'General Queue', good]).err, /queue id "General Queue": lower-case letters/);
  t.match(sc(dir, ['queue', 'set', 'general', join(dataFiles, 'missing.yaml')]).err, /missing\.yaml: ENOENT/);
  t.equal((await rows(dir, 'acd_queues')).length, before, 'refused files wrote nothing');
  t.match(sc(dir, ['queue', 'frobnicate']).err, /usage:/);
});

t.test('agents: skills and penalties of operators and supervisors only; bad values named', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  t.equal(sc(dir, ['seed', '--demo']).code, 0);
  const list = sc(dir, ['agent', 'list']);
  t.equal(list.code, 0, list.err);
  t.equal(list.out.trim().split('\n').length, 21);
  t.match(list.out, /op05\tオペレーター05\tskills ja:3,zh:4\tpenalty general:1/);
  t.match(list.out, /op20\tオペレーター20\tskills ja:2\tpenalty -/);

  const set = sc(dir, ['agent', 'set', 'op20', '--skills', 'ja:4, en:2', '--penalty', 'general:0,english:1']);
  t.equal(set.code, 0, set.err);
  t.match(set.out, /op20\tskills ja:4,en:2\tpenalty general:0,english:1/);
  t.match(sc(dir, ['agent', 'list']).out, /op20\tオペレーター20\tskills ja:4,en:2\tpenalty general:0,english:1/);

  const before = JSON.stringify(await rows(dir, 'acd_agents'));
  const refused: [string[], RegExp][] = [
    [['agent', 'set', 'op19', '--skills', 'ja:6'], /--skills: ja must be 1-5, not 6/],
    [['agent', 'set', 'op19', '--skills', 'ja:0'], /--skills: ja must be 1-5, not 0/],
    [['agent', 'set', 'op19', '--skills', 'ja=4'], /--skills: "ja=4" is not name:number/],
    [['agent', 'set', 'op19', '--skills', 'JA:4'], /--skills: "JA": lower-case/],
    [['agent', 'set', 'op19', '--skills', 'ja:4,ja:3'], /--skills: ja is given twice/],
    [['agent', 'set', 'op19', '--skills', 'ja:4', '--penalty', 'general:100'], /--penalty: general must be 0-99, not 100/],
    [['agent', 'set', 'op19', '--skills', 'ja:4', '--penalty', 'nowhere:1'], /--penalty: no queue "nowhere"/],
    [['agent', 'set', 'ward01', '--skills', 'ja:4'], /ward01: no SIP account/],
    [['agent', 'set', 'nobody', '--skills', 'ja:4'], /nobody: no SIP account/],
    [['agent', 'set', 'op19'], /usage:/],
    [['agent', 'set', 'op19', '--skills', 'ja:4', '--level', '3'], /Unknown option '--level'/],
  ];
  for (const [args, message] of refused) {
    const r = sc(dir, args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.err, message, args.join(' '));
  }
  t.equal(JSON.stringify(await rows(dir, 'acd_agents')), before, 'refused commands wrote nothing');
});

t.test('an account with SIP credentials but no operator role takes no calls', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  const add = spawnSync(process.execPath, [cli, 'user', 'add', 'clerk', '--display-name', '事務', '--role', 'admin'], { input: 'a-long-password\n', encoding: 'utf8', env: { ...process.env, SC_DATA_DIR: dir, SC_CONFIG: '', SC_CLOCK: '' } });
  t.equal(add.status, 0, add.stderr);
  const sip = spawnSync(process.execPath, [cli, 'user', 'passwd', 'clerk', '--sip'], { input: 'sip-password-1\n', encoding: 'utf8', env: { ...process.env, SC_DATA_DIR: dir, SC_CONFIG: '', SC_CLOCK: '' } });
  t.equal(sip.status, 0, sip.stderr);
  const r = sc(dir, ['agent', 'set', 'clerk', '--skills', 'ja:3']);
  t.equal(r.code, 2);
  t.match(r.err, /clerk: only operators and supervisors take calls \(roles: admin\)/);
  t.same(await rows(dir, 'acd_agents'), []);
});

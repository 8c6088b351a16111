/** `sc recordings purge`, run as a real process on a real data folder (T8 retention by hand). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { openZone } from '../../db/connection.js';
import { RecordingsRepository } from '../../db/repositories/recordings.js';
import { tempDataDir } from '../helpers/data.js';

const cli = new URL('../../appliance/cli.js', import.meta.url).pathname;

function sc(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, SC_DATA_DIR: dataDir, SC_CONFIG: '', SC_CLOCK: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

t.test('purge deletes what is older than the configured months, refuses fewer than 3, and is idempotent', async (t) => {
  const dir = tempDataDir(t);
  t.equal(sc(dir, ['migrate']).code, 0);
  const db = openZone(dir, 'internal');
  t.teardown(() => db.destroy());
  const repo = new RecordingsRepository(db);
  const ids: Record<string, { id: number; path: string }> = {};
  for (const [name, startedAt] of [['old', '2027-01-20T10:00:00+09:00'], ['young', '2027-04-20T10:00:00+09:00']] as const) {
    const start = new Date(startedAt);
    const [callId] = await db('calls').insert({ sip_call_id: name, dnis: '0354323333', caller: '0312345678', started_at: start.toISOString() });
    const path = `recordings/2027/x/${callId}.wav`;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), 'RIFF');
    const id = await repo.insert({ callId: callId!, path, startedAt: start, endedAt: start, durationMs: 0, bytes: 4, caller: '0312345678', dnis: '0354323333', agent: null, complete: true, incompleteReason: null }, start);
    ids[name] = { id, path };
  }
  const clock = { SC_CLOCK: '2027-06-01T09:00:00+09:00' };

  const refused = sc(dir, ['recordings', 'purge', '--months', '2'], clock);
  t.equal(refused.code, 2);
  t.match(refused.err, /^sc: media\.recordings\.retentionMonths: recordings are kept at least 3 months \(T8\), not 2/);
  t.equal(existsSync(join(dir, ids.young!.path)), true, 'nothing deleted');
  const junk = sc(dir, ['recordings', 'purge', '--months', 'three'], clock);
  t.equal(junk.code, 2);
  t.match(junk.err, /--months: must be a whole number/);
  t.equal(sc(dir, ['recordings', 'erase'], clock).code, 2, 'unknown subcommand');

  const run = sc(dir, ['recordings', 'purge'], clock);
  t.equal(run.code, 0, run.err);
  t.equal(run.out, 'recordings started before 2027-03-01 09:00:00 JST (3 months): 1 deleted\n');
  t.equal(existsSync(join(dir, ids.old!.path)), false);
  t.equal(existsSync(join(dir, ids.young!.path)), true);
  const old = await repo.get(ids.old!.id);
  t.equal(old!.path, null);
  t.ok(old!.deletedAt && old!.deletedAt.getTime() - Date.parse('2027-06-01T09:00:00+09:00') < 10_000, 'deleted at the appliance clock time');
  t.match(sc(dir, ['recordings', 'purge'], clock).out, /: 0 deleted\n$/, 'a second run deletes nothing');
});

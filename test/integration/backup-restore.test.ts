/** `sc backup` / `sc restore` on real SQLite files, while another process keeps writing (O3, C3). */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import t from 'tap';
import { backupZone, inspectBackup, restoreZone } from '../../db/backup.js';
import { openZone } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';

const writerScript = new URL('../helpers/audit-writer.js', import.meta.url).pathname;
const now = new Date('2027-06-01T01:00:00Z');

async function auditState(dataDir: string) {
  const db = openZone(dataDir, 'internal');
  try {
    return { rows: Number((await db('audit_log').count('* as n').first())?.n), broken: await new AuditRepository(db).verify() };
  } finally {
    await db.destroy();
  }
}

t.test('a backup taken under concurrent writes is consistent and restores into a working database', async (t) => {
  const live = tempDataDir(t);
  await (await migratedDb(t, 'internal', live)).destroy();
  const writer = spawn(process.execPath, [writerScript, live], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void writer.kill('SIGKILL'));
  let output = '';
  writer.stdout.on('data', (d) => (output += d));
  while (!output.includes('ready')) await once(writer.stdout, 'data');

  const backups = tempDataDir(t);
  const results = [];
  for (let i = 0; i < 3; i++) {
    results.push(await backupZone(live, 'internal', join(backups, `b${i}.sqlite`)));
    await new Promise((r) => setTimeout(r, 150));
  }
  writer.kill('SIGTERM');
  await once(writer, 'exit');
  const written = Number(/written (\d+)/.exec(output)?.[1]);
  t.ok(written > 100, `the writer kept writing during the backups (${written} rows)`);

  const counts: number[] = [];
  for (const r of results) {
    t.equal((await inspectBackup(r.file)).zone, 'internal');
    const target = join(tempDataDir(t), 'new-appliance');
    const restored = await restoreZone(target, r.file, { now });
    t.equal(restored.keptAs, null, 'a new data folder is made and has nothing to keep aside');
    const state = await auditState(target);
    t.equal(state.broken, null, `backup ${r.file}: the audit hash chain is intact (a consistent snapshot)`);
    t.ok(state.rows > 0 && state.rows <= written, `backup holds ${state.rows} of ${written} rows`);
    counts.push(state.rows);
  }
  t.ok(counts[0]! < counts[2]!, `later backups hold more rows (${counts.join(' < ')})`);
});

t.test('restore replaces the live file, keeps the old one, and refuses while the appliance runs', async (t) => {
  const dataDir = tempDataDir(t);
  const db = await migratedDb(t, 'internal', dataDir);
  const audit = new AuditRepository(db);
  await audit.append({ actor: 't', action: 'before.backup' }, now);
  const file = join(tempDataDir(t), 'internal.bak');
  await backupZone(dataDir, 'internal', file);
  await audit.append({ actor: 't', action: 'after.backup' }, now);
  await db.destroy();

  writeFileSync(join(dataDir, 'supervisor.pid'), String(process.pid));
  await t.rejects(restoreZone(dataDir, file, { now }), /appliance is running \(supervisor pid/);
  t.equal((await auditState(dataDir)).rows, 2, 'nothing changed while refused');

  writeFileSync(join(dataDir, 'supervisor.pid'), '999999999');
  const r = await restoreZone(dataDir, file, { now });
  t.ok(r.keptAs && existsSync(r.keptAs), 'the replaced file is kept beside');
  const after = await auditState(dataDir);
  t.equal(after.rows, 1, 'the live database is the backup again');
  t.equal(after.broken, null);
  const db2 = openZone(dataDir, 'internal');
  t.same(await db2('audit_log').pluck('action'), ['before.backup']);
  await db2.destroy();
});

t.test('bad backup files are refused with the reason and change nothing', async (t) => {
  const dataDir = tempDataDir(t);
  const db = await migratedDb(t, 'internal', dataDir);
  await new AuditRepository(db).append({ actor: 't', action: 'keep.me' }, now);
  await db.destroy();
  const before = readFileSync(join(dataDir, 'internal.sqlite'));
  const dir = tempDataDir(t);

  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'this is not a database at all');
  await t.rejects(restoreZone(dataDir, text, { now }), /not an SQLite database/);

  const good = join(dir, 'good.sqlite');
  await backupZone(dataDir, 'internal', good);
  const truncated = join(dir, 'truncated.sqlite');
  const bytes = readFileSync(good);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await t.rejects(restoreZone(dataDir, truncated, { now }), /integrity|cannot be read|malformed/);

  const publicDir = tempDataDir(t);
  await (await migratedDb(t, 'public', publicDir)).destroy();
  const pub = join(dir, 'public.sqlite');
  await backupZone(publicDir, 'public', pub);
  await t.rejects(restoreZone(dataDir, pub, { zone: 'internal', now }), /backup of the public zone, not internal/);

  await t.rejects(restoreZone(dataDir, join(dir, 'missing.sqlite'), { now }), /no such file/);
  await t.rejects(backupZone(dataDir, 'internal', good), /already exists/);

  t.same(readFileSync(join(dataDir, 'internal.sqlite')), before, 'the live file is byte for byte unchanged');
  t.same(readdirSync(dataDir).filter((f) => f.includes('before-restore') || f.includes('restore-tmp')), [], 'no leftovers');
});

t.test('a corrupt live database file is reported, not overwritten', async (t) => {
  const dataDir = tempDataDir(t);
  const file = join(dataDir, 'internal.sqlite');
  writeFileSync(file, 'garbage'.repeat(100));
  t.throws(() => openZone(dataDir, 'internal'), /not an SQLite database \(corrupt or wrong file\)/);
  t.equal(readFileSync(file, 'utf8'), 'garbage'.repeat(100));
});

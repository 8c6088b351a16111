/**
 * Console and call control write internal.sqlite at the same time (agent states, audit entries). A transaction
 * that reads before it writes must wait for the other process's lock, not fail with SQLITE_BUSY: every
 * transaction begins IMMEDIATE (db/connection.ts). Two real processes on one real file.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { openDatabase } from '../../db/connection.js';
import { tempDataDir } from '../helpers/data.js';

const run = promisify(execFile);
const WRITER = new URL('../helpers/db-writer.js', import.meta.url).pathname;

t.test('audit entries and another process inserting meanwhile: every write lands, none fails', async (t) => {
  const file = join(tempDataDir(t), 'two-writers.sqlite');
  const db = openDatabase(file);
  await db.schema.createTable('audit_log', (x) => {
    x.increments('id');
    for (const c of ['at', 'actor', 'action', 'entity', 'entity_id', 'detail', 'ip', 'prev_hash', 'hash']) x.text(c);
    x.integer('actor_id');
  });
  await db.schema.createTable('writes', (x) => {
    x.increments('id');
    x.text('at');
  });
  const [audit, rows] = await Promise.all([run(process.execPath, [WRITER, file, 'audit', '1500']), run(process.execPath, [WRITER, file, 'rows', '3000'])]);
  t.equal(audit.stdout, '0', 'no audit append failed');
  t.equal(rows.stdout, '0', 'no insert failed');
  t.equal(Number((await db('audit_log').count({ n: '*' }))[0]!.n), 1500);
  t.equal(Number((await db('writes').count({ n: '*' }))[0]!.n), 3000);
  await db.destroy();
});

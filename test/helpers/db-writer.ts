/**
 * A second process writing the same SQLite file, for test/unit/db-two-writers.test.ts: `audit N` appends N
 * audit entries (each a transaction that reads the last hash, then writes), `rows N` inserts N plain rows.
 * Prints how many writes failed.
 */
import { openDatabase } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';

const [file, role, count] = process.argv.slice(2);
const db = openDatabase(file!);
let failed = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    if (role === 'audit') await new AuditRepository(db).append({ actor: 'test', action: 'write' }, new Date());
    else await db('writes').insert({ at: new Date().toISOString() });
  } catch {
    failed++;
  }
}
await db.destroy();
process.stdout.write(String(failed));

/**
 * A second process that keeps writing to a zone while a test backs it up: audit entries, one per
 * transaction, whose hash chain a consistent copy must keep intact. Prints "ready" after its first write
 * and the number written when it gets SIGTERM.
 */
import { openZone } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';

const db = openZone(process.argv[2]!, 'internal');
const audit = new AuditRepository(db);
let written = 0;
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

while (!stopping) {
  await audit.append({ actor: 'writer', action: 'test.write', detail: { n: written, pad: 'x'.repeat(200) } }, new Date());
  if (++written === 1) process.stdout.write('ready\n');
  // better-sqlite3 answers synchronously: yield so the SIGTERM handler gets to run.
  await new Promise(setImmediate);
}
await db.destroy();
process.stdout.write(`written ${written}\n`);

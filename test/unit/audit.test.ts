/** The audit log is append-only and tamper-evident (O4, O7). */
import t from 'tap';
import { AuditRepository } from '../../db/repositories/audit.js';
import { migratedDb } from '../helpers/data.js';

const at = new Date('2027-06-01T00:00:00Z');

t.test('entries chain and verify; UPDATE and DELETE are refused by the database itself', async (t) => {
  const db = await migratedDb(t);
  const audit = new AuditRepository(db);
  for (let i = 0; i < 5; i++) await audit.append({ actor: 'op01', action: 'record.change', entity: 'contact', entityId: i, detail: { i } }, at);
  t.equal(await audit.verify(), null, 'an untouched chain verifies');
  const latest = await audit.list({ limit: 2 });
  t.same(latest.map((e) => e.entityId), ['4', '3'], 'newest first, ids as text');
  t.same(latest[0]?.detail, { i: 4 });
  await t.rejects(db('audit_log').where({ id: 1 }).update({ actor: 'someone' }), /append-only/);
  await t.rejects(db('audit_log').where({ id: 1 }).delete(), /append-only/);
});

t.test('a row changed behind the application is found', async (t) => {
  const db = await migratedDb(t);
  const audit = new AuditRepository(db);
  for (let i = 0; i < 4; i++) await audit.append({ actor: 'admin', action: 'user.update', detail: { i } }, at);
  // As someone with the sqlite3 shell would: drop the guard, then edit.
  await db.raw('DROP TRIGGER audit_log_no_update');
  await db('audit_log').where({ id: 3 }).update({ actor: 'nobody' });
  t.equal(await audit.verify(), 3, 'the first altered row is named');
});

t.test('concurrent appends keep one unbroken chain', async (t) => {
  const db = await migratedDb(t);
  const audit = new AuditRepository(db);
  await Promise.all(Array.from({ length: 40 }, (_, i) => audit.append({ actor: 'x', action: 'parallel', detail: { i } }, at)));
  t.equal(await audit.verify(), null);
  t.equal(Number((await db('audit_log').count('* as n').first())?.n), 40);
});

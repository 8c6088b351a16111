/** Accounts (O4): validation, SIP credentials, rights removal ending sessions, audit in the same transaction. */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { AccountService } from '../../apps/accounts/account-service.js';
import { ValidationError } from '../../apps/validation.js';
import { verifyPassword } from '../../apps/accounts/password.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { SessionsRepository } from '../../db/repositories/sessions.js';
import { ManualClock } from '../../apps/time/clock.js';
import { migratedDb } from '../helpers/data.js';

const clock = new ManualClock('2027-06-01T09:00:00+09:00');
const admin = { id: null, name: 'test-admin' };

async function setup(t: Test) {
  const db = await migratedDb(t);
  return { db, accounts: new AccountService(db, clock, { minPasswordLength: 10, sipRealm: 'setagaya-call' }) };
}

t.test('bad input is refused with the field named and nothing written', async (t) => {
  const { db, accounts } = await setup(t);
  const base = { username: 'yamada', displayName: '山田 花子', roles: ['operator'], password: 'long-enough-pw' };
  const cases: [string, Partial<typeof base> & { departmentId?: string }, string][] = [
    ['username', { username: 'Ya ma' }, 'ユーザー名'],
    ['username', { username: '1abc' }, 'ユーザー名'],
    ['displayName', { displayName: '  ' }, '表示名'],
    ['roles', { roles: [] }, '役割'],
    ['roles', { roles: ['operator', 'king'] }, 'king'],
    ['departmentId', { roles: ['ward_staff'] }, '所属部署'],
    ['departmentId', { roles: ['ward_staff'], departmentId: 'no-such-dept' }, 'no-such-dept'],
    ['password', { password: 'short' }, '10文字以上'],
  ];
  for (const [field, change, text] of cases) {
    const err = await accounts.create({ ...base, ...change }, admin).then(() => null, (e: unknown) => e);
    t.type(err, ValidationError, `${JSON.stringify(change)} is refused`);
    t.equal((err as ValidationError).field, field);
    t.match((err as ValidationError).message, text);
  }
  t.equal(Number((await db('users').count('* as n').first())?.n), 0, 'no user was written');
  t.equal(Number((await db('audit_log').count('* as n').first())?.n), 0, 'and nothing audited');

  await accounts.create(base, admin);
  await t.rejects(accounts.create({ ...base, username: 'YAMADA' }, admin), /既に使われています/, 'user names are case-insensitive');
});

t.test('a created account stores a memory-hard hash and SIP HA1 digests, never the passwords', async (t) => {
  const { db, accounts } = await setup(t);
  const u = await accounts.create({ username: 'op99', displayName: 'オペ99', roles: ['operator'], password: 'console-secret', sipPassword: 'sip-secret-99' }, admin);
  const row = await db('users').where({ id: u.id }).first();
  t.match(row.password_hash, /^scrypt\$32768\$8\$1\$/);
  t.ok(await verifyPassword('console-secret', row.password_hash));
  t.notOk(await verifyPassword('console-secreT', row.password_hash));
  const sip = await accounts.users.sipAccount('op99');
  t.equal(sip?.ha1Md5, createHash('md5').update('op99:setagaya-call:sip-secret-99').digest('hex'));
  t.equal(sip?.ha1Sha256, createHash('sha256').update('op99:setagaya-call:sip-secret-99').digest('hex'));
  const dump = JSON.stringify(await db('sip_accounts').select()) + JSON.stringify(await db('audit_log').select());
  t.notMatch(dump, /sip-secret-99|console-secret/, 'no password in clear anywhere');
  const [entry] = await new AuditRepository(db).list({ action: 'user.create' });
  t.same(entry?.detail, { username: 'op99', roles: ['operator'], departmentId: null, sip: true });
});

t.test('taking rights away ends the user\'s sessions; an admin cannot lock themself out', async (t) => {
  const { db, accounts } = await setup(t);
  const me = await accounts.create({ username: 'root1', displayName: '管理者', roles: ['admin'], password: 'admin-secret-1' }, admin);
  const u = await accounts.create({ username: 'staff1', displayName: '区職員', roles: ['ward_staff', 'faq_author'], departmentId: 'kazei', password: 'staff-secret-1' }, admin);
  const sessions = new SessionsRepository(db);
  const session = (id: string) => ({ id, userId: u.id, csrfToken: 'c', createdAt: '', lastSeenAt: '', expiresAt: '9999', ip: null, userAgent: null });
  await sessions.create(session('s1'));
  await accounts.update(u.id, { displayName: '区職員（課税課）' }, admin);
  t.ok(await sessions.get('s1'), 'a harmless change keeps the session');
  await accounts.update(u.id, { roles: ['ward_staff'] }, admin);
  t.notOk(await sessions.get('s1'), 'losing a role ends it');
  t.same((await accounts.users.byId(u.id))?.roles, ['ward_staff']);
  await sessions.create(session('s2'));
  await accounts.setDisabled(u.id, true, admin);
  t.notOk(await sessions.get('s2'), 'disabling ends it');
  t.ok((await accounts.users.byId(u.id))?.disabledAt);

  const self = { id: me.id, name: 'root1' };
  await t.rejects(accounts.update(me.id, { roles: ['operator'] }, self), /管理者権限は外せません/);
  await t.rejects(accounts.setDisabled(me.id, true, self), /自分自身は無効にできません/);
  await t.rejects(accounts.update(u.id, { roles: ['faq_author'], departmentId: null }, admin), /所属部署が必要/);
});

t.test('a password change ends sessions and is audited without the password', async (t) => {
  const { db, accounts } = await setup(t);
  const u = await accounts.create({ username: 'sv02', displayName: 'SV', roles: ['supervisor'], password: 'first-password' }, admin);
  const sessions = new SessionsRepository(db);
  await sessions.create({ id: 'x', userId: u.id, csrfToken: 'c', createdAt: '', lastSeenAt: '', expiresAt: '9999', ip: null, userAgent: null });
  await t.rejects(accounts.setPassword(u.id, 'short', admin), ValidationError);
  t.ok(await sessions.get('x'), 'a refused change keeps everything');
  await accounts.setPassword(u.id, 'second-password', admin);
  t.notOk(await sessions.get('x'));
  t.ok(await verifyPassword('second-password', (await accounts.users.passwordHash(u.id))!));
  t.equal((await new AuditRepository(db).list({ action: 'user.password' })).length, 1);
});

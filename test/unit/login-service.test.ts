import t, { type Test } from 'tap';
import { AccountService } from '../../apps/accounts/account-service.js';
import { ADDRESS_LIMIT_FACTOR, LoginService, type LoginPolicy } from '../../apps/accounts/login-service.js';
import { UNUSABLE_HASH, verifyPassword } from '../../apps/accounts/password.js';
import { SessionService } from '../../apps/accounts/session-service.js';
import { ManualClock } from '../../apps/time/clock.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { migratedDb } from '../helpers/data.js';

const POLICY: LoginPolicy = { maxFailures: 3, failureWindowMinutes: 15, lockMinutes: 10 };
const MIN = 60_000;
const IP = '192.0.2.10';
const OTHER_IP = '192.0.2.20';

/** A migrated database with alice (active) and bob (disabled), a clock at 10:00 JST, and a login service whose checks are counted. */
async function setup(t: Test) {
  const db = await migratedDb(t);
  const clock = new ManualClock('2027-06-01T01:00:00Z');
  const accounts = new AccountService(db, clock, { minPasswordLength: 10, sipRealm: 'test' });
  const admin = { id: null, name: 'test' };
  const alice = await accounts.create({ username: 'alice', displayName: 'アリス', roles: ['operator'], password: 'alice-password' }, admin);
  const bob = await accounts.create({ username: 'bob', displayName: 'ボブ', roles: ['operator'], password: 'bob-password' }, admin);
  await accounts.setDisabled(bob.id, true, admin);
  const checked: string[] = [];
  const verify = (password: string, hash: string) => {
    checked.push(hash);
    return verifyPassword(password, hash);
  };
  const login = new LoginService(db, clock, POLICY, verify);
  const audit = new AuditRepository(db);
  const actions = async (actor: string) => (await audit.list({ limit: 1000 })).filter((r) => r.actor === actor).map((r) => r.action).reverse();
  return { db, clock, accounts, login, audit, actions, checked, alice, bob };
}

t.test('the right password logs in, a wrong one does not, and both are audited', async (t) => {
  const { login, actions } = await setup(t);
  const bad = await login.authenticate('alice', 'wrong-password', IP);
  t.same({ ok: bad.ok, reason: !bad.ok && bad.reason }, { ok: false, reason: 'invalid' });
  const good = await login.authenticate('  Alice ', 'alice-password', IP);
  t.ok(good.ok, 'the name is trimmed and compared in lower case');
  t.equal(good.ok && good.user.username, 'alice');
  t.same(await actions('alice'), ['login.fail', 'login.ok']);
});

t.test('a name is locked after maxFailures failures, without a password check, until lockMinutes have passed', async (t) => {
  const { login, clock, checked, actions, audit } = await setup(t);
  for (let i = 1; i <= 2; i++) {
    const r = await login.authenticate('alice', `wrong-${i}`, IP);
    t.equal(!r.ok && r.lockedUntil, undefined, `failure ${i} does not lock`);
  }
  clock.advance(2 * MIN);
  const third = await login.authenticate('alice', 'wrong-3', IP);
  t.equal(!third.ok && third.reason, 'invalid');
  t.equal(!third.ok && third.lockedUntil?.toISOString(), '2027-06-01T01:12:00.000Z', 'locked from the third failure on');
  t.match(!third.ok && third.message, /10:12/, 'the person is told when to retry, in JST');

  clock.advance(5 * MIN);
  const checks = checked.length;
  const locked = await login.authenticate('alice', 'alice-password', IP);
  t.equal(!locked.ok && locked.reason, 'locked', 'even the right password is refused');
  t.match(!locked.ok && locked.message, /10:12 以降/);
  t.equal(checked.length, checks, 'no password check while locked');

  clock.set('2027-06-01T01:11:59Z');
  t.equal((await login.authenticate('alice', 'alice-password', IP)).ok, false, 'still locked one second before the end');
  clock.set('2027-06-01T01:12:00Z');
  t.equal((await login.authenticate('alice', 'alice-password', IP)).ok, true, 'unlocked after lockMinutes');

  t.same(await actions('alice'), ['login.fail', 'login.fail', 'login.fail', 'login.locked', 'login.locked', 'login.locked', 'login.ok']);
  const [lockStart] = await audit.list({ action: 'login.locked', limit: 3 }).then((r) => r.reverse());
  t.same(lockStart?.detail, { scope: 'user', until: '2027-06-01T01:12:00.000Z', refused: false });
  t.equal(lockStart?.ip, IP);
});

t.test('failures further apart than the window do not add up', async (t) => {
  const { login, clock } = await setup(t);
  await login.authenticate('alice', 'wrong-1', IP);
  await login.authenticate('alice', 'wrong-2', IP);
  clock.advance(16 * MIN);
  const r = await login.authenticate('alice', 'wrong-3', IP);
  t.equal(!r.ok && r.lockedUntil, undefined);
  t.equal((await login.authenticate('alice', 'alice-password', IP)).ok, true);
});

t.test("a success starts the name's count over", async (t) => {
  const { login } = await setup(t);
  await login.authenticate('alice', 'wrong-1', IP);
  await login.authenticate('alice', 'wrong-2', IP);
  t.equal((await login.authenticate('alice', 'alice-password', IP)).ok, true);
  await login.authenticate('alice', 'wrong-3', IP);
  await login.authenticate('alice', 'wrong-4', IP);
  t.equal((await login.authenticate('alice', 'alice-password', IP)).ok, true, 'two failures after the success are under the limit');
});

t.test('an address has a limit of its own across names, which its own successes do not reset', async (t) => {
  const { login, audit } = await setup(t);
  const limit = POLICY.maxFailures * ADDRESS_LIMIT_FACTOR;
  for (let i = 1; i < limit; i++) await login.authenticate(`guess${i}`, 'password-1', IP);
  t.equal((await login.authenticate('alice', 'alice-password', IP)).ok, true, 'one under the limit the address still works');
  const last = await login.authenticate('guess-last', 'password-1', IP);
  t.ok(!last.ok && last.lockedUntil, 'the failure that reaches the limit locks the address');
  const refused = await login.authenticate('alice', 'alice-password', IP);
  t.equal(!refused.ok && refused.reason, 'locked', 'even after a success from it, the address is locked');
  t.equal((await login.authenticate('alice', 'alice-password', OTHER_IP)).ok, true, 'the same account from another address works');
  const [entry] = await audit.list({ action: 'login.locked', limit: 1 });
  t.same(entry?.detail && { scope: entry.detail.scope, refused: entry.detail.refused }, { scope: 'ip', refused: true });
});

t.test('a disabled user is refused even with the right password', async (t) => {
  const { login, audit } = await setup(t);
  const wrong = await login.authenticate('bob', 'wrong-password', IP);
  t.equal(!wrong.ok && wrong.reason, 'invalid', 'a wrong password gets the usual answer');
  const right = await login.authenticate('bob', 'bob-password', IP);
  t.equal(!right.ok && right.reason, 'disabled');
  t.match(!right.ok && right.message, /無効/);
  const [entry] = await audit.list({ action: 'login.fail', limit: 1 });
  t.same(entry?.detail, { reason: 'disabled' });
  t.equal(entry?.actor, 'bob');
});

t.test('an unknown name gets the same answer after a real scrypt check, and is counted and locked', async (t) => {
  const { login, checked, actions } = await setup(t);
  const known = await login.authenticate('alice', 'nope-nope-nope', IP);
  const unknown = await login.authenticate('mallory', 'nope-nope-nope', IP);
  t.equal(!unknown.ok && unknown.message, !known.ok && known.message, 'same message as a wrong password');
  t.equal(checked.at(-1), UNUSABLE_HASH, 'the check ran against the unusable hash');
  await login.authenticate('mallory', 'nope-2', IP);
  const third = await login.authenticate('mallory', 'nope-3', IP);
  t.ok(!third.ok && third.lockedUntil, 'unknown names lock like real ones');
  t.equal((await login.authenticate('mallory', 'nope-4', IP)).ok, false);
  t.same(await actions('mallory'), ['login.fail', 'login.fail', 'login.fail', 'login.locked', 'login.locked']);
});

t.test('sessions: hashed token, idle and absolute expiry, logout, sweep', async (t) => {
  const { db, clock, accounts, alice, actions } = await setup(t);
  const sessions = new SessionService(db, clock, { sessionHours: 2, idleMinutes: 30 });
  const started = await sessions.start(alice, { ip: IP, userAgent: 'test' });
  t.match(started.token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  t.equal(started.expiresAt.toISOString(), '2027-06-01T03:00:00.000Z');
  const rows = await db('sessions').select('id');
  t.equal(rows.length, 1);
  t.not(rows[0].id, started.token, 'the database holds the hash, not the token');
  t.match(rows[0].id, /^[0-9a-f]{64}$/);

  const s = await sessions.resolve(started.token);
  t.equal(s?.user.username, 'alice');
  t.equal(s?.csrfToken, started.csrfToken);
  t.equal(await sessions.resolve(started.token.slice(0, -1) + (started.token.endsWith('A') ? 'B' : 'A')), undefined, 'another token opens nothing');

  // Used every 25 minutes, the session lives until its absolute end.
  for (let i = 0; i < 4; i++) {
    clock.advance(25 * MIN);
    t.ok(await sessions.resolve(started.token), `alive at +${(i + 1) * 25} min`);
  }
  clock.set('2027-06-01T03:00:00Z');
  t.equal(await sessions.resolve(started.token), undefined, 'ended at sessionHours');
  t.equal((await db('sessions').count('* as n'))[0]?.n, 0, 'and deleted');

  const idle = await sessions.start(alice, { ip: IP, userAgent: null });
  clock.advance(30 * MIN);
  t.equal(await sessions.resolve(idle.token), undefined, 'ended after idleMinutes without use');

  const swept = await sessions.start(alice, { ip: IP, userAgent: null });
  const kept = await sessions.start(alice, { ip: IP, userAgent: null });
  clock.advance(20 * MIN);
  await sessions.resolve(kept.token);
  clock.advance(15 * MIN);
  t.equal(await sessions.sweep(), 1, 'the sweep deletes the idle one');
  t.ok(await sessions.resolve(kept.token));
  t.equal(await sessions.resolve(swept.token), undefined);

  const active = await sessions.resolve(kept.token);
  await sessions.end(active!, IP);
  t.equal(await sessions.resolve(kept.token), undefined, 'logged out');
  t.equal((await actions('alice')).at(-1), 'logout');

  const again = await sessions.start(alice, { ip: IP, userAgent: null });
  await accounts.users.update(alice.id, { disabled: true }, clock.now());
  t.equal(await sessions.resolve(again.token), undefined, 'a disabled user has no session');
});

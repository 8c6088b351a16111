import t from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { ManualClock } from '../../apps/time/clock.js';
import { createLogger } from '../../appliance/log.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { migratedDb } from '../helpers/data.js';
import { serve } from '../helpers/serve.js';
import { Client, consoleSite } from '../helpers/console-client.js';

/** The error paragraph tied to a form field. */
const fieldError = (html: string, field: string) => new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1];

const db = await migratedDb(t);
const clock = new ManualClock('2027-06-01T00:00:00Z');
const config = parseConfig({});
const base = await consoleSite(t, {
  db,
  clock,
  config,
  users: [
    { username: 'admin', displayName: '管理者テスト', roles: ['admin'] },
    { username: 'op01', displayName: 'オペレーター壱', roles: ['operator'] },
  ],
});
const users = new UsersRepository(db);
const op = new Client(base);
const admin = new Client(base);

t.test('health and assets need no login', async (t) => {
  const health = await new Client(base).get('/healthz');
  t.equal(health.status, 200);
  t.match(JSON.parse(health.text), { process: 'console', status: 'ok', parts: { database: { state: 'up' } } });
  const css = await new Client(base).get('/assets/console.css');
  t.equal(css.status, 200);
  t.match(css.headers.get('content-type'), /text\/css/);
  t.match(css.text, /:focus-visible/);
});

t.test('anonymous requests go to the login page, or get 401 when they ask for JSON', async (t) => {
  const c = new Client(base);
  const page = await c.get('/admin/users');
  t.equal(page.status, 303);
  t.equal(page.location, '/login?next=%2Fadmin%2Fusers');
  t.equal((await c.get('/', { accept: 'application/json' })).status, 401);
  const post = await c.post('/admin/users/new', { username: 'sneaky' });
  t.equal(post.status, 303, 'a POST without a session is sent to log in');
  t.equal(await users.byUsername('sneaky'), undefined);
});

t.test('the login form: token cookie, wrong password, right password', async (t) => {
  const form = await op.get('/login');
  t.equal(form.status, 200);
  t.match(form.text, /<html lang="ja">/);
  t.match(form.text, /<label for="username">/);
  t.match(form.text, /<label for="password">/);
  t.match(op.setCookies[0], /^sc_login=[^;]+; Path=\/login; HttpOnly; SameSite=Strict$/);
  t.equal(form.headers.get('cache-control'), 'no-store');
  t.match(form.headers.get('content-security-policy'), /default-src 'self'.*frame-ancestors 'none'/);
  t.equal(form.headers.get('x-content-type-options'), 'nosniff');
  t.equal(form.headers.get('referrer-policy'), 'no-referrer');
  t.equal(form.headers.get('x-powered-by'), null);

  const noToken = await new Client(base).post('/login', { username: 'op01', password: 'op01-password' });
  t.equal(noToken.status, 403, 'a login POST without the form token is refused');

  const wrong = await op.login('op01', 'not-the-password');
  t.equal(wrong.status, 401);
  t.match(fieldError(wrong.text, 'password'), /ユーザー名またはパスワードが違います/, 'the error is next to the password field');
  t.match(wrong.text, /id="username" name="username" type="text" value="op01"/, 'the user name is kept');
  t.match(wrong.text, /aria-invalid="true" aria-describedby="password-error"/);

  const empty = await op.post('/login', { _csrf: op.jar.get('sc_login')!, username: '', password: '' });
  t.equal(empty.status, 400);
  t.match(fieldError(empty.text, 'username'), /ユーザー名を入力してください/);

  const right = await op.login('op01', 'op01-password');
  t.equal(right.status, 303);
  t.equal(right.location, '/');
  const cookie = op.setCookies.find((c) => c.startsWith('sc_session='));
  t.match(cookie, /^sc_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/, 'HttpOnly, SameSite=Strict, not Secure without TLS');

  const home = await op.get('/');
  t.equal(home.status, 200);
  t.match(home.text, /オペレーター壱/);
  t.match(home.text, /<dt>役割<\/dt><dd>オペレーター<\/dd>/);
  t.match(home.text, /2027-06-01 21:00 \(日本時間\)/, 'the session end in JST (12 h after 09:00 JST)');
  t.notMatch(home.text, /href="\/admin\/users"/, 'no admin links for an operator');
  t.equal(home.headers.get('cache-control'), 'no-store');
});

t.test('POSTs without the session CSRF token are refused', async (t) => {
  const noToken = await op.post('/logout', {});
  t.equal(noToken.status, 403);
  const wrongToken = await op.post('/logout', { _csrf: 'x'.repeat(43) });
  t.equal(wrongToken.status, 403);
  t.equal((await op.get('/')).status, 200, 'still logged in');
});

t.test('an operator is refused the admin pages and actions by the server', async (t) => {
  t.equal((await op.get('/admin/users')).status, 403);
  t.equal((await op.get('/admin/audit')).status, 403);
  t.equal((await op.get('/admin/users/1')).status, 403);
  const _csrf = await op.csrf('/');
  const created = await op.post('/admin/users/new', { _csrf, username: 'intruder', displayName: 'x', roles: 'admin', password: 'long-enough-pw' });
  t.equal(created.status, 403);
  t.equal(await users.byUsername('intruder'), undefined, 'no user was created');
});

t.test('the administrator creates users; bad input comes back with its message and changes nothing', async (t) => {
  t.equal((await admin.login('admin', 'admin-password')).status, 303);
  const home = await admin.get('/');
  t.match(home.text, /href="\/admin\/users"/);
  t.match(home.text, /href="\/admin\/audit"/);
  const list = await admin.get('/admin/users');
  t.equal(list.status, 200);
  t.match(list.text, /op01[\s\S]*オペレーター壱[\s\S]*オペレーター[\s\S]*有効/);

  const before = (await users.list()).length;
  const _csrf = await admin.csrf('/admin/users/new');
  const badName = await admin.post('/admin/users/new', { _csrf, username: 'Bad Name!', displayName: '新人', roles: 'operator', departmentId: '', password: 'new-user-password' });
  t.equal(badName.status, 400);
  t.match(fieldError(badName.text, 'username'), /ユーザー名は英小文字で始まる/);
  t.match(badName.text, /value="Bad Name!"/, 'what was typed is kept');
  t.match(badName.text, /id="roles-operator" name="roles" value="operator" checked/);

  const noDept = await admin.post('/admin/users/new', { _csrf, username: 'ward02', displayName: '区職員', roles: 'ward_staff', departmentId: '', password: 'new-user-password' });
  t.equal(noDept.status, 400);
  t.match(fieldError(noDept.text, 'departmentId'), /所属部署が必要です/);
  t.equal((await users.list()).length, before, 'no user was created');

  const good = await admin.post('/admin/users/new', { _csrf, username: 'ward02', displayName: '国保 職員', roles: ['ward_staff', 'faq_author'], departmentId: 'kokuho-nenkin', password: 'new-user-password', sipPassword: '' });
  t.equal(good.status, 303);
  const created = await users.byUsername('ward02');
  t.same(created && { roles: created.roles, departmentId: created.departmentId }, { roles: ['faq_author', 'ward_staff'], departmentId: 'kokuho-nenkin' });
  t.equal(good.location, `/admin/users/${created?.id}?saved=created`);
  const page = await admin.get(good.location!);
  t.match(page.text, /ユーザーを作成しました/);
  t.match(page.text, /<option value="kokuho-nenkin" selected>/);
});

t.test('editing: bad input changes nothing; disabling ends the sessions of the user', async (t) => {
  const target = (await users.byUsername('op01'))!;
  const path = `/admin/users/${target.id}`;
  const _csrf = await admin.csrf(path);
  const bad = await admin.post(path, { _csrf, action: 'profile', displayName: '   ', roles: 'operator', departmentId: '' });
  t.equal(bad.status, 400);
  t.match(fieldError(bad.text, 'displayName'), /表示名を1〜64文字/);
  t.equal((await users.byId(target.id))?.displayName, 'オペレーター壱', 'nothing changed');

  const shortPw = await admin.post(path, { _csrf, action: 'password', password: 'short' });
  t.equal(shortPw.status, 400);
  t.match(fieldError(shortPw.text, 'password'), /10文字以上/);

  const self = (await users.byUsername('admin'))!;
  const selfDisable = await admin.post(`/admin/users/${self.id}`, { _csrf, action: 'disable' });
  t.equal(selfDisable.status, 400);
  t.match(fieldError(selfDisable.text, 'user'), /自分自身は無効にできません/);

  t.equal((await admin.get('/admin/users/99999')).status, 404);

  t.equal((await op.get('/')).status, 200, 'op01 is logged in');
  const disabled = await admin.post(path, { _csrf, action: 'disable' });
  t.equal(disabled.status, 303);
  t.ok((await users.byId(target.id))?.disabledAt);
  const after = await op.get('/');
  t.equal(after.status, 303, 'op01 is logged out');
  t.equal(after.location, '/login');
  const again = await op.login('op01', 'op01-password');
  t.equal(again.status, 403);
  t.match(again.text, /このアカウントは無効になっています/);
});

t.test('the audit page shows the logins and changes, and the chain verifies', async (t) => {
  const page = await admin.get('/admin/audit');
  t.equal(page.status, 200);
  for (const action of ['login.ok', 'login.fail', 'user.create', 'user.disable']) t.match(page.text, `<code>${action}</code>`, action);
  t.match(page.text, /改ざんは見つかりません/);
  const older = await admin.get('/admin/audit?before=3');
  t.match(older.text, /ID 3 より前/);
  t.match(older.text, /<td>2<\/td>/);
  t.notMatch(older.text, /<td>3<\/td>/);
});

t.test('logging out ends the session and is audited', async (t) => {
  const _csrf = await admin.csrf('/');
  const token = admin.jar.get('sc_session')!;
  const out = await admin.post('/logout', { _csrf });
  t.equal(out.status, 303);
  t.equal(out.location, '/login?out=1');
  t.equal(admin.jar.get('sc_session'), undefined, 'the cookie is cleared');
  const replay = new Client(base);
  replay.jar.set('sc_session', token);
  t.equal((await replay.get('/')).status, 303, 'the old token opens nothing');
  const [last] = await db('audit_log').orderBy('id', 'desc').limit(1);
  t.equal(last.action, 'logout');
  t.equal(last.actor, 'admin');
});

t.test('the client address comes from X-Forwarded-For only behind a configured proxy', async (t) => {
  const failedLoginIp = async (trustedProxies: string[]) => {
    const c = new Client(await serve(t, createConsoleApp({ db, clock, config: parseConfig({ console: { trustedProxies } }), log: createLogger('console', 'error', () => {}) })));
    const _csrf = await c.csrf('/login');
    await c.send('POST', '/login', { _csrf, username: 'op01', password: 'wrong-password', next: '/' }, { 'x-forwarded-for': '203.0.113.7' });
    const [last] = await db('audit_log').where({ action: 'login.fail' }).orderBy('id', 'desc').limit(1);
    return last.ip as string;
  };
  t.match(await failedLoginIp([]), /127\.0\.0\.1$/, 'a forged header is ignored without a trusted proxy');
  t.equal(await failedLoginIp(['127.0.0.1']), '203.0.113.7', 'the proxy\'s header names the client');
});

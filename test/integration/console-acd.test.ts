/**
 * The console's ACD pages over HTTP against the real call-control process (a Tuesday morning: the centre and
 * the departments' transfer windows are open): who may open what, an operator's own state changes (T6) and
 * nobody else's, CSRF, supervisors changing anyone's, audit entries, callback requests (T7, C10) with field
 * errors that keep the input and store nothing, the CDR API's date checks and CSV for Excel (§16), and the
 * 503 page when call control cannot be reached.
 */
import t from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { createLogger } from '../../appliance/log.js';
import { AccountService } from '../../apps/accounts/account-service.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { systemClock } from '../../apps/time/clock.js';
import { acdConsole, demoPassword } from '../helpers/acd-console.js';
import { Client } from '../helpers/console-client.js';
import { serve } from '../helpers/serve.js';

const CLOCK = '2027-06-01T10:00:00+09:00';
const site = await acdConsole(t, { clock: CLOCK });
const db = site.cc.db;

// A ward staff member of another department than ward01's (kokuho-nenkin).
await new AccountService(db, systemClock, { minPasswordLength: 10, sipRealm: 'setagaya-call' }).create(
  { username: 'ward02', displayName: '清掃 職員', roles: ['ward_staff'], departmentId: 'seiso-recycle', password: demoPassword('ward02') },
  { id: null, name: 'test' },
);

async function login(user: string): Promise<Client> {
  const c = new Client(site.base);
  const r = await c.login(user, demoPassword(user));
  if (r.status !== 303) throw new Error(`login of ${user} failed: ${r.status}`);
  return c;
}

const stateOf = async (agent: string) => (await site.api.agents()).find((a) => a.agent === agent);
const audits = (action: string) => db('audit_log').where({ action }).orderBy('id');

t.test('who may open which ACD page', async (t) => {
  const anonymous = await new Client(site.base).get('/acd/wallboard');
  t.equal(anonymous.status, 303, 'no session: sent to log in');
  t.match(anonymous.location, /^\/login\?next=%2Facd%2Fwallboard/);

  const cdr = '/acd/cdr?from=2027-06-01&to=2027-06-01';
  const table: [string, Record<string, number>][] = [
    ['op01', { '/acd/wallboard': 200, '/acd/me': 200, '/acd/callbacks': 403, '/acd/callbacks/new': 200, [cdr]: 403 }],
    ['sv01', { '/acd/wallboard': 200, '/acd/me': 200, '/acd/callbacks': 200, '/acd/callbacks/new': 200, [cdr]: 200 }],
    ['manager', { '/acd/wallboard': 200, '/acd/me': 403, '/acd/callbacks': 200, '/acd/callbacks/new': 403, [cdr]: 200 }],
    ['ward01', { '/acd/wallboard': 403, '/acd/me': 403, '/acd/callbacks': 200, '/acd/callbacks/new': 403, [cdr]: 403 }],
    ['admin', { '/acd/wallboard': 403, '/acd/me': 403, '/acd/callbacks': 403, '/acd/callbacks/new': 403, [cdr]: 403 }],
  ];
  for (const [user, pages] of table) {
    const c = await login(user);
    for (const [path, status] of Object.entries(pages)) t.equal((await c.get(path)).status, status, `${user} ${path}: ${status}`);
  }

  const op = await login('op01');
  const home = (await op.get('/')).text;
  t.match(home, /href="\/acd\/me"/, "an operator's menu has their panel");
  t.match(home, /href="\/acd\/wallboard"/, '… and the wallboard');
  const ward = (await (await login('ward01')).get('/')).text;
  t.match(ward, /href="\/acd\/callbacks"/, "ward staff's menu has the callback list");
  t.notMatch(ward, /href="\/acd\/wallboard"/, '… and no wallboard');
});

t.test('the wallboard is complete without JavaScript: queues by name, totals, operators', async (t) => {
  const page = (await (await login('sv01')).get('/acd/wallboard')).text;
  t.match(page, /<th scope="row">一般<\/th>/, 'the general queue by its name');
  t.match(page, /<th scope="row">英語<\/th>/, 'the English queue by its name');
  t.match(page, /data-queue="total"/, 'the centre total');
  t.match(page, /<tr data-agent="op01">/, 'op01 in the operators table');
  t.match(page, /<script src="\/live\/socket\.io\.js"/, 'the live client is served by the console itself');
});

t.test('an operator changes their own state, and nobody else', async (t) => {
  const op = await login('op01');
  t.match((await op.get('/acd/me')).text, /ログアウト/, 'op01 starts logged out');
  const csrf = await op.csrf('/acd/me');

  const loggedIn = await op.post('/acd/agents/op01/state', { _csrf: csrf, choice: 'ready', contact: 'softphone' });
  t.equal(loggedIn.status, 303);
  t.equal(loggedIn.location, '/acd/me?done=state');
  t.match(await stateOf('op01'), { state: 'ready', contact: { kind: 'softphone' } }, 'call control has op01 ready on the softphone');
  const entry = (await audits('acd.agent.state')).at(-1);
  t.match(entry, { actor: 'op01', entity: 'agent', entity_id: 'op01' }, 'audited with who did it');
  t.match(JSON.parse(entry.detail as string), { state: 'ready', contact: 'softphone', result: 'ready' });

  const other = await op.post('/acd/agents/op02/state', { _csrf: csrf, choice: 'ready', contact: 'softphone' });
  t.equal(other.status, 403, "op01 cannot change op02's state");
  t.equal((await stateOf('op02'))?.state, 'logged_out', 'op02 is untouched');

  const noToken = await op.post('/acd/agents/op01/state', { choice: 'not_ready:break' });
  t.equal(noToken.status, 403, 'a form without the CSRF token is refused');
  const badToken = await op.post('/acd/agents/op01/state', { _csrf: 'x'.repeat(43), choice: 'not_ready:break' });
  t.equal(badToken.status, 403, 'a form with a wrong CSRF token is refused');
  t.equal((await stateOf('op01'))?.state, 'ready', 'and the state did not change');

  const bogus = await op.post('/acd/agents/op01/state', { _csrf: csrf, choice: 'not_ready:missed' });
  t.equal(bogus.status, 400, '不在着信 is the ACD\'s reason, not one an operator picks');

  const away = await op.post('/acd/agents/op01/state', { _csrf: csrf, choice: 'not_ready:break' });
  t.equal(away.status, 303);
  t.match(await stateOf('op01'), { state: 'not_ready', reason: 'break' });
  t.match((await op.get('/acd/me')).text, /離席（休憩）/, 'the panel shows the state with its reason');

  const wrap = await op.post('/acd/agents/op01/wrap-up-end', { _csrf: csrf });
  t.equal(wrap.status, 409, 'ending wrap-up outside wrap-up is refused by call control');
  t.match(wrap.text, /操作できませんでした/, '… and said on the panel');
  t.match(JSON.parse((await audits('acd.agent.wrap-up-end')).at(-1).detail as string), { refused: 'bad-transition' }, 'the refused command is audited too');

  const noCall = await op.post('/acd/me/transfer', { _csrf: csrf, department: 'kokuho-nenkin', mode: 'blind' });
  t.equal(noCall.status, 409, 'no transfer without a call');
  t.match(noCall.text, /現在の通話がありません/);
});

t.test('logging in on an external number: a bad number is shown with the input kept and nothing sent', async (t) => {
  const op = await login('op02');
  const csrf = await op.csrf('/acd/me');
  const bad = await op.post('/acd/agents/op02/state', { _csrf: csrf, choice: 'ready', contact: 'external', number: '090-12ab' });
  t.equal(bad.status, 400);
  t.match(bad.text, /id="number-error"/, 'the error sits by the field');
  t.match(bad.text, /value="090-12ab"/, 'the number as typed is kept');
  t.equal((await stateOf('op02'))?.state, 'logged_out', 'op02 stays logged out');
  const good = await op.post('/acd/agents/op02/state', { _csrf: csrf, choice: 'ready', contact: 'external', number: '090-1234-5678' });
  t.equal(good.status, 303);
  t.match(await stateOf('op02'), { state: 'ready', contact: { kind: 'external', number: '09012345678' } });
});

t.test("a supervisor changes any operator's state from the wallboard", async (t) => {
  const sv = await login('sv01');
  t.match((await sv.get('/acd/wallboard')).text, /action="\/acd\/agents\/op01\/state"/, 'a supervisor gets a control for a logged-in operator');
  t.notMatch((await (await login('op01')).get('/acd/wallboard')).text, /action="\/acd\/agents\/op01\/state"/, 'an operator gets no controls on the wallboard');
  const csrf = await sv.csrf('/acd/wallboard');
  const r = await sv.post('/acd/agents/op01/state', { _csrf: csrf, choice: 'ready', back: 'wallboard' });
  t.equal(r.status, 303);
  t.equal(r.location, '/acd/wallboard?done=state');
  t.equal((await stateOf('op01'))?.state, 'ready');
  t.match((await audits('acd.agent.state')).at(-1), { actor: 'sv01', entity_id: 'op01' }, 'audited as the supervisor');
  const out = await sv.post('/acd/agents/op02/state', { _csrf: csrf, choice: 'logged_out', back: 'wallboard' });
  t.equal(out.status, 303);
  t.equal((await stateOf('op02'))?.state, 'logged_out');
});

t.test('callback requests: errors by their fields, the department sees its own, done erases the personal data', async (t) => {
  const count = async () => Number(((await db('callbacks').count({ n: '*' }).first()) as { n: number }).n);
  const op = await login('op01');
  const csrf = await op.csrf('/acd/callbacks/new');
  const typed = { _csrf: csrf, callerName: '世田谷 太郎', number: '03-12ab', topic: '', departmentId: 'kokuho-nenkin', preferredTime: '平日の午前', language: 'ja' };
  const bad = await op.post('/acd/callbacks', typed);
  t.equal(bad.status, 400);
  t.match(bad.text, /id="number-error"/, 'the number error by its field');
  t.match(bad.text, /id="topic-error"/, 'the topic error by its field');
  t.match(bad.text, /value="世田谷 太郎"/, 'the name as typed is kept');
  t.match(bad.text, /value="03-12ab"/, 'the number as typed is kept');
  t.match(bad.text, /value="平日の午前"/, 'the preferred time is kept');
  t.match(bad.text, /<option value="kokuho-nenkin" selected>/, 'the department is kept');
  const unknownDept = await op.post('/acd/callbacks', { ...typed, number: '03-1234-5678', topic: '保険証の再発行', departmentId: 'no-such-dept' });
  t.equal(unknownDept.status, 400, 'an unknown department is refused');
  t.match(unknownDept.text, /id="departmentId-error"/);
  t.equal(await count(), 0, 'nothing was stored');

  const ok = await op.post('/acd/callbacks', { ...typed, number: '03-1234-5678', topic: '保険証の再発行について' });
  t.equal(ok.status, 303);
  t.equal(ok.location, '/acd/callbacks/new?done=created', 'an operator, who has no list, is back at the form');
  t.equal(await count(), 1);
  const created = (await audits('callback.create')).at(-1);
  t.ok(created, 'the creation is audited');
  t.notMatch(String(created.detail), /0312345678|世田谷|保険証/, "…without the caller's personal data (C10)");

  const ward01 = await login('ward01');
  const list = (await ward01.get('/acd/callbacks')).text;
  t.match(list, /0312345678/, "the department's staff see the request");
  t.match(list, /保険証の再発行について/);
  const ward02 = await login('ward02');
  t.notMatch((await ward02.get('/acd/callbacks')).text, /0312345678/, "another department's staff do not");
  t.match((await (await login('manager')).get('/acd/callbacks')).text, /0312345678/, 'the manager sees all');

  const id = ((await db('callbacks').first('id')) as { id: number }).id;
  const foreign = await ward02.post(`/acd/callbacks/${id}/done`, { _csrf: await ward02.csrf('/acd/callbacks') });
  t.equal(foreign.status, 404, "another department cannot close it (or learn it exists)");
  t.equal(((await db('callbacks').where({ id }).first()) as { status: string }).status, 'open');

  const done = await ward01.post(`/acd/callbacks/${id}/done`, { _csrf: await ward01.csrf('/acd/callbacks') });
  t.equal(done.status, 303);
  t.match(await db('callbacks').where({ id }).first(), { status: 'done', done_by: 'ward01', caller_name: null, number: null, topic: null, preferred_time: null }, 'personal data erased at once (C10)');
  t.notMatch((await ward01.get('/acd/callbacks')).text, /0312345678/, 'gone from the list');
  t.match((await audits('callback.done')).at(-1), { actor: 'ward01', entity_id: String(id) }, 'audited');
  const again = await ward01.post(`/acd/callbacks/${id}/done`, { _csrf: await ward01.csrf('/acd/callbacks') });
  t.equal(again.status, 404, 'a closed request cannot be closed again');
});

t.test('the CDR API: dates checked, JSON or CSV for Excel with the BOM', async (t) => {
  const sv = await login('sv01');
  for (const [query, why] of [
    ['from=2027-06-02&to=2027-06-01', /to is before from/],
    ['from=2027-02-30&to=2027-03-01', /from: YYYY-MM-DD/],
    ['from=2027-06-01', /to: YYYY-MM-DD/],
    ['from=2027-06-01&to=2027-06-01&format=xml', /json or csv/],
    ['from=2026-01-01&to=2027-06-01', /at most 366 days/],
  ] as const) {
    const r = await sv.get(`/acd/cdr?${query}`);
    t.equal(r.status, 400, `${query}: 400`);
    const body = JSON.parse(r.text) as Record<string, unknown>;
    t.same(Object.keys(body), ['error'], 'the reason and nothing else');
    t.match(body.error, why);
  }
  const json = await sv.get('/acd/cdr?from=2027-06-01&to=2027-06-01');
  t.equal(json.status, 200);
  t.match(JSON.parse(json.text), { from: '2027-06-01', to: '2027-06-01', calls: [] });

  // fetch's text() drops a BOM: read the bytes.
  const res = await fetch(`${site.base}/acd/cdr?from=2027-06-01&to=2027-06-01&format=csv`, { headers: { cookie: [...sv.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  t.match(res.headers.get('content-disposition'), /cdr-20270601-20270601\.csv/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM, for Excel');
  t.ok((await audits('cdr.export')).length >= 2, 'each export is audited');
});

t.test('without call control: a 503 page, never a crash', async (t) => {
  // A console whose data folder has no ACD token yet (prepare did not run).
  const bare = new Client(await serve(t, createConsoleApp({ db, clock: systemClock, config: parseConfig({}), log: createLogger('console', 'error', () => {}) })));
  await bare.login('sv01', demoPassword('sv01'));
  const page = await bare.get('/acd/wallboard');
  t.equal(page.status, 503);
  t.match(page.text, /ACD に接続できません \(call control unavailable\)/);
  const json = await bare.get('/acd/me', { accept: 'application/json' });
  t.equal(json.status, 503);
  t.match(JSON.parse(json.text), { code: 'acd-unavailable' });

  // The real call control dies (a crash: SIGKILL).
  const sv = await login('sv01');
  const csrf = await sv.csrf('/acd/wallboard');
  const exited = new Promise((resolve) => site.cc.child.once('exit', resolve));
  site.cc.child.kill('SIGKILL');
  await exited;
  const down = await sv.get('/acd/wallboard');
  t.equal(down.status, 503, 'the wallboard says call control is unavailable');
  t.match(down.text, /ACD に接続できません/);
  const command = await sv.post('/acd/agents/op01/state', { _csrf: csrf, choice: 'not_ready:break', back: 'wallboard' });
  t.equal(command.status, 503, 'a command gets the same page');
  t.equal((await sv.get('/acd/callbacks')).status, 200, 'callback requests, kept in the database, still work');
  t.equal((await sv.get('/')).status, 200, 'and the console itself is up');
});

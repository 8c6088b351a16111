/** The administrator keeps the ward's election and closed days in the console; everyone sees today's state (T2, T7). */
import t from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { ManualClock } from '../../apps/time/clock.js';
import { Client, consoleSite } from '../helpers/console-client.js';
import { migratedDb } from '../helpers/data.js';

const db = await migratedDb(t);
// Sunday 2027-07-25, 07:00 JST: before the weekend opening at 08:00.
const clock = new ManualClock('2027-07-25T07:00:00+09:00');
const config = parseConfig({});
const base = await consoleSite(t, {
  db,
  clock,
  config,
  users: [
    { username: 'admin', displayName: '管理者', roles: ['admin'] },
    { username: 'op01', displayName: 'オペ', roles: ['operator'] },
  ],
});
const admin = new Client(base);
const op = new Client(base);
t.before(async () => {
  for (const [client, name, password] of [[admin, 'admin', 'admin-password'], [op, 'op01', 'op01-password']] as const) {
    if ((await client.login(name, password)).status !== 303) throw new Error(`${name} cannot log in`);
  }
});

t.test('every role sees whether the centre is staffed now', async (t) => {
  const home = await op.get('/');
  t.match(home.text, /本日のセンター/);
  t.match(home.text, /時間外 — 次の開始 2027-07-25 \(日\) 08:00/, 'closed at 07:00 on a Sunday, opens at 08:00');
  t.match(home.text, /いま転送できる部署<\/dt><dd>0 \/ 31/, 'no department takes transfers on a Sunday');
});

t.test('an election day entered by the administrator opens the centre at 06:30', async (t) => {
  const _csrf = await admin.csrf('/admin/calendar');
  const bad = await admin.post('/admin/calendar', { _csrf, date: '2027-07-32', kind: 'election', name: '参議院議員通常選挙' });
  t.equal(bad.status, 400);
  t.match(bad.text, /id="date-error">日付は YYYY-MM-DD で入力してください/);
  t.match(bad.text, /value="参議院議員通常選挙"/, 'what was typed is kept');
  const noName = await admin.post('/admin/calendar', { _csrf, date: '2027-07-25', kind: 'election', name: ' ' });
  t.equal(noName.status, 400);
  t.match(noName.text, /id="name-error">名称を1〜64文字で/);
  const forged = await admin.post('/admin/calendar', { _csrf, date: '2027-07-25', kind: 'holiday', name: 'x' });
  t.equal(forged.status, 400, 'an unknown kind sent by hand is refused');
  t.equal(Number((await db('calendar_days').where({ kind: 'election' }).count('* as n').first())?.n), 0, 'nothing stored');

  const ok = await admin.post('/admin/calendar', { _csrf, date: '2027-07-25', kind: 'election', name: '参議院議員通常選挙' });
  t.equal(ok.status, 303);
  t.equal(ok.location, '/admin/calendar?done=added');
  const page = await admin.get('/admin/calendar?done=added');
  t.match(page.text, /登録しました/);
  t.match(page.text, /<td>2027-07-25<\/td><td>選挙日 \(election day\)<\/td><td>参議院議員通常選挙<\/td>/);
  t.match(page.text, /有人対応中（本日 06:30〜20:00、選挙日時間帯/, 'the same instant is now staffed, with election hours');
  t.match((await op.get('/')).text, /有人対応中/, 'and every role sees it at once');

  const removed = await admin.post('/admin/calendar/remove', { _csrf, date: '2027-07-25', kind: 'election' });
  t.equal(removed.location, '/admin/calendar?done=removed');
  t.match((await op.get('/')).text, /時間外/);
  const again = await admin.post('/admin/calendar/remove', { _csrf, date: '2027-07-25', kind: 'election' });
  t.equal(again.status, 400);
  t.match(again.text, /はありません/);
  t.same(await db('audit_log').whereLike('action', 'calendar.%').orderBy('id').pluck('action'), ['calendar.put_day', 'calendar.remove_day']);
});

t.test('only the administrator may change the calendar, refused by the server', async (t) => {
  t.equal((await op.get('/admin/calendar')).status, 403);
  const _csrf = await op.csrf('/');
  const r = await op.post('/admin/calendar', { _csrf, date: '2027-08-13', kind: 'ward_closed', name: '臨時閉庁日' });
  t.equal(r.status, 403);
  t.equal(Number((await db('calendar_days').where({ date: '2027-08-13' }).count('* as n').first())?.n), 0);
});

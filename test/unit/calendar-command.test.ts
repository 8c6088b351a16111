import t from 'tap';
import { calendarCommand } from '../../appliance/cli/calendar-command.js';
import { WardCalendar } from '../../apps/calendar/ward-calendar.js';
import { ManualClock } from '../../apps/time/clock.js';
import type { Department } from '../../db/repositories/reference.js';
import { DEPARTMENTS } from '../../db/seeds/departments.js';
import { WARD_CALENDAR_DAYS } from '../../db/seeds/calendar-days.js';

const calendar = new WardCalendar([
  ...WARD_CALENDAR_DAYS,
  { date: '2027-04-25', kind: 'election', name: '世田谷区長選挙・区議会議員選挙' },
]);
const retired: Department = { ...DEPARTMENTS[0]!, id: 'retired-desk', name: '廃止した窓口', active: false };
const departments = [...DEPARTMENTS, retired];

/** Runs the command at `now` and returns its exit code and every line it printed. */
async function run(args: string[], now = '2027-06-01T10:00:00+09:00') {
  const lines: string[] = [];
  const code = await calendarCommand(args, { calendar, departments, clock: new ManualClock(now), out: (l) => lines.push(l) });
  return { code, lines, text: lines.join('\n') };
}

t.test('now: the clock instant, a staffed weekday', async (t) => {
  const r = await run(['now']);
  t.equal(r.code, 0);
  t.same(r.lines, [
    '日時 / instant: 2027-06-01 (火) 10:00:00 JST',
    '日の種類 / day: 平日 / weekday',
    'センター / centre: 有人 / staffed — 本日 08:00〜19:00 平日時間帯 / weekday hours',
  ]);
});

t.test('now with --department on a third Saturday', async (t) => {
  const r = await run(['now', '--department', 'taishido-office'], '2027-06-19T10:00:00+09:00');
  t.equal(r.code, 0);
  t.same(r.lines, [
    '日時 / instant: 2027-06-19 (土) 10:00:00 JST',
    '日の種類 / day: 土曜（第3土曜） / Saturday (3rd)',
    'センター / centre: 有人 / staffed — 本日 08:00〜18:00 土日祝時間帯 / weekend and holiday hours',
    '部署 / department: 太子堂出張所 Taishido Branch Office (taishido-office)',
    '転送: 不可 / transfer not possible — 土曜日（第3土曜）は転送できません',
    '次の転送受付 / next window: 2027-06-21 (月) 08:30',
  ]);
});

t.test('check: a closed centre shows its next opening', async (t) => {
  const r = await run(['check', '2027-12-31T19:00']);
  t.equal(r.code, 0);
  t.equal(r.lines[1], '日の種類 / day: 閉庁日（年末年始閉庁日） / ward offices closed');
  t.equal(
    r.lines[2],
    'センター / centre: 無人 / closed — 本日 08:00〜18:00 土日祝時間帯 / weekend and holiday hours; 次の開始 / next opening: 2028-01-01 (土) 08:00',
  );
  t.equal(r.lines[3], '転送できる部署 / departments taking transfers: 0 / 31');
});

t.test('check counts the active departments that take a transfer at that instant', async (t) => {
  const weekday = await run(['check', '2027-06-01T10:00']);
  t.equal(weekday.lines.at(-1), '転送できる部署 / departments taking transfers: 31 / 31', 'all but the inactive one');
  const saturday = await run(['check', '2027-06-05T10:00']);
  t.equal(saturday.lines.at(-1), '転送できる部署 / departments taking transfers: 11 / 31', '太子堂 and the ten 区民課 desks');
  const now = await run(['now']);
  t.notMatch(now.text, '転送できる部署', 'now prints no count');
});

t.test('check with a department: possible until the window end', async (t) => {
  const r = await run(['check', '2027-06-01 17:00', '--department', 'kazei']);
  t.equal(r.code, 0);
  t.equal(r.lines.at(-1), '転送: 可 / transfer possible — 17:15 まで / until 17:15');
});

t.test('check across the year end names the closure and the first window after it', async (t) => {
  const r = await run(['check', '2027-12-28T18:00', '-d', 'kazei']);
  t.equal(r.code, 0);
  t.same(r.lines.slice(-2), [
    '転送: 不可 / transfer not possible — 受付時間外です（終了後。本日の転送受付は 08:30〜17:15）',
    '次の転送受付 / next window: 2028-01-04 (火) 08:30',
  ]);
});

t.test('day types: holiday, Saturday holiday with closure, election', async (t) => {
  t.equal((await run(['check', '2027-03-22T10:00'])).lines[1], '日の種類 / day: 祝日（春分の日 振替休日） / public holiday');
  t.equal(
    (await run(['check', '2028-01-01T10:00'])).lines[1],
    '日の種類 / day: 土曜・祝日（元日）・閉庁日（年末年始閉庁日） / Saturday, public holiday, ward offices closed',
  );
  const election = await run(['check', '2027-04-25T06:29']);
  t.equal(election.lines[1], '日の種類 / day: 日曜・選挙日（世田谷区長選挙・区議会議員選挙） / Sunday, election day');
  t.match(election.lines[2], /無人 \/ closed — 本日 06:30〜20:00 選挙日時間帯.*next opening: 2027-04-25 \(日\) 06:30$/);
});

t.test('the date-time may come as two words and with an offset', async (t) => {
  t.equal((await run(['check', '2027-06-01', '10:00'])).lines[0], '日時 / instant: 2027-06-01 (火) 10:00:00 JST');
  t.equal((await run(['check', '2027-06-01T10:00:00Z'])).lines[0], '日時 / instant: 2027-06-01 (火) 19:00:00 JST');
});

t.test('an inactive department is refused with no next window', async (t) => {
  const r = await run(['check', '2027-06-01T10:00', '--department', 'retired-desk']);
  t.equal(r.code, 0);
  t.same(r.lines.slice(-2), ['転送: 不可 / transfer not possible — 転送停止中の部署です（廃止した窓口）', '次の転送受付 / next window: なし / none within a year']);
});

t.test('bad input: one clear error line and exit code 2', async (t) => {
  const cases: [args: string[], message: RegExp][] = [
    [['check', '2027-02-30T10:00'], /^エラー \/ error: 日時を読めません \/ cannot read the date-time "2027-02-30T10:00"/],
    [['check', 'tomorrow'], /cannot read the date-time "tomorrow"/],
    [['check'], /^エラー \/ error: usage: sc calendar now/],
    [['now', '2027-06-01T10:00'], /usage: sc calendar now/],
    [['yesterday'], /usage: sc calendar now/],
    [[], /usage: sc calendar now/],
    [['check', '2027-06-01T10:00', '--department', 'nope'], /^エラー \/ error: 部署が見つかりません \/ unknown department "nope"$/],
    [['now', '--dept', 'kazei'], /^エラー \/ error: Unknown option '--dept'/],
    [['check', '2027-06-01T10:00', '--department'], /^エラー \/ error: Option '-d, --department <value>' argument missing/],
    [['check', '2051-06-01T10:00'], /^エラー \/ error: 祝日データの範囲外です \/ no holiday data for 2051-06-01 \(covers 1970-2050\)$/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    t.equal(r.code, 2, `exit code for ${JSON.stringify(args)}`);
    t.equal(r.lines.length, 1, `one line for ${JSON.stringify(args)}`);
    t.match(r.lines[0], message, JSON.stringify(args));
  }
});

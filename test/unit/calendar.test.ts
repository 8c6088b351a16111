import t from 'tap';
import { HOLIDAY_YEARS } from '../../apps/calendar/holidays.js';
import { WardCalendar, type RefusalCode } from '../../apps/calendar/ward-calendar.js';
import { addDays, formatJst, parseInstant, weekdayOf } from '../../apps/time/jst.js';
import type { CalendarDay, Department } from '../../db/repositories/reference.js';
import { DEPARTMENTS } from '../../db/seeds/departments.js';
import { WARD_CALENDAR_DAYS } from '../../db/seeds/calendar-days.js';

/** A JST instant as people write it; the tests' own typos fail loudly. */
function at(s: string): Date {
  const d = parseInstant(s);
  if (!d) throw new Error(`bad instant in test: ${s}`);
  return d;
}

function department(id: string): Department {
  const d = DEPARTMENTS.find((x) => x.id === id);
  if (!d) throw new Error(`no department ${id} in the seeds`);
  return d;
}

const ELECTION: CalendarDay = { date: '2027-04-25', kind: 'election', name: '世田谷区長選挙・区議会議員選挙' };
const calendar = new WardCalendar([...WARD_CALENDAR_DAYS, ELECTION]);
const normal = department('kazei'); // 課税課: weekdays only
const saturdayDesk = department('taishido-office'); // 太子堂出張所: also Saturdays but the third
const inactive: Department = { ...normal, id: 'closed-desk', active: false };

t.test('seed departments are what these tests assume', async (t) => {
  t.equal(normal.saturdayTransfer, false);
  t.equal(saturdayDesk.saturdayTransfer, true);
  t.ok(normal.active && saturdayDesk.active);
});

// The Cabinet Office list (内閣府「国民の祝日について」), written out by hand.
const HOLIDAYS_2027_2028: [date: string, name: string][] = [
  ['2027-01-01', '元日'],
  ['2027-01-11', '成人の日'],
  ['2027-02-11', '建国記念の日'],
  ['2027-02-23', '天皇誕生日'],
  ['2027-03-21', '春分の日'],
  ['2027-03-22', '春分の日 振替休日'],
  ['2027-04-29', '昭和の日'],
  ['2027-05-03', '憲法記念日'],
  ['2027-05-04', 'みどりの日'],
  ['2027-05-05', 'こどもの日'],
  ['2027-07-19', '海の日'],
  ['2027-08-11', '山の日'],
  ['2027-09-20', '敬老の日'],
  ['2027-09-23', '秋分の日'],
  ['2027-10-11', 'スポーツの日'],
  ['2027-11-03', '文化の日'],
  ['2027-11-23', '勤労感謝の日'],
  ['2028-01-01', '元日'],
  ['2028-01-10', '成人の日'],
  ['2028-02-11', '建国記念の日'],
  ['2028-02-23', '天皇誕生日'],
  ['2028-03-20', '春分の日'],
  ['2028-04-29', '昭和の日'],
  ['2028-05-03', '憲法記念日'],
  ['2028-05-04', 'みどりの日'],
  ['2028-05-05', 'こどもの日'],
  ['2028-07-17', '海の日'],
  ['2028-08-11', '山の日'],
  ['2028-09-18', '敬老の日'],
  ['2028-09-22', '秋分の日'],
  ['2028-10-09', 'スポーツの日'],
  ['2028-11-03', '文化の日'],
  ['2028-11-23', '勤労感謝の日'],
];

t.test('public holidays of 2027 and 2028, one by one', async (t) => {
  for (const [date, name] of HOLIDAYS_2027_2028) t.equal(calendar.holiday(date), name, date);
});

t.test('no other day of 2027 and 2028 is a holiday', async (t) => {
  const found: [string, string][] = [];
  for (let d = '2027-01-01'; d <= '2028-12-31'; d = addDays(d, 1)) {
    const name = calendar.holiday(d);
    if (name) found.push([d, name]);
  }
  t.same(found, HOLIDAYS_2027_2028);
});

t.test('the hand-written list agrees with the law: Happy Monday and the equinoxes', async (t) => {
  const nthMonday = (year: number, month: number, n: number) => {
    const first = weekdayOf(year, month, 1);
    const day = 1 + ((8 - first) % 7) + 7 * (n - 1);
    return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  };
  // The usual approximation of the equinox day in JST, good for 1980-2099.
  const equinox = (year: number, base: number) => Math.floor(base + 0.242194 * (year - 1980) - Math.floor((year - 1980) / 4));
  const listed = new Map(HOLIDAYS_2027_2028);
  for (const year of [2027, 2028]) {
    t.equal(listed.get(nthMonday(year, 1, 2)), '成人の日', `${year} 成人の日 = 2nd Monday of January`);
    t.equal(listed.get(nthMonday(year, 7, 3)), '海の日', `${year} 海の日 = 3rd Monday of July`);
    t.equal(listed.get(nthMonday(year, 9, 3)), '敬老の日', `${year} 敬老の日 = 3rd Monday of September`);
    t.equal(listed.get(nthMonday(year, 10, 2)), 'スポーツの日', `${year} スポーツの日 = 2nd Monday of October`);
    t.equal(listed.get(`${year}-03-${equinox(year, 20.8431)}`), '春分の日', `${year} 春分の日`);
    t.equal(listed.get(`${year}-09-${equinox(year, 23.2488)}`), '秋分の日', `${year} 秋分の日`);
  }
});

t.test('振替休日 and 国民の休日 come from the library over the contract period', async (t) => {
  // Every holiday on a Sunday moves to the next day that is not itself a holiday.
  let sundays = 0;
  for (let d = '2027-01-01'; d <= '2031-12-31'; d = addDays(d, 1)) {
    const name = calendar.holiday(d);
    if (!name || calendar.dayInfo(d).weekday !== 0) continue;
    sundays++;
    let next = addDays(d, 1);
    while (calendar.holiday(next) && !calendar.holiday(next)?.endsWith('振替休日')) next = addDays(next, 1);
    // Matched by suffix: the library names 2031-05-06 after こどもの日, though it replaces Sunday's みどりの日.
    t.match(calendar.holiday(next), /振替休日$/, `${d} ${name} -> ${next}`);
  }
  t.ok(sundays >= 5, `found ${sundays} Sunday holidays to check`);
  t.equal(calendar.holiday('2026-09-22'), '国民の休日', 'a weekday between 敬老の日 and 秋分の日');
  t.equal(calendar.holiday('2029-02-12'), '建国記念の日 振替休日');
  t.equal(calendar.holiday('2027-06-01'), null);
});

t.test('the holiday data has an end, and the calendar says so instead of guessing', async (t) => {
  t.equal(HOLIDAY_YEARS.last, 2050);
  t.equal(calendar.holiday('2050-11-23'), '勤労感謝の日');
  t.throws(() => calendar.holiday('2051-01-01'), RangeError);
  t.throws(() => calendar.isStaffed(at('2051-06-01 10:00')), RangeError);
  t.throws(() => calendar.dayInfo('2027-02-30'), RangeError);
  t.throws(() => new WardCalendar([{ date: '2027-13-01', kind: 'ward_closed', name: 'x' }]), RangeError);
});

t.test('on every 2027-2028 holiday the centre keeps weekend hours and no department takes transfers', async (t) => {
  for (const [date, name] of HOLIDAYS_2027_2028) {
    const h = calendar.centreHours(date);
    t.equal(h.kind, 'weekend_holiday', `${date} kind`);
    t.equal(formatJst(h.open), `${date} 08:00`, `${date} opens`);
    t.equal(formatJst(h.close), `${date} 18:00`, `${date} closes`);
    t.equal(calendar.transferWindow(normal, date), null, `${date} normal department`);
    t.equal(calendar.transferWindow(saturdayDesk, date), null, `${date} Saturday desk`);
    const v = calendar.canTransfer(saturdayDesk, at(`${date} 10:00`));
    const yearEnd = calendar.dayInfo(date).wardClosed !== null;
    t.match(v, { ok: false, code: yearEnd ? 'ward_closed' : 'holiday' }, `${date} refusal`);
    if (!v.ok && !yearEnd) t.equal(v.reason, `祝日（${name}）は転送できません`, `${date} reason`);
  }
});

t.test('day facts', async (t) => {
  t.same(calendar.dayInfo('2028-01-01'), {
    date: '2028-01-01',
    weekday: 6,
    holiday: '元日',
    wardClosed: '年末年始閉庁日',
    election: null,
    thirdSaturday: false,
  });
  t.same(calendar.dayInfo('2027-04-25'), {
    date: '2027-04-25',
    weekday: 0,
    holiday: null,
    wardClosed: null,
    election: ELECTION.name,
    thirdSaturday: false,
  });
  const thirdSaturdays: [date: string, third: boolean][] = [
    ['2027-05-08', false],
    ['2027-05-15', true], // earliest possible: the 15th
    ['2027-05-22', false],
    ['2027-06-12', false],
    ['2027-06-19', true],
    ['2027-06-26', false],
    ['2027-08-14', false],
    ['2027-08-21', true], // latest possible: the 21st
    ['2027-08-20', false], // a Friday in the same week
  ];
  for (const [date, third] of thirdSaturdays) t.equal(calendar.dayInfo(date).thirdSaturday, third, date);
});

t.test('centre hours by kind of day (T2)', async (t) => {
  const rows: [date: string, kind: string, open: string, close: string][] = [
    ['2027-06-01', 'weekday', '08:00', '19:00'],
    ['2027-06-05', 'weekend_holiday', '08:00', '18:00'], // Saturday
    ['2027-06-06', 'weekend_holiday', '08:00', '18:00'], // Sunday
    ['2027-03-22', 'weekend_holiday', '08:00', '18:00'], // 振替休日 on a Monday
    ['2027-12-28', 'weekday', '08:00', '19:00'], // last working day of the year
    ['2027-12-29', 'weekend_holiday', '08:00', '18:00'], // 閉庁日 on a Wednesday: open, weekend hours
    ['2027-12-31', 'weekend_holiday', '08:00', '18:00'],
    ['2028-01-03', 'weekend_holiday', '08:00', '18:00'], // 閉庁日 on a Monday
    ['2028-01-04', 'weekday', '08:00', '19:00'],
    ['2027-04-25', 'election', '06:30', '20:00'],
    ['2027-04-24', 'weekend_holiday', '08:00', '18:00'], // the day before the election
  ];
  for (const [date, kind, open, close] of rows) {
    const h = calendar.centreHours(date);
    t.same(
      { kind: h.kind, open: formatJst(h.open), close: formatJst(h.close) },
      { kind, open: `${date} ${open}`, close: `${date} ${close}` },
      date,
    );
  }
});

t.test('isStaffed at the edges of the hours, [open, close)', async (t) => {
  const rows: [instant: string, staffed: boolean][] = [
    ['2027-06-01 00:00', false],
    ['2027-06-01 07:59:59', false],
    ['2027-06-01 08:00', true],
    ['2027-06-01 18:59', true],
    ['2027-06-01 18:59:59', true],
    ['2027-06-01 19:00', false],
    ['2027-06-01 23:59:59', false],
    ['2027-06-05 07:59:59', false], // Saturday
    ['2027-06-05 08:00', true],
    ['2027-06-05 17:59:59', true],
    ['2027-06-05 18:00', false],
    ['2027-06-06 12:00', true], // Sunday
    ['2027-03-22 17:59', true], // 振替休日
    ['2027-03-22 18:00', false],
    ['2027-12-29 08:00', true], // 閉庁日: the centre stays open
    ['2027-12-29 18:00', false],
    ['2028-01-01 08:00', true], // New Year's Day
    ['2028-01-01 18:00', false],
    ['2027-04-25 06:29', false], // election day
    ['2027-04-25 06:29:59', false],
    ['2027-04-25 06:30', true],
    ['2027-04-25 19:59:59', true],
    ['2027-04-25 20:00', false],
    ['2027-04-24 06:30', false], // the day before keeps its own hours
    ['2027-06-01T00:00:00Z', true], // 09:00 JST
    ['2027-06-01T10:00:00Z', false], // 19:00 JST
    ['2027-05-31T22:59:59Z', false], // 07:59:59 JST on 06-01
  ];
  for (const [instant, staffed] of rows) t.equal(calendar.isStaffed(at(instant)), staffed, instant);
});

t.test('nextOpening across nights, weekends, year end and elections', async (t) => {
  const rows: [from: string, next: string][] = [
    ['2027-06-01 10:00', '2027-06-01 10:00'], // open now
    ['2027-06-01 08:00', '2027-06-01 08:00'],
    ['2027-06-01 07:59:59', '2027-06-01 08:00'],
    ['2027-06-01 19:00', '2027-06-02 08:00'],
    ['2027-06-02 02:00', '2027-06-02 08:00'],
    ['2027-06-04 19:30', '2027-06-05 08:00'], // Friday night
    ['2027-06-05 18:00', '2027-06-06 08:00'], // Saturday
    ['2027-06-06 18:00', '2027-06-07 08:00'], // Sunday
    ['2027-12-28 19:00', '2027-12-29 08:00'], // into the closure, which the centre works
    ['2027-12-31 18:00', '2028-01-01 08:00'],
    ['2027-04-24 18:00', '2027-04-25 06:30'], // election morning
    ['2027-04-25 05:00', '2027-04-25 06:30'],
    ['2027-04-25 20:00', '2027-04-26 08:00'],
  ];
  for (const [from, next] of rows) t.equal(calendar.nextOpening(at(from)).toISOString(), at(next).toISOString(), from);
});

t.test('nextOpening is staffed and nothing before it is, over the year end every 10 minutes', async (t) => {
  let checked = 0;
  for (let ms = at('2027-12-27 00:00').getTime(); ms < at('2028-01-06 00:00').getTime(); ms += 600_000) {
    const from = new Date(ms);
    const next = calendar.nextOpening(from);
    const ok =
      calendar.isStaffed(next) &&
      (next.getTime() === from.getTime() || (!calendar.isStaffed(from) && !calendar.isStaffed(new Date(next.getTime() - 1000))));
    if (!ok) t.fail(`nextOpening(${formatJst(from)}) = ${formatJst(next)}`);
    checked++;
  }
  t.equal(checked, 10 * 144);
});

t.test('transfer windows by department and day (T7)', async (t) => {
  const rows: [dept: Department, date: string, window: [string, string] | null][] = [
    [normal, '2027-06-01', ['08:30', '17:15']],
    [normal, '2027-06-05', null], // Saturday
    [normal, '2027-06-06', null], // Sunday
    [normal, '2027-03-22', null], // 振替休日
    [normal, '2027-12-28', ['08:30', '17:15']],
    [normal, '2027-12-29', null], // 閉庁日 on a weekday
    [normal, '2028-01-03', null],
    [normal, '2028-01-04', ['08:30', '17:15']],
    [saturdayDesk, '2027-06-01', ['08:30', '17:15']],
    [saturdayDesk, '2027-06-05', ['09:00', '17:00']],
    [saturdayDesk, '2027-06-12', ['09:00', '17:00']],
    [saturdayDesk, '2027-06-19', null], // third Saturday
    [saturdayDesk, '2027-06-26', ['09:00', '17:00']],
    [saturdayDesk, '2027-05-01', ['09:00', '17:00']], // Golden Week Saturday
    [saturdayDesk, '2027-05-15', null], // third Saturday
    [saturdayDesk, '2028-04-29', null], // Saturday that is 昭和の日
    [saturdayDesk, '2028-01-01', null], // Saturday that is 元日 and 閉庁日
    [saturdayDesk, '2027-06-06', null], // Sunday
    [inactive, '2027-06-01', null],
  ];
  for (const [dept, date, window] of rows) {
    const w = calendar.transferWindow(dept, date);
    t.same(w && [formatJst(w.start), formatJst(w.end)], window && [`${date} ${window[0]}`, `${date} ${window[1]}`], `${dept.id} ${date}`);
  }
});

t.test('an election day changes the centre hours but not the transfer windows', async (t) => {
  // Elections fall on Sundays; a weekday row, as the admin could enter one, shows the windows stay.
  const weekdayElection = new WardCalendar([{ date: '2027-06-01', kind: 'election', name: '試験用' }]);
  t.equal(weekdayElection.centreHours('2027-06-01').kind, 'election');
  t.equal(weekdayElection.isStaffed(at('2027-06-01 19:30')), true);
  const w = weekdayElection.transferWindow(normal, '2027-06-01');
  t.same(w && [formatJst(w.start), formatJst(w.end)], ['2027-06-01 08:30', '2027-06-01 17:15']);
  t.match(weekdayElection.canTransfer(normal, at('2027-06-01 18:00')), { ok: false, code: 'after_hours' });
  t.match(calendar.canTransfer(saturdayDesk, at('2027-04-25 10:00')), { ok: false, code: 'sunday' });
});

t.test('canTransfer at the edges and with specific reasons', async (t) => {
  type Row = [dept: Department, instant: string, expected: { until: string } | { code: RefusalCode; next: string | null }];
  const rows: Row[] = [
    [normal, '2027-06-01 08:29', { code: 'before_hours', next: '2027-06-01 08:30' }],
    [normal, '2027-06-01 08:29:59', { code: 'before_hours', next: '2027-06-01 08:30' }],
    [normal, '2027-06-01 08:30', { until: '2027-06-01 17:15' }],
    [normal, '2027-06-01 17:14', { until: '2027-06-01 17:15' }],
    [normal, '2027-06-01 17:14:59', { until: '2027-06-01 17:15' }],
    [normal, '2027-06-01 17:15', { code: 'after_hours', next: '2027-06-02 08:30' }],
    [normal, '2027-06-04 17:15', { code: 'after_hours', next: '2027-06-07 08:30' }], // Friday
    [normal, '2027-06-05 10:00', { code: 'saturday_not_served', next: '2027-06-07 08:30' }],
    [normal, '2027-06-06 10:00', { code: 'sunday', next: '2027-06-07 08:30' }],
    [normal, '2027-06-19 10:00', { code: 'saturday_not_served', next: '2027-06-21 08:30' }],
    [saturdayDesk, '2027-06-05 08:59', { code: 'before_hours', next: '2027-06-05 09:00' }],
    [saturdayDesk, '2027-06-05 08:59:59', { code: 'before_hours', next: '2027-06-05 09:00' }],
    [saturdayDesk, '2027-06-05 09:00', { until: '2027-06-05 17:00' }],
    [saturdayDesk, '2027-06-05 16:59', { until: '2027-06-05 17:00' }],
    [saturdayDesk, '2027-06-05 16:59:59', { until: '2027-06-05 17:00' }],
    [saturdayDesk, '2027-06-05 17:00', { code: 'after_hours', next: '2027-06-07 08:30' }],
    [saturdayDesk, '2027-06-19 10:00', { code: 'third_saturday', next: '2027-06-21 08:30' }],
    [saturdayDesk, '2027-06-07 17:15', { code: 'after_hours', next: '2027-06-08 08:30' }], // weekday hours on Monday
    [saturdayDesk, '2028-04-29 10:00', { code: 'holiday', next: '2028-05-01 08:30' }],
    [normal, '2027-03-22 10:00', { code: 'holiday', next: '2027-03-23 08:30' }],
    [normal, '2027-12-29 10:00', { code: 'ward_closed', next: '2028-01-04 08:30' }],
    [saturdayDesk, '2028-01-01 10:00', { code: 'ward_closed', next: '2028-01-04 08:30' }],
    [normal, '2027-04-25 10:00', { code: 'sunday', next: '2027-04-26 08:30' }], // election Sunday
    [inactive, '2027-06-01 10:00', { code: 'inactive', next: null }],
  ];
  for (const [dept, instant, expected] of rows) {
    const v = calendar.canTransfer(dept, at(instant));
    const got = v.ok ? { until: formatJst(v.until) } : { code: v.code, next: v.next && formatJst(v.next) };
    t.same(got, expected, `${dept.id} ${instant}`);
  }
});

t.test('refusal reasons operators read', async (t) => {
  const reason = (dept: Department, instant: string) => {
    const v = calendar.canTransfer(dept, at(instant));
    return v.ok ? 'ok' : v.reason;
  };
  t.equal(reason(saturdayDesk, '2027-06-19 10:00'), '土曜日（第3土曜）は転送できません');
  t.equal(reason(normal, '2027-06-05 10:00'), '土曜日は転送できない部署です');
  t.equal(reason(normal, '2027-06-06 10:00'), '日曜日は転送できません');
  t.equal(reason(normal, '2027-03-22 10:00'), '祝日（春分の日 振替休日）は転送できません');
  t.equal(reason(normal, '2027-12-30 10:00'), '閉庁日（年末年始閉庁日）は転送できません');
  t.equal(reason(normal, '2027-06-01 08:00'), '受付時間外です（開始前。本日の転送受付は 08:30〜17:15）');
  t.equal(reason(normal, '2027-06-01 18:00'), '受付時間外です（終了後。本日の転送受付は 08:30〜17:15）');
  t.equal(reason(saturdayDesk, '2027-06-05 17:30'), '受付時間外です（終了後。本日の転送受付は 09:00〜17:00）');
  t.equal(reason(inactive, '2027-06-01 10:00'), `転送停止中の部署です（${normal.name}）`);
});

t.test('nextTransferWindow across Golden Week, year end and third Saturdays', async (t) => {
  const rows: [dept: Department, from: string, next: string | null][] = [
    [normal, '2027-12-28 18:00', '2028-01-04 08:30'],
    [saturdayDesk, '2027-12-28 18:00', '2028-01-04 08:30'], // 2028-01-01 is a Saturday, but 元日 and 閉庁日
    [normal, '2027-04-28 17:15', '2027-04-30 08:30'], // skips 昭和の日
    [normal, '2027-04-30 17:15', '2027-05-06 08:30'], // Golden Week 2027
    [saturdayDesk, '2027-04-30 17:15', '2027-05-01 09:00'],
    [normal, '2028-05-02 17:15', '2028-05-08 08:30'], // Golden Week 2028
    [saturdayDesk, '2028-05-02 17:15', '2028-05-06 09:00'],
    [normal, '2027-03-19 18:00', '2027-03-23 08:30'], // weekend, then 振替休日
    [saturdayDesk, '2027-06-11 18:00', '2027-06-12 09:00'],
    [saturdayDesk, '2027-06-18 18:00', '2027-06-21 08:30'], // third Saturday skipped
    [normal, '2027-06-01 08:30', '2027-06-01 08:30'], // at the start
    [normal, '2027-06-01 10:00', '2027-06-01 10:00'], // inside a window: now
    [normal, '2027-06-01 17:15', '2027-06-02 08:30'], // at the end
    [inactive, '2027-06-01 10:00', null],
  ];
  for (const [dept, from, next] of rows) {
    const got = calendar.nextTransferWindow(dept, at(from));
    t.equal(got && formatJst(got, true), next && formatJst(at(next), true), `${dept.id} from ${from}`);
  }
});

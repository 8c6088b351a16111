/** The next opening as callers hear it (T2, T3): today, tomorrow or a date, in JST, Japanese and English. */
import t from 'tap';
import { spokenClockEn, spokenClockJa, spokenOpening } from '../../apps/callflow/spoken-time.js';

const at = (iso: string) => new Date(iso);

t.test('today, tomorrow and a later date in Japanese', async (t) => {
  const now = at('2027-11-24T06:10:00+09:00');
  t.equal(spokenOpening(at('2027-11-24T08:00:00+09:00'), now, 'ja'), '本日午前8時');
  t.equal(spokenOpening(at('2027-11-25T08:00:00+09:00'), now, 'ja'), '明日午前8時');
  t.equal(spokenOpening(at('2027-11-26T08:00:00+09:00'), now, 'ja'), '11月26日午前8時');
});

t.test('the same in English', async (t) => {
  const now = at('2027-11-24T19:30:00+09:00');
  t.equal(spokenOpening(at('2027-11-24T20:00:00+09:00'), now, 'en'), 'today at 8 p.m.');
  t.equal(spokenOpening(at('2027-11-25T08:00:00+09:00'), now, 'en'), 'tomorrow at 8 a.m.');
  t.equal(spokenOpening(at('2027-11-27T08:00:00+09:00'), now, 'en'), 'on November 27 at 8 a.m.');
});

t.test('an election day opens at 06:30 (T2)', async (t) => {
  const now = at('2027-07-25T05:00:00+09:00');
  t.equal(spokenOpening(at('2027-07-25T06:30:00+09:00'), now, 'ja'), '本日午前6時30分');
  t.equal(spokenOpening(at('2027-07-25T06:30:00+09:00'), now, 'en'), 'today at 6:30 a.m.');
  t.equal(spokenOpening(at('2027-07-25T06:30:00+09:00'), at('2027-07-24T21:00:00+09:00'), 'ja'), '明日午前6時30分');
});

t.test('days are JST days, not UTC days', async (t) => {
  // 00:30 JST is still the previous day in UTC; the 08:00 opening is today for the caller.
  const justAfterMidnight = at('2027-11-25T00:30:00+09:00');
  t.equal(justAfterMidnight.getUTCDate(), 24, 'UTC has the previous date');
  t.equal(spokenOpening(at('2027-11-25T08:00:00+09:00'), justAfterMidnight, 'ja'), '本日午前8時');
  t.equal(spokenOpening(at('2027-11-25T08:00:00+09:00'), justAfterMidnight, 'en'), 'today at 8 a.m.');
  // 23:59 JST (14:59 UTC, same UTC date as the opening's 23:00 UTC) is the day before.
  t.equal(spokenOpening(at('2027-11-25T08:00:00+09:00'), at('2027-11-24T23:59:00+09:00'), 'ja'), '明日午前8時');
  // Across a month and a year end.
  t.equal(spokenOpening(at('2028-01-01T08:00:00+09:00'), at('2027-12-31T19:00:00+09:00'), 'ja'), '明日午前8時');
  t.equal(spokenOpening(at('2028-01-02T08:00:00+09:00'), at('2027-12-31T19:00:00+09:00'), 'ja'), '1月2日午前8時');
});

t.test('clock times as announcements say them', async (t) => {
  t.equal(spokenClockJa(at('2027-11-24T19:00:00+09:00')), '午後7時');
  t.equal(spokenClockJa(at('2027-11-24T12:00:00+09:00')), '午後0時');
  t.equal(spokenClockJa(at('2027-11-24T00:05:00+09:00')), '午前0時5分');
  t.equal(spokenClockEn(at('2027-11-24T12:00:00+09:00')), '12 noon');
  t.equal(spokenClockEn(at('2027-11-24T00:00:00+09:00')), '12 midnight');
  t.equal(spokenClockEn(at('2027-11-24T18:05:00+09:00')), '6:05 p.m.');
});

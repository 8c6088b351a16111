import t from 'tap';
import { addDays, formatJst, fromJst, isoJst, jstDate, jstParts, parseDate, parseInstant } from '../../apps/time/jst.js';

t.test('JST is UTC+9 across the date line', async (t) => {
  const d = new Date('2027-06-01T15:30:00Z');
  t.equal(jstDate(d), '2027-06-02');
  t.equal(formatJst(d), '2027-06-02 00:30');
  t.equal(isoJst(d), '2027-06-02T00:30:00.000+09:00');
  t.equal(jstParts(d).weekday, 3, '2027-06-02 is a Wednesday');
  t.equal(fromJst(2027, 6, 2, 0, 30).toISOString(), d.toISOString());
});

t.test('parseInstant reads JST when no offset is given and rejects impossible times', async (t) => {
  t.equal(parseInstant('2027-06-01T10:00')?.toISOString(), '2027-06-01T01:00:00.000Z');
  t.equal(parseInstant('2027-06-01 10:00:30')?.toISOString(), '2027-06-01T01:00:30.000Z');
  t.equal(parseInstant('2027-06-01T10:00:00Z')?.toISOString(), '2027-06-01T10:00:00.000Z');
  t.equal(parseInstant('2027-06-01T10:00:00-05:00')?.toISOString(), '2027-06-01T15:00:00.000Z');
  for (const bad of ['2027-02-30T10:00', '2027-06-01T24:00', '2027-06-01', 'tomorrow', '2027-06-01T10:61']) {
    t.equal(parseInstant(bad), null, bad);
  }
});

t.test('dates', async (t) => {
  t.same(parseDate('2028-02-29'), { year: 2028, month: 2, day: 29 });
  t.equal(parseDate('2027-02-29'), null);
  t.equal(addDays('2027-12-31', 1), '2028-01-01');
  t.equal(addDays('2028-03-01', -1), '2028-02-29');
});

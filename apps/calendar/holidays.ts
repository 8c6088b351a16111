/**
 * Public holidays (祝日), including 振替休日 and 国民の休日, from `@holiday-jp/holiday_jp`. Its table follows
 * the Cabinet Office list and is computed ahead from the law to 2050; equinox days beyond the next year are
 * the astronomical forecast until the 官報 confirms them each February.
 */
import holidayJp from '@holiday-jp/holiday_jp';

// Read the table by 'YYYY-MM-DD' key: the package's isHoliday()/between() format a Date in the process's
// own time zone, which is wrong for JST dates on a host set to UTC.
const TABLE: Readonly<Record<string, { name: string }>> = holidayJp.holidays;

const years = Object.keys(TABLE).map((date) => Number(date.slice(0, 4)));

/** The years the table covers; outside them "no holiday" would be a guess, so lookups refuse. */
export const HOLIDAY_YEARS = { first: Math.min(...years), last: Math.max(...years) } as const;

/** The holiday's name for a `YYYY-MM-DD` date, or null on an ordinary day. */
export function publicHoliday(date: string): string | null {
  const year = Number(date.slice(0, 4));
  if (!(year >= HOLIDAY_YEARS.first && year <= HOLIDAY_YEARS.last)) {
    throw new RangeError(`祝日データの範囲外です / no holiday data for ${date} (covers ${HOLIDAY_YEARS.first}-${HOLIDAY_YEARS.last})`);
  }
  const name = TABLE[date]?.name;
  if (!name) return null;
  // The official list calls the day between two holidays just 休日; operators know it as 国民の休日.
  return name === '休日' ? '国民の休日' : name;
}

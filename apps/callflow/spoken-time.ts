/**
 * An opening time as a caller hears it (T3): 「本日午前8時」「明日午前8時」「11月25日午前8時」, "tomorrow at
 * 8 a.m.". Days are JST calendar days, so 00:30 JST is still "today" for an 08:00 opening although UTC has
 * another date.
 */
import { addDays, jstDate, jstParts } from '../time/jst.js';

export type SpokenTimeLang = 'ja' | 'en';

const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

type Day = 'today' | 'tomorrow' | 'date';

function dayOf(at: Date, now: Date): Day {
  const today = jstDate(now);
  const day = jstDate(at);
  return day === today ? 'today' : day === addDays(today, 1) ? 'tomorrow' : 'date';
}

/** 午前8時, 午前6時30分, 午後8時; noon is 午後0時 and midnight 午前0時, as announcements say them. */
export function spokenClockJa(at: Date): string {
  const { hour, minute } = jstParts(at);
  return `${hour < 12 ? '午前' : '午後'}${hour % 12}時${minute ? `${minute}分` : ''}`;
}

/** 8 a.m., 6:30 a.m., 8 p.m., 12 noon, 12 midnight. */
export function spokenClockEn(at: Date): string {
  const { hour, minute } = jstParts(at);
  if (minute === 0 && hour === 12) return '12 noon';
  if (minute === 0 && hour === 0) return '12 midnight';
  const h = hour % 12 || 12;
  return `${h}${minute ? `:${String(minute).padStart(2, '0')}` : ''} ${hour < 12 ? 'a.m.' : 'p.m.'}`;
}

/** When `at` is, seen from `now`: 「本日午前8時」「明日午前8時」「11月25日午前8時」 / "today at 8 a.m." ... */
export function spokenOpening(at: Date, now: Date, lang: SpokenTimeLang): string {
  const day = dayOf(at, now);
  const { month, day: date } = jstParts(at);
  if (lang === 'ja') return `${day === 'today' ? '本日' : day === 'tomorrow' ? '明日' : `${month}月${date}日`}${spokenClockJa(at)}`;
  return `${day === 'date' ? `on ${EN_MONTHS[month - 1]} ${date}` : day} at ${spokenClockEn(at)}`;
}

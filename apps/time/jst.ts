/**
 * Japan Standard Time helpers. JST has had no daylight saving since 1951, so it is a fixed UTC+09:00
 * offset and plain arithmetic is exact; no time-zone database is needed.
 */
const JST_OFFSET_MS = 9 * 3600_000;

export interface JstParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
}

export function jstParts(t: Date): JstParts {
  const s = new Date(t.getTime() + JST_OFFSET_MS);
  return {
    year: s.getUTCFullYear(),
    month: s.getUTCMonth() + 1,
    day: s.getUTCDate(),
    hour: s.getUTCHours(),
    minute: s.getUTCMinutes(),
    second: s.getUTCSeconds(),
    weekday: s.getUTCDay(),
  };
}

/** The instant of a JST wall-clock time. */
export function fromJst(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - JST_OFFSET_MS);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD` of the JST calendar day containing `t`. */
export function jstDate(t: Date): string {
  const p = jstParts(t);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** `YYYY-MM-DD HH:MM` in JST, the form staff read on screens and in CSV. */
export function formatJst(t: Date, withSeconds = false): string {
  const p = jstParts(t);
  const time = `${pad(p.hour)}:${pad(p.minute)}${withSeconds ? ':' + pad(p.second) : ''}`;
  return `${jstDate(t)} ${time}`;
}

/** ISO 8601 with the +09:00 offset, for JSON that people also read. */
export function isoJst(t: Date): string {
  const p = jstParts(t);
  const ms = pad(t.getUTCMilliseconds(), 3);
  return `${jstDate(t)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${ms}+09:00`;
}

/** Parse `YYYY-MM-DD` strictly; returns null when it is not a real calendar date. */
export function parseDate(s: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** The weekday (0 = Sunday) of a calendar date. */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The calendar date `n` days after the given one, as `YYYY-MM-DD`. */
export function addDays(date: string, n: number): string {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date: ${date}`);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + n));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * Parse a date-time as people type it for `sc calendar check` and `SC_CLOCK`: ISO 8601 with an offset,
 * or without one, in which case it is JST (`2027-06-01T10:00`, `2027-06-01 10:00`).
 */
export function parseInstant(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/.exec(s.trim());
  if (!m) return null;
  if (!parseDate(`${m[1]}-${m[2]}-${m[3]}`)) return null;
  const [h, mi, sec] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || sec > 59) return null;
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const zone = m[8] ?? '+09:00';
  let offsetMs = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(zone.slice(1, 3)) * 3600_000 + Number(zone.slice(4, 6)) * 60_000);
  }
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), h, mi, sec, ms) - offsetMs);
}

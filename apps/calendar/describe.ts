/** Calendar facts as short lines for people (CLI, logs): Japanese first, English alongside. */
import { formatJst, jstParts } from '../time/jst.js';
import type { CentreDayKind } from './rules.js';
import type { DayInfo, TransferVerdict } from './ward-calendar.js';

export const HOURS_LABEL: Record<CentreDayKind, string> = {
  weekday: '平日時間帯 / weekday hours',
  weekend_holiday: '土日祝時間帯 / weekend and holiday hours',
  election: '選挙日時間帯 / election-day hours',
};

const WEEKDAY_JA = ['日', '月', '火', '水', '木', '金', '土'];

/** `2028-01-04 (火) 08:30` */
export function formatWithWeekday(t: Date, withSeconds = false): string {
  const s = formatJst(t, withSeconds);
  return `${s.slice(0, 10)} (${WEEKDAY_JA[jstParts(t).weekday]}) ${s.slice(11)}`;
}

/** `08:30`, the JST time of day. */
export function timeOfDay(t: Date): string {
  return formatJst(t).slice(11);
}

/** The day type: 平日 / 土曜 / 日曜, then any 祝日, 閉庁日 and 選挙日 with their names. */
export function describeDay(info: DayInfo): string {
  const ja: string[] = [];
  const en: string[] = [];
  if (info.weekday === 0) {
    ja.push('日曜');
    en.push('Sunday');
  } else if (info.weekday === 6) {
    ja.push(info.thirdSaturday ? '土曜（第3土曜）' : '土曜');
    en.push(info.thirdSaturday ? 'Saturday (3rd)' : 'Saturday');
  } else if (!info.holiday && !info.wardClosed) {
    ja.push('平日');
    en.push('weekday');
  }
  if (info.holiday) {
    ja.push(`祝日（${info.holiday}）`);
    en.push('public holiday');
  }
  if (info.wardClosed) {
    ja.push(`閉庁日（${info.wardClosed}）`);
    en.push('ward offices closed');
  }
  if (info.election) {
    ja.push(`選挙日（${info.election}）`);
    en.push('election day');
  }
  return `${ja.join('・')} / ${en.join(', ')}`;
}

/** The transfer verdict as lines: possible until when, or why not and when next. */
export function describeVerdict(v: TransferVerdict): string[] {
  if (v.ok) return [`転送: 可 / transfer possible — ${timeOfDay(v.until)} まで / until ${timeOfDay(v.until)}`];
  const next = v.next ? formatWithWeekday(v.next) : 'なし / none within a year';
  return [`転送: 不可 / transfer not possible — ${v.reason}`, `次の転送受付 / next window: ${next}`];
}

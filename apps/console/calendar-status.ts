/** The centre now, from the ward's calendar (T2, T7): staffed or not, its hours, who takes transfers now. */
import { centreState } from '../calendar/centre-state.js';
import { describeDay, formatWithWeekday, HOURS_LABEL, timeOfDay } from '../calendar/describe.js';
import { WardCalendar } from '../calendar/ward-calendar.js';
import type { ReferenceRepository } from '../../db/repositories/reference.js';
import { html, type Html } from './html.js';

export async function calendarStatus(reference: ReferenceRepository, now: Date): Promise<Html> {
  const calendar = new WardCalendar(await reference.calendarDays());
  const s = centreState(calendar, await reference.departments(), now);
  return html`<dl class="facts">
<dt>現在 (日本時間)</dt><dd>${formatWithWeekday(now)}</dd>
<dt>本日</dt><dd>${describeDay(s.day)}</dd>
<dt>センター</dt><dd>${s.staffed ? '有人対応中' : html`時間外 — 次の開始 ${formatWithWeekday(s.nextOpening)}`}（本日 ${timeOfDay(s.hours.open)}〜${timeOfDay(s.hours.close)}、${HOURS_LABEL[s.hours.kind]}）</dd>
<dt>いま転送できる部署</dt><dd>${s.departmentsOpen} / ${s.departments}</dd>
</dl>`;
}

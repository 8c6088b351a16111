/** The centre today, from the ward's calendar (T2, T7): staffed or not, its hours, who takes transfers now. */
import { describeDay, formatWithWeekday, HOURS_LABEL, timeOfDay } from '../calendar/describe.js';
import { WardCalendar } from '../calendar/ward-calendar.js';
import { jstDate } from '../time/jst.js';
import type { ReferenceRepository } from '../../db/repositories/reference.js';
import { html, type Html } from './html.js';

export async function calendarStatus(reference: ReferenceRepository, now: Date): Promise<Html> {
  const calendar = new WardCalendar(await reference.calendarDays());
  const departments = await reference.departments();
  const date = jstDate(now);
  const hours = calendar.centreHours(date);
  const staffed = calendar.isStaffed(now);
  const open = departments.filter((d) => calendar.canTransfer(d, now).ok).length;
  return html`<dl class="facts">
<dt>現在 (日本時間)</dt><dd>${formatWithWeekday(now)}</dd>
<dt>本日</dt><dd>${describeDay(calendar.dayInfo(date))}</dd>
<dt>センター</dt><dd>${staffed ? '有人対応中' : html`時間外 — 次の開始 ${formatWithWeekday(calendar.nextOpening(now))}`}（本日 ${timeOfDay(hours.open)}〜${timeOfDay(hours.close)}、${HOURS_LABEL[hours.kind]}）</dd>
<dt>いま転送できる部署</dt><dd>${open} / ${departments.length}</dd>
</dl>`;
}

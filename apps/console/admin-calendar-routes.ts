/**
 * The ward's own days for the system administrator: election days (選挙執行日, centre 06:30-20:00; T2) and
 * closed days (閉庁日, no transfers; T7), which the ward announces and changes. Changes go through WardDays
 * (validated, audited); a bad value comes back as the form with its message, 400.
 */
import type { Request, Response, Router } from 'express';
import { DAY_KIND_LABELS, WardDays } from '../calendar/ward-days.js';
import { addDays, jstDate } from '../time/jst.js';
import type { ActiveSession } from '../accounts/session-service.js';
import { calendarStatus } from './calendar-status.js';
import type { ConsoleContext } from './context.js';
import { attempt, csrfField, errorSummary, input, select, type FormErrors } from './forms.js';
import { actorOf, mustSession } from './guards.js';
import { html } from './html.js';
import { field, sendPage } from './http.js';
import { layout } from './layout.js';

const PATH = '/admin/calendar';
const NOTICES: Record<string, string> = { added: '登録しました (saved)', removed: '削除しました (removed)' };

interface DayValues {
  date: string;
  kind: string;
  name: string;
}

export function adminCalendarRoutes(router: Router, ctx: ConsoleContext): void {
  const days = new WardDays(ctx.db, ctx.clock);

  const render = async (res: Response, status: number, values: DayValues, errors: FormErrors, notice?: string) => {
    const s = mustSession(res);
    const now = ctx.clock.now();
    // The last month too, so a day entered by mistake shortly before is still visible.
    const list = await days.list(addDays(jstDate(now), -31));
    const main = html`<h1>センターの暦（選挙日・閉庁日）</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<section aria-labelledby="today"><h2 id="today">現在の状況</h2>${await calendarStatus(ctx.reference, now)}</section>
<section aria-labelledby="add">
<h2 id="add">日を登録する</h2>
<p>祝日は自動で反映されます。区が定める選挙日（06:30〜20:00 受付）と閉庁日（転送不可）をここで登録します。同じ日・種類を登録し直すと名称が変わります。</p>
${errorSummary(errors)}
<form method="post" action="${PATH}" novalidate>
${csrfField(s.csrfToken)}
${input({ name: 'date', label: '日付 (YYYY-MM-DD)', value: values.date, required: true, hint: '例: 2027-07-25' }, errors)}
${select({ name: 'kind', label: '種類', value: values.kind, options: Object.entries(DAY_KIND_LABELS).map(([value, label]) => ({ value, label })) }, errors)}
${input({ name: 'name', label: '名称', value: values.name, required: true, hint: '例: 世田谷区長選挙、年末年始閉庁日' }, errors)}
<button type="submit">登録する</button>
</form>
</section>
<section aria-labelledby="list">
<h2 id="list">登録済みの日（1か月前から）</h2>
${list.length
  ? html`<table><caption>区が定める日 ${list.length}件</caption>
<thead><tr><th scope="col">日付</th><th scope="col">種類</th><th scope="col">名称</th><th scope="col">操作</th></tr></thead>
<tbody>${list.map(
      (d) => html`<tr><td>${d.date}</td><td>${DAY_KIND_LABELS[d.kind]}</td><td>${d.name}</td>
<td><form method="post" action="${PATH}/remove">${csrfField(s.csrfToken)}<input type="hidden" name="date" value="${d.date}"><input type="hidden" name="kind" value="${d.kind}"><button type="submit" class="danger" aria-label="${d.date} ${d.name} を削除">削除</button></form></td></tr>`,
    )}</tbody></table>`
  : html`<p>登録されている日はありません。</p>`}
</section>`;
    sendPage(res, status, layout({ title: 'センターの暦', session: s, path: PATH, main }));
  };

  router.get('/calendar', async (req, res) => {
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    await render(res, 200, { date: '', kind: 'election', name: '' }, {}, done);
  });

  const change = (apply: (req: Request, s: ActiveSession) => Promise<unknown>, done: string) => async (req: Request, res: Response) => {
    const errors = await attempt(() => apply(req, mustSession(res)));
    if (errors) return render(res, 400, { date: field(req, 'date').trim(), kind: field(req, 'kind'), name: field(req, 'name') }, errors);
    res.redirect(303, `${PATH}?done=${done}`);
  };

  router.post('/calendar', change((req, s) => days.put({ date: field(req, 'date').trim(), kind: field(req, 'kind'), name: field(req, 'name') }, actorOf(req, s)), 'added'));
  router.post('/calendar/remove', change((req, s) => days.remove(field(req, 'date'), field(req, 'kind'), actorOf(req, s)), 'removed'));
}

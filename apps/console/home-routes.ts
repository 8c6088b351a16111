/** The start page: who is logged in, with which roles and department, until when, and where to go. */
import type { Express } from 'express';
import { formatJst } from '../time/jst.js';
import { ROLE_LABELS } from '../../db/roles.js';
import { calendarStatus } from './calendar-status.js';
import type { ConsoleContext } from './context.js';
import { mustSession, requireLogin } from './guards.js';
import { html } from './html.js';
import { sendPage } from './http.js';
import { layout, linksFor } from './layout.js';

export function homeRoutes(app: Express, ctx: ConsoleContext, idleMinutes: number): void {
  app.get('/', requireLogin, async (_req, res) => {
    const s = mustSession(res);
    const u = s.user;
    const dept = u.departmentId ? await ctx.reference.department(u.departmentId) : undefined;
    const links = linksFor(s);
    const main = html`<h1>ようこそ、${u.displayName}さん</h1>
<section aria-labelledby="me">
<h2 id="me">ログイン中のアカウント</h2>
<dl class="facts">
<dt>ユーザー名</dt><dd>${u.username}</dd>
<dt>表示名</dt><dd>${u.displayName}</dd>
<dt>役割</dt><dd>${u.roles.map((r) => ROLE_LABELS[r]).join('、')}</dd>
<dt>所属部署</dt><dd>${dept ? dept.name : u.departmentId ?? 'なし'}</dd>
<dt>ログインの有効期限</dt><dd>${formatJst(s.expiresAt)} (日本時間)。${idleMinutes}分間操作がないと自動でログアウトします。</dd>
</dl>
</section>
<section aria-labelledby="today">
<h2 id="today">本日のセンター</h2>
${await calendarStatus(ctx.reference, ctx.clock.now())}
</section>
<section aria-labelledby="go">
<h2 id="go">メニュー</h2>
${links.length ? html`<ul class="menu">${links.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>` : html`<p>このアカウントで開ける画面はまだありません。</p>`}
</section>`;
    sendPage(res, 200, layout({ title: 'ホーム', session: s, path: '/', main }));
  });
}

/**
 * The audit log for the system administrator (O4 entry logs, O7 tamper detection): newest first, in pages,
 * with the result of walking the hash chain over every row.
 */
import type { Router } from 'express';
import { formatJst } from '../time/jst.js';
import type { ConsoleContext } from './context.js';
import { mustSession } from './guards.js';
import { html } from './html.js';
import { sendPage } from './http.js';
import { layout } from './layout.js';

const PAGE_SIZE = 50;

const ACTION_LABELS: Record<string, string> = {
  'login.ok': 'ログイン成功',
  'login.fail': 'ログイン失敗',
  'login.locked': 'ログインのロック',
  logout: 'ログアウト',
  'user.create': 'ユーザー作成',
  'user.update': 'ユーザー更新',
  'user.password': 'パスワード再設定',
  'user.sip_password': 'SIPパスワード設定',
  'user.disable': 'ユーザー無効化',
  'user.enable': 'ユーザー有効化',
  'calendar.put_day': '暦の日の設定',
  'calendar.remove_day': '暦の日の削除',
  'prompt.replace': '音声ガイダンスの差し替え',
  'prompt.revert': '音声ガイダンスを合成音声に戻す',
  'recording.play': '録音の再生',
  'recording.download': '録音のダウンロード',
  'recording.purge': '録音の削除（保存期間経過）',
};

export function adminAuditRoutes(router: Router, ctx: ConsoleContext): void {
  router.get('/audit', async (req, res) => {
    const before = typeof req.query.before === 'string' && /^\d{1,12}$/.test(req.query.before) ? Number(req.query.before) : undefined;
    const rows = await ctx.audit.list({ limit: PAGE_SIZE + 1, beforeId: before });
    const more = rows.length > PAGE_SIZE;
    const page = rows.slice(0, PAGE_SIZE);
    const broken = await ctx.audit.verify();
    const chain =
      broken === null
        ? html`<p class="notice" role="status">ハッシュチェーンを検証しました: 改ざんは見つかりません (chain verified, intact)</p>`
        : html`<p class="alert" role="alert">ハッシュチェーンが ID ${broken} の記録で一致しません。改ざんまたは破損の可能性があります (chain broken at entry ${broken})</p>`;
    const main = html`<h1>監査ログ</h1>
${chain}
<table>
<caption>監査ログ ${before ? html`(ID ${before} より前)` : '(最新)'}</caption>
<thead><tr><th scope="col">ID</th><th scope="col">日時 (日本時間)</th><th scope="col">操作者</th><th scope="col">操作</th><th scope="col">対象</th><th scope="col">接続元</th><th scope="col">詳細</th></tr></thead>
<tbody>
${page.map(
  (r) => html`<tr>
<td>${r.id}</td>
<td>${formatJst(new Date(r.at), true)}</td>
<td>${r.actor}</td>
<td>${ACTION_LABELS[r.action] ?? ''} <code>${r.action}</code></td>
<td>${r.entity ? `${r.entity} ${r.entityId ?? ''}` : ''}</td>
<td>${r.ip ?? ''}</td>
<td>${r.detail ? html`<code class="detail">${JSON.stringify(r.detail)}</code>` : ''}</td>
</tr>`,
)}
</tbody>
</table>
<nav aria-label="ページ送り" class="pager">
${before ? html`<a href="/admin/audit">最新へ</a>` : ''}
${more ? html`<a href="/admin/audit?before=${page.at(-1)!.id}">さらに古い記録へ</a>` : ''}
</nav>`;
    sendPage(res, 200, layout({ title: '監査ログ', session: mustSession(res), path: req.originalUrl, main }));
  });
}

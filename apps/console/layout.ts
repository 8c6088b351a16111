/** The frame of every console page: language, title, skip link, who is logged in, navigation by role. */
import type { ActiveSession } from '../accounts/session-service.js';
import { mayListen } from '../recordings/access.js';
import { acdLinks } from './acd-access.js';
import { html, type Html } from './html.js';

const SITE = 'せたがやコール 管理コンソール';

export interface PageOptions {
  title: string;
  session?: ActiveSession;
  /** Where the person is, so the navigation can mark it. */
  path?: string;
  main: Html;
}

/** Links each role opens; pages for the other roles are added here as they are built. */
const ADMIN_LINKS = [
  { href: '/admin/users', label: 'ユーザー管理' },
  { href: '/admin/calendar', label: 'センターの暦' },
  { href: '/admin/prompts', label: '音声ガイダンス' },
  { href: '/admin/audit', label: '監査ログ' },
];

const RECORDING_LINKS = [{ href: '/recordings', label: '通話録音' }];

export function linksFor(session: ActiveSession): { href: string; label: string }[] {
  return [...acdLinks(session.user.roles), ...(session.user.roles.includes('admin') ? ADMIN_LINKS : []), ...(mayListen(session.user.roles) ? RECORDING_LINKS : [])];
}

export function layout(o: PageOptions): Html {
  const s = o.session;
  const nav = s
    ? html`<nav aria-label="メインメニュー"><ul>
        <li><a href="/"${o.path === '/' ? html` aria-current="page"` : ''}>ホーム</a></li>
        ${linksFor(s).map((l) => html`<li><a href="${l.href}"${o.path?.startsWith(l.href) ? html` aria-current="page"` : ''}>${l.label}</a></li>`)}
      </ul></nav>`
    : '';
  const who = s
    ? html`<div class="who">
        <span>${s.user.displayName} (${s.user.username})</span>
        <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${s.csrfToken}"><button type="submit">ログアウト</button></form>
      </div>`
    : '';
  return html`<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} | ${SITE}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/console.css">
</head>
<body>
<a class="skip" href="#main">本文へ移動 (skip to content)</a>
<header class="site">
<p class="site-name"><a href="/">${SITE}</a></p>
${who}
${nav}
</header>
<main id="main" tabindex="-1">
${o.main}
</main>
</body>
</html>
`;
}

export function notFoundPage(session?: ActiveSession): Html {
  return layout({ title: 'ページが見つかりません', session, main: html`<h1>ページが見つかりません (not found)</h1><p><a href="/">ホームへ戻る</a></p>` });
}

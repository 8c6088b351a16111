/** Pages of the account administration (O4): the list, the new-user form and one user's page. */
import type { ActiveSession } from '../accounts/session-service.js';
import { formatJst } from '../time/jst.js';
import type { Department } from '../../db/repositories/reference.js';
import type { User } from '../../db/repositories/users.js';
import { DEPARTMENT_ROLES, ROLE_LABELS, ROLES } from '../../db/roles.js';
import { checkboxes, csrfField, errorSummary, fieldError, input, select, type FormErrors } from './forms.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';

export interface ProfileValues {
  displayName: string;
  roles: string[];
  departmentId: string;
}

export interface NewUserValues extends ProfileValues {
  username: string;
}

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: `${ROLE_LABELS[r]} (${r})` }));
const ROLE_HINT = `${DEPARTMENT_ROLES.map((r) => ROLE_LABELS[r]).join('・')}には所属部署が必要です。`;
const ANCHORS = { roles: `roles-${ROLES[0]}` };

export const SAVED_NOTICES: Record<string, string> = {
  created: 'ユーザーを作成しました (user created)',
  profile: '基本情報を保存しました (saved)',
  password: 'パスワードを再設定しました。このユーザーのログイン中のセッションは終了しました (password reset)',
  sip: 'SIPパスワードを設定しました (SIP password set)',
  disable: 'ユーザーを無効にしました。ログイン中のセッションは終了しました (user disabled)',
  enable: 'ユーザーを有効にしました (user enabled)',
};

/** Active departments, plus the user's own when it has since been retired, so saving keeps it. */
function departmentOptions(departments: Department[], current: string): { value: string; label: string }[] {
  const shown = departments.filter((d) => d.active || d.id === current);
  return [{ value: '', label: 'なし (none)' }, ...shown.map((d) => ({ value: d.id, label: d.active ? d.name : `${d.name} (廃止)` }))];
}

const stateLabel = (u: User): Html => (u.disabledAt ? html`<span class="state off">無効</span>` : html`<span class="state on">有効</span>`);

function profileFields(v: ProfileValues, departments: Department[], e: FormErrors): Html {
  return html`${input({ name: 'displayName', label: '表示名 (display name)', value: v.displayName, required: true }, e)}
${checkboxes({ name: 'roles', legend: '役割 (roles)', hint: ROLE_HINT, values: v.roles, options: ROLE_OPTIONS }, e)}
${select({ name: 'departmentId', label: '所属部署 (department)', value: v.departmentId, options: departmentOptions(departments, v.departmentId) }, e)}`;
}

export function userListPage(session: ActiveSession, users: User[], departments: Department[], path: string): Html {
  const names = new Map(departments.map((d) => [d.id, d.name]));
  const main = html`<h1>ユーザー管理</h1>
<p><a class="button" href="/admin/users/new">ユーザーを作成する</a></p>
<table>
<caption>ユーザー一覧 (${users.length}人)</caption>
<thead><tr><th scope="col">ユーザー名</th><th scope="col">表示名</th><th scope="col">役割</th><th scope="col">所属部署</th><th scope="col">状態</th></tr></thead>
<tbody>
${users.map(
  (u) => html`<tr>
<td><a href="/admin/users/${u.id}">${u.username}</a></td>
<td>${u.displayName}</td>
<td>${u.roles.map((r) => ROLE_LABELS[r]).join('、')}</td>
<td>${u.departmentId ? (names.get(u.departmentId) ?? u.departmentId) : '—'}</td>
<td>${stateLabel(u)}</td>
</tr>`,
)}
</tbody>
</table>`;
  return layout({ title: 'ユーザー管理', session, path, main });
}

export function newUserPage(session: ActiveSession, departments: Department[], v: NewUserValues, e: FormErrors, path: string): Html {
  const main = html`<h1>ユーザーの作成</h1>
<p><a href="/admin/users">ユーザー一覧へ戻る</a></p>
${errorSummary(e, ANCHORS)}
<form method="post" action="/admin/users/new" novalidate>
${csrfField(session.csrfToken)}
${input({ name: 'username', label: 'ユーザー名 (user name)', value: v.username, required: true, autocomplete: 'off', hint: '英小文字で始まる2〜32文字 (a-z 0-9 . _ -)' }, e)}
${profileFields(v, departments, e)}
${input({ name: 'password', label: '初期パスワード (password)', type: 'password', autocomplete: 'new-password', required: true }, e)}
${input({ name: 'sipPassword', label: 'SIPパスワード (任意; softphone password, optional)', type: 'password', autocomplete: 'new-password' }, e)}
<button type="submit">作成する</button>
</form>`;
  return layout({ title: 'ユーザーの作成', session, path, main });
}

export interface EditUserView {
  user: User;
  hasSip: boolean;
  departments: Department[];
  profile: ProfileValues;
  errors: FormErrors;
  notice?: string;
}

export function editUserPage(session: ActiveSession, v: EditUserView, path: string): Html {
  const u = v.user;
  const e = v.errors;
  const action = `/admin/users/${u.id}`;
  const csrf = csrfField(session.csrfToken);
  const main = html`<h1>ユーザーの編集: ${u.username}</h1>
<p><a href="/admin/users">ユーザー一覧へ戻る</a></p>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
${errorSummary(e, { ...ANCHORS, user: 'state' })}
<dl class="facts">
<dt>状態</dt><dd>${stateLabel(u)}</dd>
<dt>作成日時</dt><dd>${formatJst(new Date(u.createdAt))}</dd>
<dt>パスワード変更日時</dt><dd>${formatJst(new Date(u.passwordChangedAt))}</dd>
<dt>SIPアカウント</dt><dd>${v.hasSip ? 'あり' : 'なし'}</dd>
</dl>
<section aria-labelledby="profile">
<h2 id="profile">基本情報</h2>
<form method="post" action="${action}" novalidate>
${csrf}<input type="hidden" name="action" value="profile">
${profileFields(v.profile, v.departments, e)}
<button type="submit">保存する</button>
</form>
</section>
<section aria-labelledby="pw">
<h2 id="pw">パスワードの再設定</h2>
<form method="post" action="${action}" novalidate>
${csrf}<input type="hidden" name="action" value="password">
${input({ name: 'password', label: '新しいパスワード (new password)', type: 'password', autocomplete: 'new-password', required: true }, e)}
<button type="submit">再設定する</button>
</form>
</section>
<section aria-labelledby="sip">
<h2 id="sip">SIPパスワード</h2>
<form method="post" action="${action}" novalidate>
${csrf}<input type="hidden" name="action" value="sip">
${input({ name: 'sipPassword', label: '新しいSIPパスワード (softphone password)', type: 'password', autocomplete: 'new-password', required: true }, e)}
<button type="submit">設定する</button>
</form>
</section>
<section aria-labelledby="state">
<h2 id="state" tabindex="-1">利用状態</h2>
<form method="post" action="${action}">
${csrf}<input type="hidden" name="action" value="${u.disabledAt ? 'enable' : 'disable'}">
<p>${u.disabledAt ? 'このユーザーは無効です。有効にするとログインできるようになります。' : '無効にすると、このユーザーはログインできなくなり、ログイン中のセッションも終了します。'}</p>
${fieldError(e, 'user')}
<button type="submit"${u.disabledAt ? '' : html` class="danger"`}>${u.disabledAt ? '有効にする' : '無効にする'}</button>
</form>
</section>`;
  return layout({ title: `ユーザーの編集: ${u.username}`, session, path, main });
}

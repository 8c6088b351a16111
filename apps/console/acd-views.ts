/**
 * Pages of the ACD (T5-T7): the wallboard (ウォールボード), an operator's own panel (オペレーター) with the
 * current call and transfers, callback requests (折り返し依頼), and the page shown when call control cannot
 * be reached. The wallboard and the panel are complete without JavaScript; their scripts
 * (assets/acd-*.js) only keep them current from the live relay, using the same data-* hooks.
 */
import type { ActiveSession } from '../accounts/session-service.js';
import { AGENT_STATE_LABELS, AGENT_STATES, NOT_READY_LABELS, type AgentStatus } from '../acd/agent-state.js';
import type { LiveFigures, QueueFigures } from '../acd/figures.js';
import { formatJst, jstDate, jstParts } from '../time/jst.js';
import type { AgentCall, CallPhase } from './acd-client.js';
import { ACD_UNAVAILABLE } from './acd-client.js';
import { csrfField, errorSummary, input, select, type FormErrors } from './forms.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';

/** Reasons an operator picks; 不在着信 (missed) is set by the ACD only. */
export const CHOSEN_REASONS = ['break', 'training', 'meeting', 'other'] as const;

const PHASE_LABELS: Record<CallPhase, string> = { talking: '通話中', held: '保留中', consulting: '相談中（お客様は保留）', conference: '三者通話中' };

const LANGUAGE_LABELS: Record<string, string> = { ja: '日本語', en: '英語 (English)', zh: '中国語 (中文)', ko: '韓国語 (한국어)', interpreter: '通訳 (interpreter)' };

export const languageLabel = (l: string | null): string => (l ? (LANGUAGE_LABELS[l] ?? l) : '—');

/** mm:ss (or h:mm:ss) of a number of seconds, as the wallboard's script writes it too. */
export function clockTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

/** 即応率 (§16): answered within 15 s of all calls that came in, '—' before the first. */
export const percent = (part: number, whole: number): string => (whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : '—');

const timeOfDay = (iso: string): string => {
  const p = jstParts(new Date(iso));
  return [p.hour, p.minute, p.second].map((n) => String(n).padStart(2, '0')).join(':');
};

/**
 * The ACD's stylesheet, linked from the page body (allowed for rel=stylesheet) since the shared layout has
 * no per-page head, and the state labels the scripts write, so they are defined once, here.
 */
const acdHead = (): Html =>
  html`<link rel="stylesheet" href="/assets/acd.css"><div hidden id="acd-labels" data-states="${JSON.stringify(AGENT_STATE_LABELS)}" data-reasons="${JSON.stringify(NOT_READY_LABELS)}"></div>`;

/** socket.io's client (served by the relay itself), the shared connection, then the page's own script. */
const liveScripts = (page: string): Html =>
  html`<script src="/live/socket.io.js" defer></script><script src="/assets/acd-live.js" defer></script><script src="/assets/${page}" defer></script>`;

export function stateText(a: Pick<AgentStatus, 'state' | 'reason'>): string {
  return a.state === 'not_ready' && a.reason ? `${AGENT_STATE_LABELS.not_ready}（${NOT_READY_LABELS[a.reason]}）` : AGENT_STATE_LABELS[a.state];
}

/** The 待ち呼警告灯: red with its words (colour alone tells nobody who cannot see red), an alert when on. */
function alarmLight(on: boolean): Html {
  return on ? html`<span class="acd-alarm on" role="alert" data-f="alarm">待ち呼警告</span>` : html`<span class="acd-alarm" data-f="alarm">なし</span>`;
}

function figureCells(f: QueueFigures): Html {
  return html`<td data-f="waiting" class="num">${f.waiting}</td>
<td data-f="longestWaitS" data-seconds="${f.longestWaitS}" class="num">${clockTime(f.longestWaitS)}</td>
<td data-f="answered" class="num">${f.answered}</td>
<td data-f="answeredWithin15s" class="num">${f.answeredWithin15s}（${percent(f.answeredWithin15s, f.offered)}）</td>
<td data-f="abandoned" class="num">${f.abandoned}（平均 ${clockTime(f.abandonedWaitS.mean)}）</td>
${AGENT_STATES.map((s) => html`<td data-f="agents.${s}" class="num">${f.agents[s]}</td>`)}
<td>${alarmLight(f.alarm)}</td>`;
}

export interface WallboardData {
  figures: LiveFigures;
  agents: AgentStatus[];
  /** Queue id -> its name, for the rows. */
  queueNames: Record<string, string>;
  /** Supervisors get a control per operator. */
  manage: boolean;
  notice?: string;
  error?: string;
}

export function wallboardPage(session: ActiveSession, d: WallboardData): Html {
  const f = d.figures;
  const today = jstDate(new Date(f.at));
  const main = html`${acdHead()}<h1>ウォールボード</h1>
<p class="hint">本日（${f.date}）の集計。<span data-f="at">${formatJst(new Date(f.at), true)}</span> 現在（日本時間）。<span class="acd-conn" data-conn role="status"></span></p>
${d.notice ? html`<p class="notice" role="status">${d.notice}</p>` : ''}
${d.error ? html`<p class="alert" role="alert">${d.error}</p>` : ''}
<section aria-labelledby="total-h" class="acd-total" data-queue="total">
<h2 id="total-h">センター全体</h2>
<p class="acd-light">待ち呼警告灯: ${alarmLight(f.total.alarm)}</p>
<dl class="acd-tiles">
<div><dt>待ち呼数</dt><dd data-f="waiting">${f.total.waiting}</dd></div>
<div><dt>最長待ち時間</dt><dd data-f="longestWaitS" data-seconds="${f.total.longestWaitS}">${clockTime(f.total.longestWaitS)}</dd></div>
<div><dt>応答数</dt><dd data-f="answered">${f.total.answered}</dd></div>
<div><dt>15秒以内応答（即応率）</dt><dd data-f="answeredWithin15s">${f.total.answeredWithin15s}（${percent(f.total.answeredWithin15s, f.total.offered)}）</dd></div>
<div><dt>放棄数（平均待ち時間）</dt><dd data-f="abandoned">${f.total.abandoned}（平均 ${clockTime(f.total.abandonedWaitS.mean)}）</dd></div>
</dl>
</section>
<table class="acd-queues">
<caption>待ち行列ごとの状況（オペレーター数は状態別）</caption>
<thead><tr><th scope="col">待ち行列</th><th scope="col">待ち呼数</th><th scope="col">最長待ち時間</th><th scope="col">応答数</th><th scope="col">15秒以内応答（即応率）</th><th scope="col">放棄数（平均待ち時間）</th>
${AGENT_STATES.map((s) => html`<th scope="col">${AGENT_STATE_LABELS[s]}</th>`)}<th scope="col">待ち呼警告</th></tr></thead>
<tbody>
${f.queues.map((q) => html`<tr data-queue="${q.queue}"><th scope="row">${d.queueNames[q.queue] ?? q.queue}</th>${figureCells(q)}</tr>`)}
<tr data-queue="total" class="acd-sum"><th scope="row">合計</th>${figureCells(f.total)}</tr>
</tbody>
</table>
<table class="acd-agents">
<caption>オペレーターの状態</caption>
<thead><tr><th scope="col">オペレーター</th><th scope="col">状態</th><th scope="col">開始時刻</th><th scope="col">連絡先</th>${d.manage ? html`<th scope="col">状態の変更</th>` : ''}</tr></thead>
<tbody data-agents data-manage="${d.manage ? '1' : ''}">
${d.agents.map((a) => agentRow(a, d.manage ? session.csrfToken : null))}
</tbody>
</table>
${d.manage ? cdrForm(today) : ''}
${liveScripts('acd-wallboard.js')}`;
  return layout({ title: 'ウォールボード', session, path: '/acd/wallboard', main });
}

const contactText = (a: AgentStatus): string => (!a.contact ? '—' : a.contact.kind === 'softphone' ? 'ソフトフォン' : `外線 ${a.contact.number}`);

function agentRow(a: AgentStatus, csrf: string | null): Html {
  return html`<tr data-agent="${a.agent}">
<th scope="row">${a.agent}</th>
<td data-f="state" data-state="${a.state}">${stateText(a)}</td>
<td data-f="since">${timeOfDay(a.since)}</td>
<td data-f="contact">${contactText(a)}</td>
${csrf === null ? '' : html`<td>${a.state === 'logged_out' ? '—' : supervisorControl(a, csrf)}</td>`}
</tr>`;
}

/** A supervisor's change of one operator's state: 受付可, 離席 with a reason, or ログアウト. */
function supervisorControl(a: AgentStatus, csrf: string): Html {
  const id = `set-${a.agent}`;
  return html`<form method="post" action="/acd/agents/${a.agent}/state" class="acd-inline">
${csrfField(csrf)}<input type="hidden" name="back" value="wallboard">
<label for="${id}" class="skip">${a.agent} の新しい状態</label>
<select id="${id}" name="choice">
<option value="ready">受付可</option>
${CHOSEN_REASONS.map((r) => html`<option value="not_ready:${r}">離席（${NOT_READY_LABELS[r]}）</option>`)}
<option value="logged_out">ログアウト</option>
</select>
<button type="submit">変更<span class="skip">（${a.agent}）</span></button>
</form>`;
}

function cdrForm(today: string): Html {
  return html`<section aria-labelledby="cdr-h">
<h2 id="cdr-h">通話明細（CDR）の出力</h2>
<form method="get" action="/acd/cdr" class="filters">
<div class="field"><label for="cdr-from">開始日 (from, YYYY-MM-DD)</label><input id="cdr-from" name="from" type="text" value="${today}"></div>
<div class="field"><label for="cdr-to">終了日 (to, YYYY-MM-DD)</label><input id="cdr-to" name="to" type="text" value="${today}"></div>
<input type="hidden" name="format" value="csv">
<p><button type="submit">CSV をダウンロード（Excel 用）</button></p>
</form>
</section>`;
}

/** One department in the transfer list with the calendar's verdict now (T7). */
export interface DepartmentVerdict {
  id: string;
  name: string;
  phone: string;
  open: boolean;
  /** ok: until when (JST time); closed: why, and the next window. */
  text: string;
}

/** What a transfer command came to, shown on the panel. */
export type TransferOutcomeView =
  | { kind: 'outside-window'; reason: string; department: { id: string; name: string; phone: string }; next: string | null; callbackHref: string }
  | { kind: 'failed'; reason: string };

export interface AgentPanelData {
  agent: string | null;
  status?: AgentStatus;
  call?: AgentCall | null;
  departments: DepartmentVerdict[];
  notice?: string;
  error?: string;
  transfer?: TransferOutcomeView;
  errors?: FormErrors;
  /** The external number as typed, kept after an error. */
  number?: string;
}

export function agentPanelPage(session: ActiveSession, d: AgentPanelData): Html {
  const title = 'オペレーター';
  if (!d.agent || !d.status) {
    const main = html`<h1>${title}</h1><p>このアカウントにはソフトフォン（SIP）のアカウントがないため、ACD で着信を受けられません。システム管理者に SIP アカウントの設定を依頼してください。</p>`;
    return layout({ title, session, path: '/acd/me', main });
  }
  const s = d.status;
  const errors = d.errors ?? {};
  const main = html`${acdHead()}<h1>${title}（${d.agent}）</h1>
${d.notice ? html`<p class="notice" role="status">${d.notice}</p>` : ''}
${d.error ? html`<p class="alert" role="alert">${d.error}</p>` : ''}
${d.transfer ? transferOutcome(d.transfer) : ''}
<section aria-labelledby="state-h" data-me="${d.agent}" data-state="${s.state}" data-call="${s.callId ?? ''}">
<h2 id="state-h">現在の状態</h2>
<p class="hint"><span class="acd-conn" data-conn role="status"></span></p>
<p role="status" data-changed></p>
<dl class="facts">
<dt>状態</dt><dd data-f="state">${stateText(s)}</dd>
<dt>開始時刻 (日本時間)</dt><dd data-f="since">${timeOfDay(s.since)}</dd>
<dt>着信先</dt><dd>${contactText(s)}</dd>
</dl>
${stateForms(session.csrfToken, d.agent, s, errors, d.number ?? '')}
</section>
${d.call ? callSection(session.csrfToken, d.call, d.departments) : html`<section aria-labelledby="call-h"><h2 id="call-h">通話</h2><p>現在の通話はありません。</p></section>`}
${liveScripts('acd-me.js')}`;
  return layout({ title, session, path: '/acd/me', main });
}

function stateForms(csrf: string, agent: string, s: AgentStatus, errors: FormErrors, number: string): Html {
  const action = `/acd/agents/${agent}/state`;
  if (s.state === 'logged_out') {
    return html`<form method="post" action="${action}" novalidate>
${csrfField(csrf)}<input type="hidden" name="choice" value="ready">
${errorSummary(errors)}
<fieldset class="field"><legend>着信を受ける電話</legend>
<div class="check"><input type="radio" id="contact-softphone" name="contact" value="softphone" checked><label for="contact-softphone">ソフトフォン（このアカウントの SIP 端末）</label></div>
<div class="check"><input type="radio" id="contact-external" name="contact" value="external"${number ? html` checked` : ''}><label for="contact-external">外線番号</label></div>
</fieldset>
${input({ name: 'number', label: '外線番号（外線を選んだとき）', value: number, hint: '例: 09012345678（ハイフンなし可）' }, errors)}
<button type="submit">ログイン</button>
</form>`;
  }
  return html`<div class="acd-actions">
${s.state !== 'ready' && s.state !== 'ringing' && s.state !== 'talking' && s.state !== 'wrap_up' ? html`<form method="post" action="${action}">${csrfField(csrf)}<input type="hidden" name="choice" value="ready"><button type="submit">受付可</button></form>` : ''}
${s.state === 'wrap_up' ? html`<form method="post" action="/acd/agents/${agent}/wrap-up-end">${csrfField(csrf)}<button type="submit">後処理終了</button></form>` : ''}
<form method="post" action="${action}" class="acd-inline">${csrfField(csrf)}
<label for="reason">離席の理由</label>
<select id="reason" name="choice">${CHOSEN_REASONS.map((r) => html`<option value="not_ready:${r}">${NOT_READY_LABELS[r]}</option>`)}</select>
<button type="submit">離席</button></form>
<form method="post" action="${action}">${csrfField(csrf)}<input type="hidden" name="choice" value="logged_out"><button type="submit" class="danger">ログアウト</button></form>
</div>`;
}

function callSection(csrf: string, c: AgentCall, departments: DepartmentVerdict[]): Html {
  const consulting = c.phase === 'consulting' || c.phase === 'conference';
  return html`<section aria-labelledby="call-h">
<h2 id="call-h">現在の通話</h2>
<dl class="facts">
<dt>発信者番号</dt><dd>${c.caller || '非通知'}</dd>
<dt>着信番号 (DNIS)</dt><dd>${c.dnis}</dd>
<dt>待ち行列</dt><dd>${c.queue ?? '—'}</dd>
<dt>言語</dt><dd>${languageLabel(c.language)}</dd>
<dt>開始時刻 (日本時間)</dt><dd>${timeOfDay(c.since)}</dd>
<dt>通話の状態</dt><dd>${PHASE_LABELS[c.phase]}</dd>
</dl>
<div class="acd-actions">
${c.phase === 'talking' ? html`<form method="post" action="/acd/me/hold">${csrfField(csrf)}<button type="submit">保留</button></form>` : ''}
${c.phase === 'held' ? html`<form method="post" action="/acd/me/unhold">${csrfField(csrf)}<button type="submit">保留解除</button></form>` : ''}
${consulting
  ? html`${c.phase === 'consulting' ? html`<form method="post" action="/acd/me/consult/complete">${csrfField(csrf)}<button type="submit">転送完了</button></form>
<form method="post" action="/acd/me/consult/conference">${csrfField(csrf)}<button type="submit">三者通話</button></form>` : ''}
<form method="post" action="/acd/me/consult/cancel">${csrfField(csrf)}<button type="submit" class="danger">相談取消</button></form>`
  : ''}
</div>
${consulting ? '' : transferForm(csrf, departments)}
</section>`;
}

function transferForm(csrf: string, departments: DepartmentVerdict[]): Html {
  return html`<h3>所管課への転送</h3>
<table class="acd-verdicts">
<caption>転送先の受付状況（いま）</caption>
<thead><tr><th scope="col">所管課</th><th scope="col">転送</th><th scope="col">電話番号</th></tr></thead>
<tbody>${departments.map((d) => html`<tr><th scope="row">${d.name}</th><td class="${d.open ? 'state on' : 'state off'}">${d.text}</td><td>${d.phone}</td></tr>`)}</tbody>
</table>
<form method="post" action="/acd/me/transfer">
${csrfField(csrf)}
${select({ name: 'department', label: '転送先の所管課', value: departments.find((d) => d.open)?.id ?? '', options: departments.map((d) => ({ value: d.id, label: `${d.name} — ${d.open ? '転送可' : '転送不可'}` })) }, {})}
<p><button type="submit" name="mode" value="blind">転送</button> <button type="submit" name="mode" value="attended">相談転送</button></p>
</form>`;
}

function transferOutcome(t: TransferOutcomeView): Html {
  if (t.kind === 'failed') {
    return html`<div class="alert" role="alert"><p>転送できませんでした: ${t.reason || '所管課が応答しませんでした'}。お客様との通話に戻ります（転送のときは待ち行列に戻ります）。</p></div>`;
  }
  return html`<div class="alert" role="alert">
<p>${t.department.name}は現在転送を受け付けていません: ${t.reason}</p>
<p>お客様には所管課の電話番号 <strong class="acd-phone">${t.department.phone}</strong> をお伝えください${t.next ? html`（次の受付開始: ${formatJst(new Date(t.next))}）` : ''}。</p>
<p><a href="${t.callbackHref}">折り返し依頼を登録する</a></p>
</div>`;
}

/** The form's fields as typed, kept when it comes back with errors. */
export interface CallbackValues {
  callerName: string;
  number: string;
  topic: string;
  departmentId: string;
  preferredTime: string;
  language: string;
  callId: string;
}

export const CALLBACK_LANGUAGES = ['ja', 'en', 'zh', 'ko', 'interpreter'];

export function callbackFormPage(
  session: ActiveSession,
  o: { values: CallbackValues; errors: FormErrors; departments: { id: string; name: string }[]; notice?: string; canList: boolean },
): Html {
  const v = o.values;
  const e = o.errors;
  const main = html`${acdHead()}<h1>折り返し依頼の登録</h1>
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
<p>所管課が受付時間外のときなど、お客様への折り返し連絡を依頼します。依頼は所管課の一覧に表示され、完了すると個人情報はすぐに消去されます。</p>
${errorSummary(e)}
<form method="post" action="/acd/callbacks" novalidate>
${csrfField(session.csrfToken)}
${v.callId ? html`<input type="hidden" name="callId" value="${v.callId}">` : ''}
${input({ name: 'callerName', label: 'お名前 (caller name)', value: v.callerName, hint: '任意。60文字まで' }, e)}
${input({ name: 'number', label: '電話番号 (number)', value: v.number, required: true, hint: '数字6〜15桁（ハイフン・空白は除いて数えます）' }, e)}
<div class="field">
<label for="topic">用件 (topic)</label>
<textarea id="topic" name="topic" rows="4"${e.topic ? html` aria-invalid="true" aria-describedby="topic-error"` : ''}>${v.topic}</textarea>
${e.topic ? html`<p class="error" id="topic-error">${e.topic}</p>` : ''}
</div>
${select({ name: 'departmentId', label: '折り返す所管課 (department)', value: v.departmentId, options: [{ value: '', label: 'センター（オペレーターが折り返す）' }, ...o.departments.map((d) => ({ value: d.id, label: d.name }))] }, e)}
${input({ name: 'preferredTime', label: '希望の時間帯 (preferred time)', value: v.preferredTime, hint: '例: 平日の午前中。100文字まで' }, e)}
${select({ name: 'language', label: '言語 (language)', value: v.language, options: CALLBACK_LANGUAGES.map((l) => ({ value: l, label: languageLabel(l) })) }, e)}
<button type="submit">登録する</button>
</form>
${o.canList ? html`<p><a href="/acd/callbacks">折り返し依頼の一覧へ</a></p>` : ''}`;
  return layout({ title: '折り返し依頼の登録', session, path: '/acd/callbacks', main });
}

export interface CallbackListRow {
  id: number;
  createdAt: string;
  department: string;
  callerName: string | null;
  number: string | null;
  topic: string | null;
  preferredTime: string | null;
  language: string | null;
}

export function callbackListPage(session: ActiveSession, o: { rows: CallbackListRow[]; scope: string; notice?: string; canWrite: boolean }): Html {
  const main = html`${acdHead()}<h1>折り返し依頼</h1>
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
<p>${o.scope}の未完了の依頼です。完了にすると、お名前・電話番号・用件・希望時間はすぐに消去されます。</p>
${o.canWrite ? html`<p><a class="button" href="/acd/callbacks/new">折り返し依頼を登録する</a></p>` : ''}
${o.rows.length
  ? html`<table>
<caption>未完了の折り返し依頼 ${o.rows.length}件</caption>
<thead><tr><th scope="col">受付日時 (日本時間)</th><th scope="col">所管課</th><th scope="col">お名前</th><th scope="col">電話番号</th><th scope="col">用件</th><th scope="col">希望の時間帯</th><th scope="col">言語</th><th scope="col">操作</th></tr></thead>
<tbody>${o.rows.map(
      (r) => html`<tr>
<td>${formatJst(new Date(r.createdAt))}</td><td>${r.department}</td><td>${r.callerName || '—'}</td><td>${r.number ?? '—'}</td><td>${r.topic ?? '—'}</td><td>${r.preferredTime || '—'}</td><td>${languageLabel(r.language)}</td>
<td><form method="post" action="/acd/callbacks/${r.id}/done">${csrfField(session.csrfToken)}<button type="submit">完了<span class="skip">（依頼 ${r.id}）</span></button></form></td>
</tr>`,
    )}</tbody></table>`
  : html`<p>未完了の依頼はありません。</p>`}`;
  return layout({ title: '折り返し依頼', session, path: '/acd/callbacks', main });
}

export function unavailablePage(session: ActiveSession | undefined, path: string): Html {
  const main = html`<h1>${ACD_UNAVAILABLE}</h1>
<p>呼制御（call control）に接続できないため、ACD の状況を表示・操作できません。しばらくしてからページを開き直してください。続く場合はシステム管理者に連絡してください。</p>
<p><a href="${path}">開き直す</a> ・ <a href="/">ホームへ戻る</a></p>`;
  return layout({ title: 'ACD に接続できません', session, path, main });
}


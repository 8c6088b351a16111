/** Pages of the call recordings (T8): the searchable list and one recording with its player. */
import type { ActiveSession } from '../accounts/session-service.js';
import { formatJst } from '../time/jst.js';
import type { RecordingRow } from '../../db/repositories/recordings.js';
import { errorSummary, input, select, type FormErrors } from './forms.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';

/** The filter as typed, kept in the form and the paging links. */
export interface RecordingQuery {
  from: string;
  to: string;
  dnis: string;
  caller: string;
  agent: string;
  complete: string;
}

/** What each incomplete reason (apps/recordings/recording-service.ts) means to a supervisor. */
const REASON_LABELS: Record<string, string> = {
  'capture-missing': '録音データがありません',
  'capture-truncated': '録音が途中で途切れています（障害またはディスク不足）',
  'capture-not-closed': 'メディアサーバーが録音を閉じていません',
  'capture-empty': '録音データが空です',
  'capture-unreadable': '録音データを読み取れません',
  'write-failed': '音声ファイルの保存に失敗しました',
  leftover: '障害後に回収した録音です',
  'caller-side-guessed': '左右（発信者／応対者）の割り当ては推定です',
};

export function reasonLines(reason: string | null): { label: string; detail: string }[] {
  return (reason ?? '').split('; ').filter(Boolean).map((part) => {
    const colon = part.indexOf(': ');
    const code = colon < 0 ? part : part.slice(0, colon);
    return { label: REASON_LABELS[code] ?? code, detail: colon < 0 ? '' : part.slice(colon + 2) };
  });
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

function state(r: RecordingRow): Html {
  if (r.deletedAt) return html`<span>削除済み（保存期間経過 ${formatJst(r.deletedAt)}）</span>`;
  if (r.complete) return html`<span class="state on">完全</span>`;
  return html`<span class="state off">不完全</span><ul class="reasons">${reasonLines(r.incompleteReason).map((l) => html`<li>${l.label}${l.detail ? html` <span class="detail">(${l.detail})</span>` : ''}</li>`)}</ul>`;
}

const COMPLETE_OPTIONS = [
  { value: '', label: 'すべて (all)' },
  { value: 'yes', label: '完全のみ (complete)' },
  { value: 'no', label: '不完全のみ (incomplete)' },
];

export function recordingListPage(
  session: ActiveSession,
  o: { query: RecordingQuery; errors: FormErrors; rows: RecordingRow[]; total: number; page: number; pages: number; path: string },
): Html {
  const e = o.errors;
  const q = o.query;
  const link = (page: number) => {
    const p = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== ''));
    if (page > 1) p.set('page', String(page));
    const s = p.toString();
    return `/recordings${s ? '?' + s : ''}`;
  };
  const main = html`<h1>通話録音</h1>
${errorSummary(e)}
<form method="get" action="/recordings" class="filters" aria-label="録音の検索">
${input({ name: 'from', label: '開始日 (from, YYYY-MM-DD)', value: q.from, hint: '日本時間。この日を含みます' }, e)}
${input({ name: 'to', label: '終了日 (to, YYYY-MM-DD)', value: q.to, hint: '日本時間。この日を含みます' }, e)}
${input({ name: 'caller', label: '発信者番号 (caller, 一部でも可)', value: q.caller }, e)}
${input({ name: 'dnis', label: '着信番号 (dialled number)', value: q.dnis }, e)}
${input({ name: 'agent', label: '応対オペレーター (agent user name)', value: q.agent }, e)}
${select({ name: 'complete', label: '録音の状態 (state)', value: q.complete, options: COMPLETE_OPTIONS }, e)}
<p><button type="submit">検索</button> <a href="/recordings">条件をクリア</a></p>
</form>
${
  Object.keys(e).length
    ? ''
    : html`<table>
<caption>録音一覧 ${o.total}件${o.pages > 1 ? ` (${o.page} / ${o.pages} ページ)` : ''}</caption>
<thead><tr><th scope="col">開始日時 (日本時間)</th><th scope="col">通話時間</th><th scope="col">発信者番号</th><th scope="col">着信番号</th><th scope="col">応対者</th><th scope="col">状態</th><th scope="col">録音</th></tr></thead>
<tbody>
${o.rows.map(
  (r) => html`<tr>
<td>${formatJst(r.startedAt, true)}</td>
<td>${formatDuration(r.durationMs)}</td>
<td>${r.caller || '非通知'}</td>
<td>${r.dnis}</td>
<td>${r.agent ?? '—'}</td>
<td>${state(r)}</td>
<td>${r.path ? html`<a href="/recordings/${r.id}">再生・ダウンロード<span class="skip"> (録音 ${r.id})</span></a>` : '—'}</td>
</tr>`,
)}
</tbody>
</table>
<nav aria-label="ページ送り" class="pager">
${o.page > 1 ? html`<a href="${link(o.page - 1)}">前のページ</a>` : ''}
${o.page < o.pages ? html`<a href="${link(o.page + 1)}">次のページ</a>` : ''}
</nav>`
}`;
  return layout({ title: '通話録音', session, path: o.path, main });
}

export function recordingPage(session: ActiveSession, r: RecordingRow, path: string): Html {
  const main = html`<h1>通話録音 ${r.id}</h1>
<dl class="facts">
<dt>開始日時 (日本時間)</dt><dd>${formatJst(r.startedAt, true)}</dd>
<dt>終了日時 (日本時間)</dt><dd>${formatJst(r.endedAt, true)}</dd>
<dt>通話時間</dt><dd>${formatDuration(r.durationMs)}</dd>
<dt>発信者番号</dt><dd>${r.caller || '非通知'}</dd>
<dt>着信番号</dt><dd>${r.dnis}</dd>
<dt>応対者</dt><dd>${r.agent ?? '—'}</dd>
<dt>状態</dt><dd>${state(r)}</dd>
</dl>
<h2>再生</h2>
${
  r.path
    ? html`<p class="hint">左チャンネルが発信者、右チャンネルが応対者（オペレーターまたは自動音声）です。再生とダウンロードは監査ログに記録されます。</p>
<audio controls preload="metadata" src="/recordings/${r.id}/audio">お使いのブラウザは音声の再生に対応していません。</audio>
<p><a class="button" href="/recordings/${r.id}/download">WAVファイルをダウンロード</a></p>`
    : html`<p>${goneMessage(r)}</p>`
}
<p><a href="/recordings">録音一覧へ戻る</a></p>`;
  return layout({ title: `通話録音 ${r.id}`, session, path, main });
}

export function goneMessage(r: RecordingRow): string {
  return r.deletedAt
    ? `この録音の音声は保存期間を過ぎたため ${formatJst(r.deletedAt)} に削除されました (deleted after the retention period)`
    : 'この録音には音声ファイルがありません (no audio for this recording)';
}

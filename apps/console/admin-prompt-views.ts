/** The page of IVR prompts (音声ガイダンス) for the system administrator: text, audio, replace, revert. */
import type { ActiveSession } from '../accounts/session-service.js';
import { LANG_LABELS, PROMPT_IDS, PROMPTS, promptText, type PromptId } from '../callflow/prompt-catalogue.js';
import { MAX_SECONDS } from '../../media/prompts/recording-import.js';
import { csrfField, errorSummary } from './forms.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';

export const PROMPTS_PATH = '/admin/prompts';

export interface PromptRow {
  segment: string;
  title: string;
  lang: keyof typeof LANG_LABELS;
  text: string;
  kind: 'speech' | 'music';
  custom: boolean;
  /** Changes when the audio does, so the player fetches it again. */
  version: string;
}

/** Row keys (`greeting.ja`) to the reason an upload was refused. */
export type RowErrors = Record<string, string>;

export const rowKey = (segment: string, lang: string): string => `${segment}.${lang}`;
const domId = (segment: string, lang: string) => `file-${segment.replace(/\./g, '-')}-${lang}`;

/** Examples of the prompts with values, so the administrator sees which sentence stays synthesised. */
function example(id: PromptId): string {
  const now = new Date('2027-11-24T20:00:00+09:00');
  const nextOpening = new Date('2027-11-25T08:00:00+09:00');
  switch (id) {
    case 'closed':
    case 'election-closed':
      return promptText(id, 'ja', { nextOpening, now });
    case 'busy':
    case 'hold-position':
      return promptText(id, 'ja', { ahead: 3 });
    default:
      return '';
  }
}

function row(s: ActiveSession, r: PromptRow, errors: RowErrors): Html {
  const id = domId(r.segment, r.lang);
  const error = errors[rowKey(r.segment, r.lang)];
  const base = `${PROMPTS_PATH}/${r.segment}/${r.lang}`;
  const name = `${r.title}（${LANG_LABELS[r.lang]}）`;
  return html`<tr id="row-${id}">
<td>${r.title}<br><code>${r.segment}</code></td>
<td lang="${r.lang === 'zxx' ? 'ja' : r.lang}">${r.kind === 'music' ? html`<span lang="ja">${LANG_LABELS.zxx}（sox で生成した和音のループ）</span>` : html`<span lang="ja">${LANG_LABELS[r.lang]}</span><br>${r.text}`}</td>
<td><p class="state ${r.custom ? 'off' : 'on'}">${r.custom ? '録音（差し替え済み）' : '合成音声'}</p>
<audio controls preload="none" src="${base}/audio?v=${r.version}" aria-label="${name}を再生"></audio></td>
<td><form method="post" action="${base}/upload" enctype="multipart/form-data">${csrfField(s.csrfToken)}
<label for="${id}">${name}を差し替えるWAVファイル</label>
<input type="file" id="${id}" name="file" accept=".wav,audio/wav,audio/x-wav" required${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
<button type="submit" aria-label="${name}を差し替える">差し替える</button></form>
${r.custom
  ? html`<form method="post" action="${base}/revert">${csrfField(s.csrfToken)}<button type="submit" class="danger" aria-label="${name}を合成音声に戻す">合成音声に戻す</button></form>`
  : ''}</td>
</tr>`;
}

export function promptListPage(s: ActiveSession, rows: PromptRow[], errors: RowErrors, notice?: string): Html {
  const anchors = Object.fromEntries(Object.keys(errors).map((k) => [k, domId(k.slice(0, k.lastIndexOf('.')), k.slice(k.lastIndexOf('.') + 1))]));
  const withValues = PROMPT_IDS.filter((id) => example(id));
  const main = html`<h1>音声ガイダンス</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${errorSummary(errors, anchors)}
<p>着信時に流れる案内の一覧です。日本語は Open JTalk、英語・中国語・韓国語は espeak-ng で合成し、電話用（8 kHz）に変換しています。
録音したWAVファイル（サンプリング周波数・チャンネル数・ビット数は問いません）に差し替えることができ、いつでも合成音声に戻せます。
案内音声は${MAX_SECONDS.speech / 60}分まで、待ち受け音楽は${MAX_SECONDS.music / 60}分までです。音量は自動でそろえます。</p>
<section aria-labelledby="values">
<h2 id="values">時刻・人数を含む案内</h2>
<p>次の受付時刻や待ち人数を読み上げる文は、通話ごとに内容が変わるため常に合成音声です。その前後の決まった文は下の一覧で差し替えられます。</p>
<ul>${withValues.map((id) => html`<li><strong>${PROMPTS[id].title}</strong>: ${example(id)}</li>`)}</ul>
</section>
<section aria-labelledby="list">
<h2 id="list">差し替えできる案内</h2>
<table>
<caption>案内 ${rows.length}件</caption>
<thead><tr><th scope="col">案内</th><th scope="col">文言</th><th scope="col">現在の音声</th><th scope="col">差し替え</th></tr></thead>
<tbody>${rows.map((r) => row(s, r, errors))}</tbody>
</table>
</section>`;
  return layout({ title: '音声ガイダンス', session: s, path: PROMPTS_PATH, main });
}

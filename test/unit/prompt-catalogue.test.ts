/** The IVR's words as data (T2-T4, T10): every prompt in its languages, values placed, fixed parts replaceable. */
import t from 'tap';
import {
  PROMPT_IDS,
  PROMPTS,
  promptParts,
  promptText,
  SEGMENT_IDS,
  SEGMENTS,
  segmentLangs,
  segmentPart,
  type ParamsArg,
  type PromptId,
} from '../../apps/callflow/prompt-catalogue.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';

const now = new Date('2027-11-24T20:30:00+09:00');
const nextOpening = new Date('2027-11-25T08:00:00+09:00');
const sample: { [I in PromptId]: ParamsArg<I> } = {
  greeting: [],
  'election-greeting': [],
  'language-menu': [],
  closed: [{ nextOpening, now }],
  'election-closed': [{ nextOpening, now }],
  busy: [{ ahead: 3 }],
  hold: [],
  'hold-position': [{ ahead: 2 }],
  'queue-music': [],
  'hold-estimate': [{ minutes: 4 }],
  'callback-offer': [],
  'callback-queued': [],
  'transfer-failed': [],
  'transfer-handover': [{ language: 'en' }],
  transfer: [],
  callback: [],
  interpreter: [],
  invalid: [],
  'no-input': [],
  goodbye: [],
  overload: [],
};
const text = (id: PromptId, lang: 'ja' | 'en' | 'zh' | 'ko') => (promptText as (id: PromptId, lang: string, ...p: unknown[]) => string)(id, lang, ...sample[id]);

t.test('every prompt has Japanese and, but for the multilingual menu and what ward staff hear, English', async (t) => {
  for (const id of PROMPT_IDS) {
    t.ok(PROMPTS[id].langs.includes('ja'), `${id} ja`);
    if (id !== 'language-menu' && id !== 'transfer-handover') t.ok(PROMPTS[id].langs.includes('en'), `${id} en`);
    for (const lang of PROMPTS[id].langs) if (id !== 'queue-music') t.ok(text(id, lang).length > 2, `${id} ${lang} has text`);
  }
});

t.test('the texts a municipal call centre says', async (t) => {
  t.equal(text('greeting', 'ja'), 'お電話ありがとうございます。世田谷区コールセンター「せたがやコール」です。');
  t.equal(
    text('closed', 'ja'),
    'ただいまの時間は、受付時間外です。 次の受付は、明日午前8時からです。 受付時間は、平日は午前8時から午後7時まで、土曜日・日曜日・祝日は午前8時から午後6時までです。 恐れ入りますが、受付時間内におかけ直しください。',
  );
  t.match(text('closed', 'en'), /We will open again tomorrow at 8 a\.m\./);
  t.match(text('election-closed', 'ja'), /選挙の投票日は、午前6時30分から午後8時まで/);
  t.match(text('busy', 'ja'), /現在、3名の方がお待ちです。/);
  t.match(text('busy', 'en'), /There are 3 callers ahead of you\./);
  t.equal(promptText('busy', 'en', { ahead: 1 }).includes('There is 1 caller ahead of you.'), true, 'singular');
  t.match(promptText('busy', 'ja', { ahead: 0 }), /まもなくおつなぎします/, 'nobody ahead');
  t.match(text('hold-estimate', 'ja'), /およそ4分/, 'the estimated wait in minutes');
  t.match(text('transfer-handover', 'ja'), /せたがやコール.*英語でお話しになります/, 'T10: the department is told the caller speaks English');
  t.notMatch(promptText('transfer-handover', 'ja', { language: 'ja' }), /お話しになります/, 'no language sentence for a Japanese caller');
  t.equal(promptText('hold-estimate', 'en', { minutes: 1 }), 'Your estimated wait is about 1 minute.', 'singular minute');
  t.match(text('transfer', 'ja'), /^担当部署におつなぎします。/);
  t.match(text('callback', 'ja'), /折り返しお電話を差し上げます/);
  t.match(text('language-menu', 'ja'), /^日本語のかたは、1を押してください。 For English, press 2\. 中文服务请按3。 한국어 안내는 4번을 눌러 주십시오\. For other languages, press 9\.$/);
  t.match(text('busy', 'zh'), /目前有3位来电者在等候/);
  t.match(text('busy', 'ko'), /현재 대기 중인 통화는 3건입니다/);
  t.equal(text('queue-music', 'ja'), '', 'music says nothing');
});

t.test('values are spoken parts; fixed sentences are replaceable segments', async (t) => {
  const parts = promptParts('closed', 'ja', { nextOpening, now });
  t.same(
    parts.map((p) => (p.kind === 'fixed' ? `${p.id}.${p.lang}` : 'spoken')),
    ['closed.intro.ja', 'spoken', 'closed.hours.ja', 'closed.outro.ja'],
  );
  const spoken = parts[1]!;
  t.same(spoken.audio, { kind: 'speech', lang: 'ja', text: '次の受付は、明日午前8時からです。' });
  t.same(promptParts('queue-music', 'en'), [{ kind: 'fixed', id: 'queue-music', lang: 'zxx', audio: { kind: 'music' } }], 'one music for every language');
});

t.test('every segment names a file the store accepts, in each of its languages', async (t) => {
  const store = new PromptStore({ dataDir: '/nonexistent' });
  for (const id of SEGMENT_IDS) {
    for (const lang of segmentLangs(id)) {
      const part = segmentPart(id, lang);
      t.equal(part.kind, 'fixed');
      t.ok(store.customPath(id, lang).endsWith(`/prompts/custom/${id}.${lang}.wav`), `${id}.${lang}`);
      if (SEGMENTS[id].kind === 'speech') t.equal(part.audio.kind, 'speech');
    }
  }
  t.throws(() => store.customPath('../etc/passwd', 'ja'), RangeError, 'no path escapes the custom folder');
  t.throws(() => store.customPath('greeting', 'j/a'), RangeError);
});

t.test('wrong language or value is refused, not spoken', async (t) => {
  t.throws(() => promptText('closed', 'zh' as 'ja', { nextOpening, now }), /prompt closed has no zh version/);
  t.throws(() => promptText('busy', 'ja', { ahead: -1 }), RangeError);
  t.throws(() => promptText('busy', 'ja', { ahead: 2.5 }), RangeError);
  t.throws(() => promptText('hold-estimate', 'ja', { minutes: 0 }), RangeError, 'an estimate below a minute is not said as 0 minutes');
});

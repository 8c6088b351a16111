/**
 * What the IVR says (T2-T4, T10), as data: every prompt in Japanese and English, and in Chinese and Korean
 * for the prompts a caller hears after choosing those languages at the menu (espeak-ng speaks both).
 *
 * A prompt is made of segments. A segment is fixed text with an id and is what an administrator may replace
 * with a recording (`<dataDir>/prompts/custom/<segment>.<lang>.wav`). A prompt with a value in it (the next
 * opening time, the callers ahead) is split at sentence boundaries: its fixed sentences are segments and
 * can be recorded, the sentence with the value is always synthesised, because no single recording can say
 * every value. The call flow asks for whole prompts: `promptAudio(store, 'closed', 'ja', { nextOpening, now })`.
 */
import type { PromptPart, PromptStore, RenderedPrompt } from '../../media/prompts/prompt-store.js';
import type { RecordingKind } from '../../media/prompts/recording-import.js';
import type { SpeechLang } from '../../media/prompts/synthesizer.js';
import type { LanguageChoice } from './flow-definition.js';
import { spokenOpening } from './spoken-time.js';

export type PromptLang = SpeechLang;
export const PROMPT_LANGS: readonly PromptLang[] = ['ja', 'en', 'zh', 'ko'];
export const LANG_LABELS: Record<PromptLang | typeof NO_LANG, string> = { ja: '日本語', en: 'English', zh: '中文', ko: '한국어', zxx: '言語なし' };
/** ISO 639-2 "no linguistic content": the language code of queue music. */
export const NO_LANG = 'zxx';

interface SegmentDef {
  /** For the console (Japanese). */
  title: string;
  kind: RecordingKind;
  text: Partial<Record<PromptLang, string>>;
}

const GREETING_JA = 'お電話ありがとうございます。世田谷区コールセンター「せたがやコール」です。';
const GREETING_EN = 'Thank you for calling Setagaya City Call Center, Setagaya Call.';

/** The fixed, replaceable units; the prompts below are made of them. */
export const SEGMENTS = {
  greeting: { title: '挨拶', kind: 'speech', text: { ja: GREETING_JA, en: GREETING_EN } },
  'election-greeting': {
    title: '選挙日の挨拶',
    kind: 'speech',
    text: {
      ja: `${GREETING_JA}本日は選挙の投票日のため、午前6時30分から午後8時まで受け付けております。`,
      en: `${GREETING_EN} As today is an election day, we are open from 6:30 a.m. to 8 p.m.`,
    },
  },
  'language-menu': {
    title: '言語選択',
    kind: 'speech',
    text: { ja: '日本語のかたは、1を押してください。', en: 'For English, press 2.', zh: '中文服务请按3。', ko: '한국어 안내는 4번을 눌러 주십시오.' },
  },
  'language-menu.other': { title: '言語選択（その他の言語）', kind: 'speech', text: { en: 'For other languages, press 9.' } },
  'closed.intro': { title: '時間外（冒頭）', kind: 'speech', text: { ja: 'ただいまの時間は、受付時間外です。', en: 'We are currently closed.' } },
  'closed.hours': {
    title: '時間外（受付時間）',
    kind: 'speech',
    text: {
      ja: '受付時間は、平日は午前8時から午後7時まで、土曜日・日曜日・祝日は午前8時から午後6時までです。',
      en: 'Our hours are 8 a.m. to 7 p.m. on weekdays, and 8 a.m. to 6 p.m. on weekends and holidays.',
    },
  },
  'election-closed.hours': {
    title: '選挙日の時間外（受付時間）',
    kind: 'speech',
    text: { ja: '選挙の投票日は、午前6時30分から午後8時まで受け付けております。', en: 'On election days, we are open from 6:30 a.m. to 8 p.m.' },
  },
  'closed.outro': { title: '時間外（結び）', kind: 'speech', text: { ja: '恐れ入りますが、受付時間内におかけ直しください。', en: 'Please call again during our hours.' } },
  'busy.intro': {
    title: '混雑（冒頭）',
    kind: 'speech',
    text: { ja: 'ただいま、電話が大変混み合っております。', en: 'All our operators are currently busy.', zh: '目前线路繁忙。', ko: '지금은 통화량이 많아 연결이 지연되고 있습니다.' },
  },
  'busy.outro': {
    title: '混雑（結び）',
    kind: 'speech',
    text: {
      ja: 'このままお待ちいただくか、しばらくたってからおかけ直しください。',
      en: 'Please stay on the line, or call again later.',
      zh: '请不要挂机，或稍后再拨。',
      ko: '잠시 기다려 주시거나, 나중에 다시 걸어 주십시오.',
    },
  },
  hold: { title: '保留（お待ちください）', kind: 'speech', text: { ja: 'このまま、しばらくお待ちください。', en: 'Please hold the line.', zh: '请稍候。', ko: '잠시만 기다려 주십시오.' } },
  'hold-position.intro': {
    title: '待ち順の案内（冒頭）',
    kind: 'speech',
    text: { ja: '大変お待たせしております。', en: 'Thank you for waiting.', zh: '感谢您的耐心等待。', ko: '기다려 주셔서 감사합니다.' },
  },
  'queue-music': { title: '待ち受け音楽', kind: 'music', text: {} },
  'callback-offer': {
    title: '折り返しのご案内（待ち呼）',
    kind: 'speech',
    text: {
      ja: 'お待ちいただく代わりに、折り返しのお電話をご希望のかたは、1を押してください。',
      en: 'To be called back instead of waiting, press 1.',
      zh: '如需回电而不继续等候，请按1。',
      ko: '기다리시는 대신 회신 전화를 원하시면 1번을 눌러 주십시오.',
    },
  },
  'callback-queued': {
    title: '折り返し受付の確認',
    kind: 'speech',
    text: {
      ja: '折り返しのご依頼を承りました。おかけいただいた電話番号に、センターからお電話いたします。お電話ありがとうございました。',
      en: 'Your callback request has been recorded. We will call you back at this number. Thank you for calling.',
      zh: '您的回电请求已登记。我们将回拨此号码。感谢您的来电。',
      ko: '회신 요청이 접수되었습니다. 이 번호로 다시 전화드리겠습니다. 전화해 주셔서 감사합니다.',
    },
  },
  'transfer-handover': {
    title: '転送先への引継ぎ（部署が聞く案内）',
    kind: 'speech',
    text: { ja: 'こちらは、せたがやコールです。区民の方からのお問い合わせのお電話を、おつなぎします。' },
  },
  'transfer-failed': {
    title: '転送できなかったときの案内',
    kind: 'speech',
    text: {
      ja: '申し訳ございません。担当部署におつなぎできませんでした。オペレーターにおつなぎしますので、このままお待ちください。',
      en: 'We are sorry, we could not reach the department. Please hold for an operator.',
      zh: '很抱歉，未能接通相关部门。请稍候，我们将为您转接接线员。',
      ko: '죄송합니다. 담당 부서에 연결하지 못했습니다. 상담원에게 연결해 드리겠습니다. 잠시만 기다려 주십시오.',
    },
  },
  transfer: {
    title: '転送',
    kind: 'speech',
    text: { ja: '担当部署におつなぎします。このまま、しばらくお待ちください。', en: 'We will now transfer your call to the department in charge. Please hold.' },
  },
  callback: {
    title: '折り返し',
    kind: 'speech',
    text: {
      ja: '担当部署から、折り返しお電話を差し上げます。いったんお電話をお切りになって、お待ちください。',
      en: 'The department in charge will call you back. Please hang up and wait for our call.',
    },
  },
  interpreter: {
    title: '通訳におつなぎ',
    kind: 'speech',
    text: {
      ja: '通訳オペレーターにおつなぎします。しばらくお待ちください。',
      en: 'We will connect you with an interpreter. Please hold.',
      zh: '正在为您转接翻译人员，请稍候。',
      ko: '통역사에게 연결해 드리겠습니다. 잠시만 기다려 주십시오.',
    },
  },
  invalid: {
    title: '入力誤り',
    kind: 'speech',
    text: {
      ja: '恐れ入りますが、入力された番号が正しくありません。もう一度、番号を押してください。',
      en: 'Sorry, that number is not valid. Please try again.',
      zh: '您输入的号码无效，请重新输入。',
      ko: '잘못 누르셨습니다. 다시 눌러 주십시오.',
    },
  },
  'no-input': {
    title: '入力なし',
    kind: 'speech',
    text: {
      ja: '番号の入力が確認できませんでした。もう一度、番号を押してください。',
      en: 'We did not receive your selection. Please press a number.',
      zh: '没有收到您的输入，请按键选择。',
      ko: '입력이 확인되지 않았습니다. 번호를 눌러 주십시오.',
    },
  },
  goodbye: { title: '終話', kind: 'speech', text: { ja: 'お電話ありがとうございました。', en: 'Thank you for calling. Goodbye.', zh: '感谢您的来电，再见。', ko: '전화해 주셔서 감사합니다. 안녕히 계십시오.' } },
  overload: {
    title: '輻輳（かけ直しのお願い）',
    kind: 'speech',
    text: {
      ja: 'ただいま、電話が大変つながりにくくなっております。恐れ入りますが、しばらくたってから、おかけ直しください。',
      en: 'We are receiving a very high number of calls. Please call again later.',
    },
  },
} as const satisfies Record<string, SegmentDef>;

export type SegmentId = keyof typeof SEGMENTS;
export const SEGMENT_IDS = Object.keys(SEGMENTS) as SegmentId[];

/** The next opening, as the call flow knows it from the ward calendar (T2, T3). */
export interface OpeningParams {
  nextOpening: Date;
  now: Date;
}

/** The parameters of each prompt; `undefined` for fixed prompts. */
export interface PromptParams {
  greeting: undefined;
  'election-greeting': undefined;
  /** Japanese, English, Chinese and Korean in one prompt; 9 for other languages (interpreting, T10). */
  'language-menu': undefined;
  closed: OpeningParams;
  'election-closed': OpeningParams;
  /** Callers in the queue ahead of this one (T4). */
  busy: { ahead: number };
  hold: undefined;
  /** Said between rounds of queue music: thanks, the callers still ahead, please hold. */
  'hold-position': { ahead: number };
  'queue-music': undefined;
  /** The estimated wait in whole minutes (from recent handle times); said only when it is known. */
  'hold-estimate': { minutes: number };
  'callback-offer': undefined;
  'callback-queued': undefined;
  'transfer-failed': undefined;
  /** What the department hears before a blind transfer is put through: who calls, and in which language (T10). */
  'transfer-handover': { language: LanguageChoice };
  transfer: undefined;
  callback: undefined;
  interpreter: undefined;
  invalid: undefined;
  'no-input': undefined;
  goodbye: undefined;
  overload: undefined;
}
export type PromptId = keyof PromptParams;
export type ParamsArg<I extends PromptId> = PromptParams[I] extends undefined ? [] : [PromptParams[I]];

/** A prompt's pieces before they become audio: a segment, or a sentence with a value in it. */
type Piece = { segment: SegmentId; lang: PromptLang | typeof NO_LANG } | { say: string; lang: PromptLang };

interface PromptDef<I extends PromptId> {
  title: string;
  langs: readonly PromptLang[];
  pieces(lang: PromptLang, params: PromptParams[I]): Piece[];
}

const seg = (segment: SegmentId, lang: PromptLang): Piece => ({ segment, lang });
const fixed = (title: string, segment: SegmentId, langs: readonly PromptLang[]) => ({ title, langs, pieces: (lang: PromptLang) => [seg(segment, lang)] });

const OPENING: Record<'ja' | 'en', (when: string) => string> = {
  ja: (when) => `次の受付は、${when}からです。`,
  en: (when) => `We will open again ${when}.`,
};

function ahead(lang: PromptLang, n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`callers ahead must be a whole number >= 0, not ${n}`);
  if (n === 0) return { ja: 'まもなくおつなぎします。', en: 'You will be connected shortly.', zh: '即将为您接通。', ko: '곧 연결해 드리겠습니다.' }[lang];
  return {
    ja: `現在、${n}名の方がお待ちです。`,
    en: n === 1 ? 'There is 1 caller ahead of you.' : `There are ${n} callers ahead of you.`,
    zh: `目前有${n}位来电者在等候。`,
    ko: `현재 대기 중인 통화는 ${n}건입니다.`,
  }[lang];
}

function estimate(lang: PromptLang, minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 1) throw new RangeError(`an estimated wait is a whole number of minutes >= 1, not ${minutes}`);
  return {
    ja: `お待ちいただく時間は、およそ${minutes}分です。`,
    en: minutes === 1 ? 'Your estimated wait is about 1 minute.' : `Your estimated wait is about ${minutes} minutes.`,
    zh: `预计等候时间约为${minutes}分钟。`,
    ko: `예상 대기 시간은 약 ${minutes}분입니다.`,
  }[lang];
}

/** T10: the ward is told the caller's language when a call is handed over. */
const HANDOVER_LANGUAGE: Record<LanguageChoice, string> = {
  ja: '',
  en: 'お客様は、英語でお話しになります。',
  zh: 'お客様は、中国語でお話しになります。',
  ko: 'お客様は、韓国語でお話しになります。',
  interpreter: 'お客様は、日本語、英語、中国語、韓国語以外の言語でお話しになります。通訳が必要です。',
};

const JA_EN = ['ja', 'en'] as const;
const ALL = PROMPT_LANGS;

const closedPieces = (hours: SegmentId) => (lang: PromptLang, p: OpeningParams) => {
  if (lang !== 'ja' && lang !== 'en') throw new RangeError(`no ${lang} closed-hours message`);
  return [seg('closed.intro', lang), { say: OPENING[lang](spokenOpening(p.nextOpening, p.now, lang)), lang }, seg(hours, lang), seg('closed.outro', lang)];
};

export const PROMPTS: { [I in PromptId]: PromptDef<I> } = {
  greeting: fixed('挨拶', 'greeting', JA_EN),
  'election-greeting': fixed('選挙日の挨拶（T2）', 'election-greeting', JA_EN),
  'language-menu': {
    title: '言語選択（T10）',
    langs: ['ja'],
    pieces: () => [seg('language-menu', 'ja'), seg('language-menu', 'en'), seg('language-menu', 'zh'), seg('language-menu', 'ko'), seg('language-menu.other', 'en')],
  },
  closed: { title: '時間外の案内と次の受付時刻（T3）', langs: JA_EN, pieces: closedPieces('closed.hours') },
  'election-closed': { title: '選挙日の時間外の案内（T2, T3）', langs: JA_EN, pieces: closedPieces('election-closed.hours') },
  busy: {
    title: '混雑と待ち人数の案内（T4）',
    langs: ALL,
    pieces: (lang, p) => [seg('busy.intro', lang), { say: ahead(lang, p.ahead), lang }, seg('busy.outro', lang)],
  },
  hold: fixed('保留（お待ちください）', 'hold', ALL),
  'hold-position': {
    title: '待ち順の案内（保留中、T4）',
    langs: ALL,
    pieces: (lang, p) => [seg('hold-position.intro', lang), { say: ahead(lang, p.ahead), lang }, seg('hold', lang)],
  },
  'queue-music': { title: '待ち受け音楽', langs: ALL, pieces: () => [{ segment: 'queue-music', lang: NO_LANG }] },
  'hold-estimate': { title: '予想待ち時間の案内（保留中）', langs: ALL, pieces: (lang, p) => [{ say: estimate(lang, p.minutes), lang }] },
  'callback-offer': fixed('折り返しのご案内（待ち呼）', 'callback-offer', ALL),
  'callback-queued': fixed('折り返し受付の確認', 'callback-queued', ALL),
  'transfer-failed': fixed('転送できなかったときの案内', 'transfer-failed', ALL),
  'transfer-handover': {
    title: '転送先への引継ぎ（言語の案内、T10）',
    langs: ['ja'],
    pieces: (lang, p) => [seg('transfer-handover', lang), ...(HANDOVER_LANGUAGE[p.language] ? [{ say: HANDOVER_LANGUAGE[p.language], lang }] : [])],
  },
  transfer: fixed('転送', 'transfer', JA_EN),
  callback: fixed('折り返し', 'callback', JA_EN),
  interpreter: fixed('通訳におつなぎ（T10）', 'interpreter', ALL),
  invalid: fixed('入力誤り', 'invalid', ALL),
  'no-input': fixed('入力なし', 'no-input', ALL),
  goodbye: fixed('終話', 'goodbye', ALL),
  overload: fixed('輻輳（かけ直しのお願い）', 'overload', JA_EN),
};
export const PROMPT_IDS = Object.keys(PROMPTS) as PromptId[];

/** Languages a segment exists in (queue music: only NO_LANG). */
export function segmentLangs(id: SegmentId): (PromptLang | typeof NO_LANG)[] {
  const def: SegmentDef = SEGMENTS[id];
  return def.kind === 'music' ? [NO_LANG] : PROMPT_LANGS.filter((l) => def.text[l] !== undefined);
}

export function segmentText(id: SegmentId, lang: PromptLang | typeof NO_LANG): string {
  const def: SegmentDef = SEGMENTS[id];
  if (def.kind === 'music') return '';
  const text = lang === NO_LANG ? undefined : def.text[lang];
  if (text === undefined) throw new RangeError(`segment ${id} has no ${lang} text`);
  return text;
}

/** The store's view of one segment: replaceable, synthesised from its text (or the music recipe). */
export function segmentPart(id: SegmentId, lang: PromptLang | typeof NO_LANG): PromptPart {
  if (SEGMENTS[id].kind === 'music') return { kind: 'fixed', id, lang: NO_LANG, audio: { kind: 'music' } };
  return { kind: 'fixed', id, lang, audio: { kind: 'speech', lang: lang as PromptLang, text: segmentText(id, lang) } };
}

function pieces<I extends PromptId>(id: I, lang: PromptLang, args: ParamsArg<I>): Piece[] {
  const def = PROMPTS[id] as PromptDef<I>;
  if (!def.langs.includes(lang)) throw new RangeError(`prompt ${id} has no ${lang} version (it has ${def.langs.join(', ')})`);
  return def.pieces(lang, args[0] as PromptParams[I]);
}

export function promptParts<I extends PromptId>(id: I, lang: PromptLang, ...params: ParamsArg<I>): PromptPart[] {
  return pieces(id, lang, params).map((p) => ('segment' in p ? segmentPart(p.segment, p.lang) : { kind: 'spoken', audio: { kind: 'speech', lang: p.lang, text: p.say } }));
}

/** What the prompt says, as one string (queue music: ''). */
export function promptText<I extends PromptId>(id: I, lang: PromptLang, ...params: ParamsArg<I>): string {
  return pieces(id, lang, params)
    .map((p) => ('segment' in p ? segmentText(p.segment, p.lang) : p.say))
    .filter(Boolean)
    .join(' ');
}

/** The audio of a prompt: recordings where the administrator made them, synthesis for the rest. */
export function promptAudio<I extends PromptId>(store: PromptStore, id: I, lang: PromptLang, ...params: ParamsArg<I>): Promise<RenderedPrompt> {
  return store.render(promptParts(id, lang, ...params));
}

/** The same as samples for our RTP endpoint: 8 kHz mono 16-bit linear PCM. */
export async function promptSamples<I extends PromptId>(store: PromptStore, id: I, lang: PromptLang, ...params: ParamsArg<I>): Promise<Int16Array> {
  return store.samples(await promptAudio(store, id, lang, ...params));
}

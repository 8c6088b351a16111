/**
 * The IVR script (apps/callflow/inbound-call.ts) on its own: which prompts a caller hears at which instant and
 * after which keys (T2-T4, T10), with the real ward calendar and a clock set by the test. Audio and keys go
 * through a recording CallPort: the real media path is covered by test/integration/callflow-*.test.ts.
 */
import t from 'tap';
import { DigitInput } from '../../apps/callflow/digit-input.js';
import { parseFlow, type FlowDefinition, type LanguageChoice } from '../../apps/callflow/flow-definition.js';
import { InboundCall, type PromptSource, type ScriptEnd } from '../../apps/callflow/inbound-call.js';
import { WardCalendar } from '../../apps/calendar/ward-calendar.js';
import { ManualClock } from '../../apps/time/clock.js';
import { parseInstant } from '../../apps/time/jst.js';
import { DEFAULT_FLOW } from '../../db/seeds/call-flows.js';

const calendar = new WardCalendar([{ date: '2027-06-06', kind: 'election', name: '区長選挙' }]);

interface Heard {
  id: string;
  lang: string;
  params?: unknown;
}

function at(s: string): Date {
  const d = parseInstant(s);
  if (!d) throw new Error(`bad instant ${s}`);
  return d;
}

/** A call driven by the script; `keys[id]` is pressed when prompt `id` starts (a function: by how often it played). */
function call(o: { at: string; flow?: FlowDefinition; keys?: Record<string, string | ((n: number) => string | undefined)>; hangUpWhen?: (id: string) => boolean }) {
  const heard: Heard[] = [];
  const hangups: string[] = [];
  const languages: LanguageChoice[] = [];
  const hangup = new AbortController();
  const digits = new DigitInput();
  const ids = new Map<Int16Array, string>();
  const prompts: PromptSource = {
    audio: async (id, lang, ...params) => {
      heard.push({ id, lang, ...(params.length ? { params: params[0] } : {}) });
      const samples = new Int16Array(40); // 5 ms of audio
      ids.set(samples, id);
      return samples;
    },
  };
  const script = new InboundCall({
    flow: o.flow ?? parseFlow(DEFAULT_FLOW),
    calendar,
    clock: new ManualClock(at(o.at)),
    prompts,
    digits,
    progress: { language: (c) => languages.push(c) },
    port: {
      signal: hangup.signal,
      play: async (samples, { signal, loop }) => {
        const id = ids.get(samples) ?? '?';
        if (o.hangUpWhen?.(id)) hangup.abort();
        const rule = o.keys?.[id];
        const key = typeof rule === 'function' ? rule(heard.filter((h) => h.id === id).length) : rule;
        if (key) setImmediate(() => digits.push(key));
        if (signal.aborted) return 'stopped';
        return new Promise((resolve) => {
          const timer = loop ? undefined : setTimeout(() => resolve('finished'), samples.length / 8);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve('stopped');
          });
        });
      },
      hangup: async (reason) => {
        hangups.push(reason);
        hangup.abort();
      },
    },
  });
  return { run: (): Promise<ScriptEnd> => script.run(), heard, hangups, languages };
}

t.test('outside hours: the closed message with the next opening, in Japanese then English, then a polite hang-up (T3)', async (t) => {
  const c = call({ at: '2027-06-01T19:30:00+09:00' }); // Tuesday, after 19:00 (T2)
  t.equal(await c.run(), 'closed');
  t.same(
    c.heard.map((h) => [h.id, h.lang]),
    [
      ['closed', 'ja'],
      ['closed', 'en'],
    ],
  );
  t.same(c.heard[0]!.params, { now: at('2027-06-01T19:30:00+09:00'), nextOpening: at('2027-06-02T08:00:00+09:00') }, 'the next opening is tomorrow 08:00');
  t.same(c.hangups, ['closed hours']);
});

t.test('weekend evening: closed at 18:00, next opening on Sunday at 08:00 (T2)', async (t) => {
  const c = call({ at: '2027-06-05T18:00:00+09:00' }); // Saturday
  t.equal(await c.run(), 'closed');
  t.same((c.heard[0]!.params as { nextOpening: Date }).nextOpening, at('2027-06-06T06:30:00+09:00'), 'Sunday the 6th is an election day: it opens at 06:30');
});

t.test('election day: the election greeting from 06:30, and its own closed message before (T2)', async (t) => {
  const early = call({ at: '2027-06-06T06:00:00+09:00' });
  t.equal(await early.run(), 'closed');
  t.equal(early.heard[0]!.id, 'election-closed');
  const open = call({ at: '2027-06-06T06:45:00+09:00', keys: { 'language-menu': '1' } });
  t.same(await open.run(), { queue: 'general', language: 'ja' });
  t.equal(open.heard[0]!.id, 'election-greeting');
});

t.test('open hours: greeting, language menu, English by 2, handed to the English queue (T10)', async (t) => {
  const c = call({ at: '2027-06-01T10:00:00+09:00', keys: { 'language-menu': '2' } });
  t.same(await c.run(), { queue: 'english', language: 'en' }, "the flow's languageQueues pick the queue");
  t.same(
    c.heard.map((h) => `${h.id}/${h.lang}`),
    ['greeting/ja', 'language-menu/ja'],
  );
  t.same(c.languages, ['en'], 'the choice is recorded (T10)');
});

t.test('a key during the greeting skips the menu (type-ahead and barge-in)', async (t) => {
  const c = call({ at: '2027-06-01T10:00:00+09:00', keys: { greeting: '4' } });
  t.same(await c.run(), { queue: 'korean', language: 'ko' });
  t.same(
    c.heard.map((h) => `${h.id}/${h.lang}`),
    ['greeting/ja'],
  );
});

t.test('a wrong key, then silence: the menu is repeated, and Japanese is assumed in the end', async (t) => {
  const flow = parseFlow({ ...DEFAULT_FLOW, languageMenu: { ...DEFAULT_FLOW.languageMenu, timeoutS: 1, attempts: 2 } });
  // The first menu gets a 7, which no option has; the second gets nothing.
  const c = call({ at: '2027-06-01T10:00:00+09:00', flow, keys: { 'language-menu': (n) => (n === 1 ? '7' : undefined) } });
  t.same(await c.run(), { queue: 'general', language: 'ja' });
  t.same(
    c.heard.map((h) => h.id),
    ['greeting', 'language-menu', 'invalid', 'language-menu'],
  );
  t.same(c.languages, ['ja']);
});

t.test('9 goes to the interpreting route (T10): the interpreter message, then the queue a choice without its own queue takes', async (t) => {
  const c = call({ at: '2027-06-01T10:00:00+09:00', keys: { 'language-menu': '9' } });
  t.same(await c.run(), { queue: 'general', language: 'interpreter' });
  t.same(
    c.heard.map((h) => `${h.id}/${h.lang}`),
    ['greeting/ja', 'language-menu/ja', 'interpreter/en'],
  );
  t.same(c.languages, ['interpreter']);
});

t.test('a caller hanging up mid-greeting ends the script at once', async (t) => {
  const c = call({ at: '2027-06-01T10:00:00+09:00', hangUpWhen: (id) => id === 'greeting' });
  t.equal(await c.run(), 'hung-up');
  t.same(c.heard.map((h) => h.id), ['greeting']);
  t.same(c.hangups, [], 'the caller hung up: the appliance sends no BYE of its own');
});

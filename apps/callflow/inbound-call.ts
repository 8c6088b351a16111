/**
 * What one inbound call hears, from answer to the queue (T2-T4, T10): closed hours get the closed message
 * with the next opening time and a polite end; open hours get the greeting (the election-day one on an
 * election day) and the language menu, and are then handed to the ACD's queue for the language chosen
 * (apps/acd/caller-session.ts). The script only sequences: audio, keys and the SIP side come in through CallPort.
 */
import type { WardCalendar } from '../calendar/ward-calendar.js';
import type { Clock } from '../time/clock.js';
import { jstDate } from '../time/jst.js';
import type { DigitInput } from './digit-input.js';
import type { FlowDefinition, Language, LanguageChoice } from './flow-definition.js';
import type { ParamsArg, PromptId } from './prompt-catalogue.js';

export interface CallPort {
  /** Aborted when the caller hangs up or the call is torn down. */
  readonly signal: AbortSignal;
  play(samples: Int16Array, opts: { signal: AbortSignal; loop?: boolean }): Promise<'finished' | 'stopped'>;
  /** We end the call (BYE). */
  hangup(reason: string): Promise<void>;
}

/** A prompt of the catalogue as 8 kHz samples. */
export interface PromptSource {
  audio<I extends PromptId>(id: I, lang: Language, ...params: ParamsArg<I>): Promise<Int16Array>;
}

/** How the call went, for its row in `calls`. */
export interface CallProgress {
  language(choice: LanguageChoice): void;
}

export interface InboundCallDeps {
  flow: FlowDefinition;
  calendar: WardCalendar;
  clock: Clock;
  prompts: PromptSource;
  digits: DigitInput;
  port: CallPort;
  progress: CallProgress;
}

/** Ways the script ends: closed hours, the caller gone, or handed to the ACD's queue with the language chosen. */
export type ScriptEnd = 'closed' | 'hung-up' | { queue: string; language: LanguageChoice };

export class InboundCall {
  constructor(private readonly d: InboundCallDeps) {}

  async run(): Promise<ScriptEnd> {
    const { calendar, clock, port } = this.d;
    const now = clock.now();
    const election = calendar.dayInfo(jstDate(now)).election !== null;
    if (!calendar.isStaffed(now)) {
      const opening = { now, nextOpening: calendar.nextOpening(now) };
      // The caller has chosen no language yet: Japanese, then English (T3, T10). A caller who hangs up
      // meanwhile has still met closed hours.
      for (const lang of ['ja', 'en'] as const) {
        if (!(await this.say(() => this.d.prompts.audio(election ? 'election-closed' : 'closed', lang, opening)))) return 'closed';
      }
      await port.hangup('closed hours');
      return 'closed';
    }
    if (!(await this.say(() => this.d.prompts.audio(election ? 'election-greeting' : 'greeting', 'ja'), true))) return 'hung-up';
    const choice = await this.languageMenu();
    if (choice === null) return 'hung-up';
    this.d.progress.language(choice);
    if (choice === 'interpreter' && !(await this.say(() => this.d.prompts.audio('interpreter', 'en')))) return 'hung-up';
    return { queue: this.d.flow.languageQueues[choice] ?? this.d.flow.queue, language: choice };
  }

  /** Plays one prompt; false when the caller hung up meanwhile. A key cuts it short when bargeIn. */
  private async say(prompt: () => Promise<Int16Array>, bargeIn = false): Promise<boolean> {
    const { port, digits } = this.d;
    if (port.signal.aborted) return false;
    const audio = await prompt();
    const stop = new AbortController();
    const cut = () => stop.abort();
    const onHangup = () => stop.abort();
    if (bargeIn) digits.once('digit', cut);
    port.signal.addEventListener('abort', onHangup, { once: true });
    try {
      await port.play(audio, { signal: stop.signal });
    } finally {
      digits.off('digit', cut);
      port.signal.removeEventListener('abort', onHangup);
    }
    return !port.signal.aborted;
  }

  /** 言語選択 (T10): the chosen language, Japanese after no valid key, null when the caller hung up. */
  private async languageMenu(): Promise<LanguageChoice | null> {
    const menu = this.d.flow.languageMenu;
    if (!menu) return 'ja';
    const { digits, port } = this.d;
    for (let attempt = 1; attempt <= menu.attempts; attempt++) {
      // A key pressed during the greeting counts: callers who know the menu need not wait for it.
      const early = attempt === 1 ? await digits.next(0) : null;
      if (early === null && !(await this.say(() => this.d.prompts.audio('language-menu', 'ja'), true))) return null;
      const key = early ?? (await digits.next(menu.timeoutS * 1000, port.signal));
      if (port.signal.aborted) return null;
      const choice = key === null ? undefined : menu.options[key];
      if (choice) return choice;
      const last = attempt === menu.attempts;
      if (!last && !(await this.say(() => this.d.prompts.audio(key === null ? 'no-input' : 'invalid', 'ja')))) return null;
    }
    return 'ja';
  }
}

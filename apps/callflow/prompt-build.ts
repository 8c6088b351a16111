/**
 * `sc prompts build`: makes every prompt's audio ahead of the first call, so no caller waits for synthesis:
 * each segment in each language, the queue music, and the prompts with values for the values that occur
 * (openings today or tomorrow at 08:00 or 06:30 — the centre opens every day, T2 — and 0-30 callers
 * ahead). Anything else is synthesised on first use (about 0.2 s) and cached.
 */
import type { PromptStore } from '../../media/prompts/prompt-store.js';
import { addDays, fromJst, jstDate, parseDate } from '../time/jst.js';
import { PROMPTS, promptAudio, SEGMENT_IDS, segmentLangs, segmentPart, type PromptLang } from './prompt-catalogue.js';

export interface BuildReport {
  files: number;
  synthesised: number;
  ms: number;
}

const MAX_AHEAD = 30;

export async function buildPrompts(store: PromptStore, now: Date, progress: (line: string) => void = () => {}): Promise<BuildReport> {
  const started = performance.now();
  const runsBefore = store.synthesizer.runs;
  let files = 0;
  for (const id of SEGMENT_IDS) {
    for (const lang of segmentLangs(id)) {
      await store.render([segmentPart(id, lang)]);
      files++;
    }
    progress(`${id}: ${segmentLangs(id).join(', ')}`);
  }
  const today = parseDate(jstDate(now))!;
  const tomorrow = parseDate(addDays(jstDate(now), 1))!;
  const openings = [today, tomorrow].flatMap((d) => [fromJst(d.year, d.month, d.day, 8), fromJst(d.year, d.month, d.day, 6, 30)]).filter((t) => t > now);
  for (const lang of PROMPTS.closed.langs) {
    for (const nextOpening of openings) {
      await promptAudio(store, 'closed', lang, { nextOpening, now });
      await promptAudio(store, 'election-closed', lang, { nextOpening, now });
      files += 2;
    }
  }
  for (const lang of PROMPTS.busy.langs as PromptLang[]) {
    for (let ahead = 0; ahead <= MAX_AHEAD; ahead++) {
      await promptAudio(store, 'busy', lang, { ahead });
      await promptAudio(store, 'hold-position', lang, { ahead });
      files += 2;
    }
  }
  await promptAudio(store, 'language-menu', 'ja');
  files++;
  progress(`closed, busy, hold-position and language-menu joined`);
  return { files, synthesised: store.synthesizer.runs - runsBefore, ms: Math.round(performance.now() - started) };
}

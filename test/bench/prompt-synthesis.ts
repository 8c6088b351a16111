/**
 * Prompt synthesis figures: time per sentence for each engine (cold, cache hit), a joined prompt, and the
 * whole catalogue. Run after `npm run build`: node dist/test/bench/prompt-synthesis.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPrompts } from '../../apps/callflow/prompt-build.js';
import { promptAudio, promptSamples, SEGMENT_IDS, segmentLangs, segmentText, type PromptLang } from '../../apps/callflow/prompt-catalogue.js';
import { readWav } from '../../media/audio/wav.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';

const dir = mkdtempSync(join(tmpdir(), 'sc-bench-prompts-'));
const store = new PromptStore({ dataDir: dir });
const ms = (t0: number) => performance.now() - t0;

try {
  console.log('engine        sentences  audio s  ms/sentence  realtime factor');
  for (const lang of ['ja', 'en', 'zh', 'ko'] as PromptLang[]) {
    const texts = SEGMENT_IDS.filter((id) => (segmentLangs(id) as string[]).includes(lang)).map((id) => segmentText(id, lang));
    let audio = 0;
    const t0 = performance.now();
    for (const text of texts) audio += readWav(await store.cache.audio({ kind: 'speech', lang, text })).samples.length / 8000;
    const took = ms(t0);
    const engine = lang === 'ja' ? 'open_jtalk' : `espeak-ng ${lang}`;
    console.log(`${engine.padEnd(14)}${String(texts.length).padStart(9)}${audio.toFixed(1).padStart(9)}${(took / texts.length).toFixed(0).padStart(13)}${(audio / (took / 1000)).toFixed(0).padStart(14)}x`);
  }
  let t0 = performance.now();
  await store.cache.audio({ kind: 'music' });
  console.log(`queue music (32 s, sox synth): ${ms(t0).toFixed(0)} ms`);

  t0 = performance.now();
  for (let i = 0; i < 1000; i++) await promptAudio(store, 'greeting', 'ja');
  console.log(`cache hit (greeting ja): ${ms(t0).toFixed(0)} µs per request (1000 requests)`);

  const now = new Date('2027-11-24T20:30:00+09:00');
  t0 = performance.now();
  const closed = await promptAudio(store, 'closed', 'ja', { nextOpening: new Date('2027-11-25T08:00:00+09:00'), now });
  console.log(`closed (ja), 3 cached parts + 1 new sentence, joined: ${ms(t0).toFixed(0)} ms, ${(readWav(closed.path).samples.length / 8000).toFixed(1)} s of audio`);
  t0 = performance.now();
  for (let i = 0; i < 1000; i++) await promptSamples(store, 'closed', 'ja', { nextOpening: new Date('2027-11-25T08:00:00+09:00'), now });
  console.log(`closed (ja) samples, warm: ${ms(t0).toFixed(0)} µs per request (1000 requests)`);

  t0 = performance.now();
  const parallel = await Promise.all(Array.from({ length: 20 }, (_, ahead) => promptAudio(store, 'busy', 'ja', { ahead: ahead + 100 })));
  console.log(`20 different busy prompts at once (ja): ${ms(t0).toFixed(0)} ms (${parallel.length} files)`);

  const fresh = new PromptStore({ dataDir: join(dir, 'fresh') });
  const r = await buildPrompts(fresh, now);
  console.log(`sc prompts build, empty cache: ${r.files} prompts, ${r.synthesised} syntheses, ${r.ms} ms`);
  const again = await buildPrompts(fresh, now);
  console.log(`sc prompts build, warm cache: ${again.synthesised} syntheses, ${again.ms} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Queue music (待ち受け音楽) made here with sox's `synth`, so it is ours and free of royalties: a slow
 * progression of soft sine chords (C Am F G C Em F G, four seconds each) that fade into one another, with a
 * little reverb, at about -20 dBFS RMS. It starts and ends on a fade, so played in a loop it has no seam.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './run-tool.js';

/** Bass, then a close triad above it, in Hz. */
const CHORDS: readonly (readonly number[])[] = [
  [130.81, 261.63, 329.63, 392.0], // C
  [110.0, 220.0, 261.63, 329.63], // Am
  [87.31, 174.61, 220.0, 261.63], // F
  [98.0, 196.0, 246.94, 293.66], // G
  [130.81, 261.63, 329.63, 392.0], // C
  [82.41, 164.81, 246.94, 329.63], // Em
  [87.31, 174.61, 220.0, 261.63], // F
  [98.0, 196.0, 246.94, 293.66], // G
];
const CHORD_SECONDS = 4;
const FADE_SECONDS = 0.6;
const REVERB = 30;
/** With this peak the chords measure about -20 dBFS RMS: under speech, as hold music should be. */
export const MUSIC_PEAK_DBFS = -10;

export function queueMusicRecipe(): Record<string, unknown> {
  return { version: 2, chords: CHORDS, chordSeconds: CHORD_SECONDS, fade: FADE_SECONDS, reverb: REVERB, peak: MUSIC_PEAK_DBFS };
}

export async function writeQueueMusic(sox: string, out: string, timeoutMs: number): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'sc-music-'));
  try {
    const parts: string[] = [];
    for (const [i, chord] of CHORDS.entries()) {
      const part = join(scratch, `chord${i}.wav`);
      // One sine per channel (sox's synth maps tones to channels), mixed down when the parts are joined.
      const tones = chord.flatMap((hz) => ['sine', String(hz)]);
      await runTool(sox, ['-n', '-r', '8000', '-c', String(chord.length), '-b', '16', part, 'synth', String(CHORD_SECONDS), ...tones, 'fade', 'q', String(FADE_SECONDS), String(CHORD_SECONDS), String(FADE_SECONDS)], { timeoutMs });
      parts.push(part);
    }
    // The last fade also ends the reverb's tail, so the end meets the silent start of the next round.
    await runTool(sox, ['-G', ...parts, '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', out, 'remix', '-', 'gain', '-10', 'reverb', String(REVERB), 'fade', 'q', '0.05', String(CHORDS.length * CHORD_SECONDS), String(FADE_SECONDS), 'gain', '-n', String(MUSIC_PEAK_DBFS)], { timeoutMs });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

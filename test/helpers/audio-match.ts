/**
 * Audio checks for tests. Is this the prompt? Compares the loudness envelopes (20 ms frames, in dB) of a
 * known prompt and of audio that went through the network (G.711, rtpengine, the recording), which keeps the shape of speech while the
 * samples themselves differ. `find` slides the prompt's envelope over the audio and reports the best Pearson
 * correlation and where it was; a different sentence correlates far lower.
 */
import { toneProfile } from '../../media/rtp/tone.js';

const FRAME = 160;

export function envelope(samples: Int16Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + FRAME <= samples.length; i += FRAME) {
    let sum = 0;
    for (let j = i; j < i + FRAME; j++) sum += samples[j]! * samples[j]!;
    out.push(10 * Math.log10(sum / FRAME + 1));
  }
  return out;
}

function pearson(a: number[], b: number[], offset: number, n: number): number {
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[offset + i]!;
    sb += b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const x = a[offset + i]! - ma;
    const y = b[i]! - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da && db ? num / Math.sqrt(da * db) : 0;
}

/** The best match of the first `ms` of `prompt` inside `audio`: correlation (-1..1) and where (ms). */
export function find(audio: Int16Array, prompt: Int16Array, ms = Math.floor(prompt.length / 8)): { score: number; atMs: number } {
  const hay = envelope(audio);
  const needle = envelope(prompt).slice(0, Math.floor(ms / 20));
  let best = { score: -1, atMs: -1 };
  for (let off = 0; off + needle.length <= hay.length; off++) {
    const score = pearson(hay, needle, off, needle.length);
    if (score > best.score) best = { score, atMs: off * 20 };
  }
  return best;
}

/**
 * How a pure tone heard holds up, from its first to its last sample above 2000: its length, its weakest
 * 20 ms window at `frequency`, and the samples where it breaks the sine's recurrence
 * s[n] = 2cos(w)s[n-1] - s[n-2] by more than G.711 quantisation can (a hole, a repeated or skipped stretch,
 * a phase jump).
 */
export function toneContinuity(samples: Int16Array, frequency: number): { ms: number; weakest: number; breaks: number } {
  const first = samples.findIndex((s) => Math.abs(s) > 2000);
  let end = samples.length;
  while (end > first + 1 && Math.abs(samples[end - 1]!) <= 2000) end--;
  const tone = samples.subarray(first, end);
  const c = 2 * Math.cos((2 * Math.PI * frequency) / 8000);
  let breaks = 0;
  for (let n = 2; n < tone.length; n++) if (Math.abs(tone[n]! - c * tone[n - 1]! + tone[n - 2]!) > 1500) breaks++;
  return { ms: tone.length / 8, weakest: Math.round(Math.min(...toneProfile(tone.subarray(80, tone.length - 80), frequency, 20))), breaks };
}

/**
 * Pure tones at 8 kHz and their detection with the Goertzel filter: beeps for the voicebot, and the way
 * tests tell which party's audio reached whom.
 */

export const SAMPLE_RATE = 8000;

/** A sine of `frequency` Hz lasting `ms`, peak `amplitude` (of 32767). */
export function sineTone(frequency: number, ms: number, amplitude = 8000): Int16Array {
  const out = new Int16Array(Math.round((ms * SAMPLE_RATE) / 1000));
  const w = (2 * Math.PI * frequency) / SAMPLE_RATE;
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin(w * i));
  return out;
}

/**
 * The amplitude of the `frequency` component of `samples` (Goertzel): a sine of peak A gives about A,
 * other frequencies and noise close to 0.
 */
export function toneAmplitude(samples: Int16Array, frequency: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * frequency) / SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}

/** toneAmplitude over consecutive windows of `windowMs`: where in a recording a tone is, and how steady. */
export function toneProfile(samples: Int16Array, frequency: number, windowMs = 100): number[] {
  const size = Math.round((windowMs * SAMPLE_RATE) / 1000);
  const out: number[] = [];
  for (let start = 0; start + size <= samples.length; start += size) out.push(toneAmplitude(samples.subarray(start, start + size), frequency));
  return out;
}

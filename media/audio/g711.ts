/**
 * G.711 (ITU-T G.711) µ-law and A-law, the only codecs the trunk and softphones must carry (T13). Decoding
 * goes through 256-entry tables; encoding follows the segment search of the reference implementation.
 */

export type G711Law = 'PCMU' | 'PCMA';

/** RTP static payload types of RFC 3551. */
export const G711_PAYLOAD_TYPE: Record<G711Law, number> = { PCMU: 0, PCMA: 8 };

const BIAS = 0x84;
const CLIP = 32635;

function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + BIAS) << ((v & 0x70) >> 4);
  return v & 0x80 ? BIAS - t : t - BIAS;
}

function alawToLinear(a: number): number {
  const v = a ^ 0x55;
  const seg = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  t = seg === 0 ? t + 8 : seg === 1 ? t + 0x108 : (t + 0x108) << (seg - 1);
  return v & 0x80 ? t : -t;
}

const ULAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));
const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));

export function linearToUlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function linearToAlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s >= 0 ? 0x80 : 0;
  if (!sign) s = -s - 1;
  let seg = 0;
  for (let limit = 0xff; seg < 8 && s > limit; limit = (limit << 1) | 1) seg++;
  if (seg >= 8) return (0x7f ^ sign ^ 0x55) & 0xff;
  const aval = (seg << 4) | (seg < 2 ? (s >> 4) & 0x0f : (s >> (seg + 3)) & 0x0f);
  return (aval ^ sign ^ 0x55) & 0xff;
}

export function decodeG711(law: G711Law, bytes: Uint8Array): Int16Array {
  const table = law === 'PCMU' ? ULAW_TABLE : ALAW_TABLE;
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

export function encodeG711(law: G711Law, samples: Int16Array): Uint8Array {
  const encode = law === 'PCMU' ? linearToUlaw : linearToAlaw;
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = encode(samples[i]!);
  return out;
}

/** The byte a silent frame is made of. */
export const G711_SILENCE: Record<G711Law, number> = { PCMU: 0xff, PCMA: 0xd5 };

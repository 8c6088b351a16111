/**
 * RIFF/WAVE files of 16-bit linear PCM, the format of prompts (8 kHz mono) and recordings (8 kHz stereo).
 * Reading accepts what sox and recorders write (extra chunks, WAVE_FORMAT_EXTENSIBLE); anything else is a
 * WavError naming what is wrong.
 */
import { readFileSync } from 'node:fs';

export class WavError extends Error {
  override name = 'WavError';
}

export interface Pcm {
  sampleRate: number;
  channels: number;
  /** Interleaved when channels > 1. */
  samples: Int16Array;
}

const PCM = 1;
const EXTENSIBLE = 0xfffe;

export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export function encodeWav(pcm: Pcm): Buffer {
  const data = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength);
  return Buffer.concat([wavHeader(pcm.sampleRate, pcm.channels, data.length), data]);
}

export function decodeWav(buf: Buffer): Pcm {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavError('fmt chunk too short');
      let format = buf.readUInt16LE(body);
      if (format === EXTENSIBLE && size >= 40) format = buf.readUInt16LE(body + 24);
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before fmt chunk');
      if (fmt.format !== PCM || fmt.bits !== 16) throw new WavError(`only 16-bit linear PCM is supported (format ${fmt.format}, ${fmt.bits} bits)`);
      if (fmt.channels < 1 || fmt.sampleRate < 1) throw new WavError('fmt chunk names no channels or rate');
      // A writer that died leaves the header's size too large (or 0xFFFFFFFF while streaming): use what is there.
      const end = Math.min(buf.length, body + size);
      const frameBytes = 2 * fmt.channels;
      const length = Math.floor((end - body) / frameBytes) * frameBytes;
      const copy = Buffer.from(buf.subarray(body, body + length));
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples: new Int16Array(copy.buffer, copy.byteOffset, length / 2) };
    }
    offset = body + size + (size & 1);
  }
  throw new WavError(fmt ? 'no data chunk' : 'no fmt chunk');
}

export function readWav(path: string): Pcm {
  return decodeWav(readFileSync(path));
}

/** One channel of an interleaved signal. */
export function channel(pcm: Pcm, index: number): Int16Array {
  if (index < 0 || index >= pcm.channels) throw new RangeError(`no channel ${index} in ${pcm.channels}`);
  if (pcm.channels === 1) return pcm.samples;
  const out = new Int16Array(Math.floor(pcm.samples.length / pcm.channels));
  for (let i = 0; i < out.length; i++) out[i] = pcm.samples[i * pcm.channels + index]!;
  return out;
}

/** Root-mean-square level in dBFS (-Infinity for digital silence). */
export function rmsDbfs(samples: Int16Array): number {
  if (!samples.length) return -Infinity;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

/**
 * An administrator's recording (WAV of any rate, channel count or sample format sox reads) made into a
 * prompt: 8 kHz mono 16-bit with the same peak as synthesised speech, or the music level for queue music.
 * Files that are not audio, empty, silent, too short or too long are refused with a reason in Japanese and
 * English; nothing is written then.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, encodeWav, rmsDbfs, type Pcm } from '../audio/wav.js';
import { MUSIC_PEAK_DBFS } from './queue-music.js';
import { runTool, ToolError } from './run-tool.js';
import { SAMPLE_RATE, SPEECH_PEAK_DBFS } from './synthesizer.js';

export type RecordingKind = 'speech' | 'music';

/** Announcements are short; hold music may run long before it loops. */
export const MAX_SECONDS: Record<RecordingKind, number> = { speech: 120, music: 600 };
const MIN_SECONDS = 0.3;
/** Below this RMS a recording is taken for silence (room noise of a quiet office is about -60 to -50 dBFS). */
const SILENCE_DBFS = -55;

export class RecordingRejected extends Error {
  override name = 'RecordingRejected';
  constructor(
    readonly ja: string,
    readonly en: string,
  ) {
    super(`${ja} (${en})`);
  }
}

export interface ImportedRecording {
  /** The converted file, ready to take the prompt's name. */
  wav: Buffer;
  seconds: number;
  rmsDbfs: number;
  /** What was uploaded, as sox saw it, for the audit log. */
  original: { sampleRate: number; channels: number; bits: number; encoding: string };
}

export async function importRecording(upload: Buffer, kind: RecordingKind, o: { sox?: string; timeoutMs?: number } = {}): Promise<ImportedRecording> {
  if (!upload.length) throw new RecordingRejected('ファイルが空です', 'the file is empty');
  const sox = o.sox ?? 'sox';
  const timeoutMs = o.timeoutMs ?? 60_000;
  const scratch = await mkdtemp(join(tmpdir(), 'sc-upload-'));
  try {
    const input = join(scratch, 'upload.wav');
    const converted = join(scratch, 'converted.wav');
    await writeFile(input, upload);
    let original: ImportedRecording['original'];
    try {
      original = parseSoxInfo((await runTool(sox, ['--i', input], { timeoutMs })).stdout);
      // Level is set below, after the silence check: normalising first would lift a silent file's hiss.
      await runTool(sox, ['-G', input, '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', converted, 'remix', '-', 'rate', '-h', String(SAMPLE_RATE)], { timeoutMs });
    } catch (e) {
      if (e instanceof ToolError) throw new RecordingRejected('WAV形式の音声ファイルとして読み込めません', `not a readable WAV audio file: ${e.stderr || e.message}`);
      throw e;
    }
    const pcm = decodeWav(await readFile(converted));
    const seconds = pcm.samples.length / SAMPLE_RATE;
    if (seconds < MIN_SECONDS) throw new RecordingRejected('音声が短すぎるか、入っていません', `no audio or shorter than ${MIN_SECONDS} s`);
    const max = MAX_SECONDS[kind];
    if (seconds > max) {
      throw new RecordingRejected(`長すぎます（${(seconds / 60).toFixed(1)}分）。${kind === 'music' ? '待ち受け音楽' : '案内音声'}は${max / 60}分までです`, `too long (${seconds.toFixed(0)} s); at most ${max} s for ${kind}`);
    }
    const level = rmsDbfs(pcm.samples);
    if (level < SILENCE_DBFS) throw new RecordingRejected('無音のファイルです。録音を確認してください', `the recording is silent (${Number.isFinite(level) ? level.toFixed(1) + ' dBFS' : 'digital silence'})`);
    const wav = encodeWav(withPeak(pcm, kind === 'music' ? MUSIC_PEAK_DBFS : SPEECH_PEAK_DBFS));
    return { wav, seconds, rmsDbfs: rmsDbfs(decodeWav(wav).samples), original };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Scales to the given peak, as `sox gain -n` does for synthesised prompts. */
function withPeak(pcm: Pcm, peakDbfs: number): Pcm {
  let peak = 0;
  for (const s of pcm.samples) peak = Math.max(peak, Math.abs(s));
  const factor = (32767 * 10 ** (peakDbfs / 20)) / peak;
  const samples = Int16Array.from(pcm.samples, (s) => Math.max(-32768, Math.min(32767, Math.round(s * factor))));
  return { ...pcm, samples };
}

/** `sox --i` prints "Sample Rate : 44100", "Channels : 2", "Precision : 24-bit", "Sample Encoding: ...". */
function parseSoxInfo(text: string): ImportedRecording['original'] {
  const get = (label: string) => new RegExp(`^${label}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return { sampleRate: Number(get('Sample Rate')), channels: Number(get('Channels')), bits: parseInt(get('Precision'), 10), encoding: get('Sample Encoding') };
}

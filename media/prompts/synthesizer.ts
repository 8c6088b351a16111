/**
 * Text to telephone audio: Japanese with Open JTalk (the nitech ATR503 m001 HTS voice), English, Mandarin and
 * Korean with espeak-ng, queue music with sox's `synth`; everything ends as 8 kHz mono 16-bit WAV (G.711
 * ready) with its peak normalised, so every prompt plays equally loud. The recipe (engine, voice, parameters,
 * text) names the result: its hash is the cache key.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queueMusicRecipe, writeQueueMusic } from './queue-music.js';
import { runTool } from './run-tool.js';

export type SpeechLang = 'ja' | 'en' | 'zh' | 'ko';

export type AudioSpec = { kind: 'speech'; lang: SpeechLang; text: string } | { kind: 'music' };

export class SynthesisError extends Error {
  override name = 'SynthesisError';
}

export interface SynthesizerOptions {
  openJtalk?: { binary?: string; dictionary?: string; voice?: string };
  espeak?: { binary?: string };
  sox?: string;
  /** For each tool run. */
  timeoutMs?: number;
}

/** Where Debian's packages put them (open-jtalk-mecab-naist-jdic; hts-voice-nitech-jp-atr503-m001 in contrib). */
export const DEBIAN_OPEN_JTALK = {
  binary: 'open_jtalk',
  dictionary: '/var/lib/mecab/dic/open-jtalk/naist-jdic',
  voice: '/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice',
};

/**
 * espeak-ng voices. Plain `cmn` reads hanzi as pinyin spelt out in English ("wen two"); the
 * `cmn-latn-pinyin` variant says them in Mandarin. 150 words a minute is calmer than the default 175.
 */
const ESPEAK_VOICES: Record<Exclude<SpeechLang, 'ja'>, string> = { en: 'en-us', zh: 'cmn-latn-pinyin', ko: 'ko' };
const ESPEAK_SPEED = 150;

/** Peak after normalisation: loud enough on a phone, with headroom for G.711 companding. */
export const SPEECH_PEAK_DBFS = -3;
export const SAMPLE_RATE = 8000;

/**
 * Bumped whenever the conversion chain changes, so every cached file is made again. Part of each recipe.
 */
const PIPELINE = 'sox-8k-mono-s16-peak-v1';
/** open_jtalk reads one line into a buffer of 1024 bytes; longer text would be cut silently. */
const MAX_TEXT_BYTES = 1000;

export class Synthesizer {
  readonly jtalk: { binary: string; dictionary: string; voice: string };
  readonly espeak: string;
  readonly sox: string;
  readonly timeoutMs: number;
  /** Audio files produced so far, for tests and logs. */
  runs = 0;

  constructor(o: SynthesizerOptions = {}) {
    this.jtalk = { ...DEBIAN_OPEN_JTALK, ...o.openJtalk };
    this.espeak = o.espeak?.binary ?? 'espeak-ng';
    this.sox = o.sox ?? 'sox';
    this.timeoutMs = o.timeoutMs ?? 20_000;
  }

  /** Everything that decides the audio; two specs with the same recipe sound the same. */
  recipe(spec: AudioSpec): Record<string, unknown> {
    if (spec.kind === 'music') return { engine: 'sox-synth', ...queueMusicRecipe(), pipeline: PIPELINE };
    const text = normaliseText(spec.text);
    if (spec.lang === 'ja') return { engine: 'open_jtalk', voice: this.jtalk.voice, dictionary: this.jtalk.dictionary, text, pipeline: PIPELINE, peak: SPEECH_PEAK_DBFS };
    return { engine: 'espeak-ng', voice: ESPEAK_VOICES[spec.lang], speed: ESPEAK_SPEED, text, pipeline: PIPELINE, peak: SPEECH_PEAK_DBFS };
  }

  /** sha256 of the recipe: the name of the cached file. */
  key(spec: AudioSpec): string {
    return createHash('sha256').update(JSON.stringify(this.recipe(spec))).digest('hex');
  }

  /** Writes the finished 8 kHz WAV to `out` (the caller makes that atomic). */
  async synthesize(spec: AudioSpec, out: string): Promise<void> {
    if (spec.kind === 'music') {
      await writeQueueMusic(this.sox, out, this.timeoutMs);
      this.runs++;
      return;
    }
    const text = normaliseText(spec.text);
    if (!text) throw new SynthesisError('empty prompt text');
    if (Buffer.byteLength(text) > MAX_TEXT_BYTES) throw new SynthesisError(`prompt text longer than ${MAX_TEXT_BYTES} bytes: split it into several prompts`);
    const scratch = await mkdtemp(join(tmpdir(), 'sc-tts-'));
    try {
      const raw = join(scratch, 'raw.wav');
      if (spec.lang === 'ja') {
        this.checkJtalkFiles();
        await runTool(this.jtalk.binary, ['-x', this.jtalk.dictionary, '-m', this.jtalk.voice, '-ow', raw], { input: text + '\n', timeoutMs: this.timeoutMs });
      } else {
        await runTool(this.espeak, ['-v', ESPEAK_VOICES[spec.lang], '-s', String(ESPEAK_SPEED), '-w', raw, '--stdin'], { input: text, timeoutMs: this.timeoutMs });
      }
      await toTelephone(this.sox, raw, out, SPEECH_PEAK_DBFS, this.timeoutMs);
      this.runs++;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** open_jtalk only says "cannot be loaded" for either file: name the missing one and its package. */
  private checkJtalkFiles(): void {
    if (!existsSync(join(this.jtalk.dictionary, 'sys.dic'))) {
      throw new SynthesisError(`Open JTalk dictionary not found at ${this.jtalk.dictionary} (Debian package open-jtalk-mecab-naist-jdic)`);
    }
    if (!existsSync(this.jtalk.voice)) {
      throw new SynthesisError(`Open JTalk voice not found at ${this.jtalk.voice} (Debian package hts-voice-nitech-jp-atr503-m001, contrib section)`);
    }
  }
}

/** One line (open_jtalk reads only one), no control characters, single spaces. */
function normaliseText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Any sox-readable file to 8 kHz mono 16-bit, peak at `peakDbfs`; -G keeps the resampler from clipping. */
async function toTelephone(sox: string, input: string, out: string, peakDbfs: number, timeoutMs: number): Promise<void> {
  await runTool(sox, ['-G', input, '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', out, 'remix', '-', 'rate', '-h', String(SAMPLE_RATE), 'gain', '-n', String(peakDbfs)], { timeoutMs });
}

/**
 * Prompt audio for calls and for the console, under `<dataDir>/prompts/`:
 * - `custom/<id>.<lang>.wav`: an administrator's recording, which wins over synthesis;
 * - `cache/<sha256>.wav`: synthesised audio and joined prompts (see PromptCache).
 *
 * A prompt is a list of parts. A fixed part has an id and can be replaced by a recording; a spoken part
 * (a sentence with a value in it, such as the next opening time) is always synthesised, because one
 * recording cannot say every value. A prompt of several parts is joined into one cached file, named by the
 * hash of its parts' audio, so rtpengine plays one file and a new recording gives a new file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeWav, encodeWav } from '../audio/wav.js';
import { PromptCache } from './prompt-cache.js';
import { importRecording, type ImportedRecording, type RecordingKind } from './recording-import.js';
import { SAMPLE_RATE, Synthesizer, type AudioSpec } from './synthesizer.js';

export type PromptPart =
  /** Replaceable by `custom/<id>.<lang>.wav`; `audio` is what plays when there is none. */
  | { kind: 'fixed'; id: string; lang: string; audio: AudioSpec }
  /** Synthesised every time: its text changes with the call. */
  | { kind: 'spoken'; audio: AudioSpec };

export type PromptOrigin = 'synthesized' | 'custom' | 'mixed';

export interface RenderedPrompt {
  /** An 8 kHz mono 16-bit WAV, for rtpengine's `play media` or our RTP endpoint. */
  path: string;
  origin: PromptOrigin;
}

/** Silence between the parts of a prompt, as a speaker would pause between sentences. */
const GAP_MS = 250;
/** About 25 MB of audio at most (a 30 s prompt is 480 kB). */
const DECODED_KEPT = 50;
const ID = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/;
const LANG = /^[a-z]{2,3}$/;

export interface PromptStoreOptions {
  dataDir: string;
  synthesizer?: Synthesizer;
}

export class PromptStore {
  readonly cacheDir: string;
  readonly customDir: string;
  readonly cache: PromptCache;
  readonly synthesizer: Synthesizer;
  /** Hashes of custom files by path, valid while size, mtime and inode stay the same. */
  private readonly customHashes = new Map<string, { stamp: string; hash: string }>();
  /** Decoded audio by path and file stamp, most recently used last. */
  private readonly decoded = new Map<string, Int16Array>();

  constructor(o: PromptStoreOptions) {
    this.synthesizer = o.synthesizer ?? new Synthesizer();
    this.cacheDir = join(o.dataDir, 'prompts', 'cache');
    this.customDir = join(o.dataDir, 'prompts', 'custom');
    this.cache = new PromptCache(this.cacheDir, this.synthesizer);
  }

  customPath(id: string, lang: string): string {
    if (!ID.test(id) || id.length > 64) throw new RangeError(`not a prompt id: ${JSON.stringify(id)}`);
    if (!LANG.test(lang)) throw new RangeError(`not a language code: ${JSON.stringify(lang)}`);
    return join(this.customDir, `${id}.${lang}.wav`);
  }

  hasCustom(id: string, lang: string): boolean {
    return existsSync(this.customPath(id, lang));
  }

  /** The audio of one part: the custom recording of a fixed part if there is one, else synthesis. */
  async partAudio(part: PromptPart): Promise<RenderedPrompt> {
    const { path, origin } = await this.located(part);
    return { path, origin };
  }

  /** One file that plays the parts in order. */
  async render(parts: readonly PromptPart[]): Promise<RenderedPrompt> {
    if (!parts.length) throw new RangeError('a prompt needs at least one part');
    const audio = await Promise.all(parts.map((p) => this.located(p)));
    if (audio.length === 1) return { path: audio[0]!.path, origin: audio[0]!.origin };
    const origins = new Set(audio.map((a) => a.origin));
    const origin: PromptOrigin = origins.size > 1 ? 'mixed' : audio[0]!.origin;
    const name = `joined-${createHash('sha256').update(JSON.stringify({ gapMs: GAP_MS, parts: audio.map((a) => a.identity) })).digest('hex')}.wav`;
    const path = await this.cache.file(name, async (tmp) => {
      const pcms = await Promise.all(audio.map(async (a) => decodeWav(await readFile(a.path))));
      const gap = Math.round((SAMPLE_RATE * GAP_MS) / 1000);
      const total = pcms.reduce((n, p) => n + p.samples.length, 0) + gap * (pcms.length - 1);
      const samples = new Int16Array(total);
      let at = 0;
      for (const p of pcms) {
        samples.set(p.samples, at);
        at += p.samples.length + gap;
      }
      await writeFile(tmp, encodeWav({ sampleRate: SAMPLE_RATE, channels: 1, samples }));
    });
    return { path, origin };
  }

  /**
   * The samples of a rendered prompt (8 kHz mono), for our RTP endpoint. The most recently used are kept
   * decoded: hundreds of calls hear the same few prompts.
   */
  async samples(prompt: RenderedPrompt): Promise<Int16Array> {
    const key = `${prompt.path}:${stampOf(prompt.path)}`;
    const known = this.decoded.get(key);
    if (known) {
      this.decoded.delete(key);
      this.decoded.set(key, known);
      return known;
    }
    const pcm = decodeWav(await readFile(prompt.path));
    if (pcm.sampleRate !== SAMPLE_RATE || pcm.channels !== 1) throw new RangeError(`${prompt.path} is not 8 kHz mono`);
    this.decoded.set(key, pcm.samples);
    if (this.decoded.size > DECODED_KEPT) this.decoded.delete(this.decoded.keys().next().value!);
    return pcm.samples;
  }

  /**
   * Makes an uploaded recording the audio of a fixed part. A file that is refused (RecordingRejected)
   * leaves the current audio as it was; the new file takes the name in one rename.
   */
  async replace(id: string, lang: string, upload: Buffer, kind: RecordingKind): Promise<ImportedRecording> {
    const target = this.customPath(id, lang);
    const imported = await importRecording(upload, kind, { sox: this.synthesizer.sox });
    mkdirSync(this.customDir, { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, imported.wav);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
    return imported;
  }

  /** Back to synthesis; false when there was no recording. */
  async revert(id: string, lang: string): Promise<boolean> {
    const target = this.customPath(id, lang);
    if (!existsSync(target)) return false;
    await rm(target);
    return true;
  }

  /** Where a part's audio is, and what names its content (recipe hash, or the recording's own hash). */
  private async located(part: PromptPart): Promise<RenderedPrompt & { identity: string }> {
    if (part.kind === 'fixed') {
      const custom = this.customPath(part.id, part.lang);
      if (existsSync(custom)) return { path: custom, origin: 'custom', identity: `custom:${await this.customHash(custom)}` };
    }
    return { path: await this.cache.audio(part.audio), origin: 'synthesized', identity: this.synthesizer.key(part.audio) };
  }

  private async customHash(path: string): Promise<string> {
    const stamp = stampOf(path);
    const known = this.customHashes.get(path);
    if (known?.stamp === stamp) return known.hash;
    const hash = createHash('sha256').update(await readFile(path)).digest('hex');
    this.customHashes.set(path, { stamp, hash });
    return hash;
  }
}

/** Changes whenever the file is replaced (a recording renamed over it gets a new inode). */
function stampOf(path: string): string {
  const st = statSync(path);
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

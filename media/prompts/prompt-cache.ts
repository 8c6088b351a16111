/**
 * Finished prompt audio on disk, named by the hash of what made it (`<sha256>.wav`): a changed text is a new
 * name and is made again, an existing file is used without running any tool. A file appears only complete
 * (written beside it, then renamed), so a crash leaves at most a stray temporary file and never half a
 * prompt; requests for the same file while it is being made wait for that one run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeWav } from '../audio/wav.js';
import { SynthesisError, type AudioSpec, type Synthesizer } from './synthesizer.js';

export class PromptCache {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    readonly dir: string,
    readonly synthesizer: Synthesizer,
  ) {}

  /** The path of the finished audio for `spec`, synthesised first when it is not cached. */
  audio(spec: AudioSpec): Promise<string> {
    return this.file(`${this.synthesizer.key(spec)}.wav`, (tmp) => this.synthesizer.synthesize(spec, tmp));
  }

  /**
   * The cached file `name`, made by `make(tmpPath)` when missing. `make` writes a whole WAV to the temporary
   * path; it is checked to be a readable, non-empty WAV before it takes the name.
   */
  file(name: string, make: (tmp: string) => Promise<void>): Promise<string> {
    const path = join(this.dir, name);
    if (existsSync(path)) return Promise.resolve(path);
    const running = this.inFlight.get(name);
    if (running) return running;
    const made = (async () => {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await make(tmp);
        const pcm = decodeWav(await readFile(tmp));
        if (!pcm.samples.length) throw new SynthesisError(`no audio produced for ${name}`);
        await rename(tmp, path);
        return path;
      } finally {
        await rm(tmp, { force: true });
      }
    })().finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, made);
    return made;
  }
}

/**
 * A two-channel timeline of 16-bit samples written out in order while packets arrive out of order. Audio is
 * added into a ring of `windowFrames` frames; once a packet lands past the ring's end, the oldest half is
 * mixed down (clipped), interleaved and handed to the sink, so memory stays constant however long the call.
 * Sources on one channel add up (operator and interpreter both on the right); what lands before the part
 * already written is late and dropped.
 */

export type Channel = 0 | 1;

export class StereoTimeline {
  /** Frames handed to the sink so far. */
  written = 0;
  /** One past the last frame any source reached. */
  end = 0;
  private readonly mask: number;
  private readonly acc: [Int32Array, Int32Array];
  private readonly out: Int16Array;

  constructor(
    private readonly sink: (interleaved: Int16Array) => Promise<void>,
    private readonly windowFrames = 1 << 16,
  ) {
    if (windowFrames & (windowFrames - 1)) throw new RangeError('windowFrames must be a power of two');
    this.mask = windowFrames - 1;
    this.acc = [new Int32Array(windowFrames), new Int32Array(windowFrames)];
    this.out = new Int16Array(windowFrames * 2);
  }

  /** Adds `samples` at frame `position`; false when all of them fall before what is already written. */
  async put(channel: Channel, position: number, samples: Int16Array): Promise<boolean> {
    const stop = position + samples.length;
    if (stop <= this.written) return false;
    if (stop > this.written + this.windowFrames) await this.writeUntil(stop - this.windowFrames / 2);
    const acc = this.acc[channel];
    for (let f = Math.max(position, this.written); f < stop; f++) acc[f & this.mask]! += samples[f - position]!;
    if (stop > this.end) this.end = stop;
    return true;
  }

  /** Writes everything up to the last frame reached; returns the number of frames in the output. */
  async finish(): Promise<number> {
    await this.writeUntil(this.end);
    return this.written;
  }

  private async writeUntil(target: number): Promise<void> {
    while (this.written < target) {
      const n = Math.min(target - this.written, this.windowFrames);
      const [left, right] = this.acc;
      for (let i = 0; i < n; i++) {
        const slot = (this.written + i) & this.mask;
        this.out[2 * i] = clip(left[slot]!);
        this.out[2 * i + 1] = clip(right[slot]!);
        left[slot] = 0;
        right[slot] = 0;
      }
      this.written += n;
      await this.sink(this.out.subarray(0, 2 * n));
    }
  }
}

function clip(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

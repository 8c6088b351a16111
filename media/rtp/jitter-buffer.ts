/**
 * A fixed-depth jitter buffer for 20 ms frames. Frames are ordered by RTP sequence number (16-bit, wrapping
 * at 65535); playout starts, and restarts after running dry, once `depth` frames are held, which absorbs
 * that much arrival jitter. Each tick yields exactly one frame: a lost frame is filled (silence, or the
 * previous frame once) and counted; a late or duplicate frame is dropped and counted.
 */
import { seqDiff } from './rtp-packet.js';

export interface JitterBufferOptions {
  /** Frames held before playout starts: 3 = 60 ms. */
  depth?: number;
  /** Frames held at most; beyond this (a sender running fast) the oldest are dropped. */
  maxFrames?: number;
  /** How a lost frame is filled: digital silence, or the previous frame repeated once (then silence). */
  fill?: 'silence' | 'repeat';
  samplesPerFrame?: number;
  /** A jump of more sequence numbers than this is a restarted stream, not loss. */
  maxGap?: number;
}

export interface JitterStats {
  received: number;
  played: number;
  lost: number;
  late: number;
  duplicate: number;
  overflow: number;
  /** Times playout ran dry (the sender paused, or its packets came late) and had to refill. */
  underruns: number;
  /** RFC 3550 §6.4.1 interarrival jitter, in milliseconds. */
  jitterMs: number;
}

export type FrameKind = 'audio' | 'filled' | 'idle';

export class JitterBuffer {
  private readonly frames = new Map<number, Int16Array>();
  /** Sequence numbers the sender spent on other payloads (RFC 4733 events): passed over, not lost. */
  private readonly skipped = new Set<number>();
  private readonly depth: number;
  private readonly maxFrames: number;
  private readonly fill: 'silence' | 'repeat';
  private readonly maxGap: number;
  private readonly silence: Int16Array;
  /** The sequence number to play next; undefined before the first frame. */
  private next: number | undefined;
  private buffering = true;
  private last: Int16Array | undefined;
  private repeated = false;
  private transit: number | undefined;
  private jitter = 0;
  private readonly counts = { received: 0, played: 0, lost: 0, late: 0, duplicate: 0, overflow: 0, underruns: 0 };

  constructor(opts: JitterBufferOptions = {}) {
    this.depth = opts.depth ?? 3;
    this.maxFrames = opts.maxFrames ?? this.depth + 10;
    this.fill = opts.fill ?? 'silence';
    this.maxGap = opts.maxGap ?? 100;
    this.silence = new Int16Array(opts.samplesPerFrame ?? 160);
    if (!Number.isInteger(this.depth) || this.depth < 1 || this.maxFrames < this.depth) throw new RangeError('jitter buffer depth must be 1..maxFrames');
  }

  /** Whether playout has begun (the first `depth` frames arrived); from then on every tick has a frame. */
  get started(): boolean {
    return this.counts.played > 0;
  }

  /**
   * A received frame. `timestamp` (RTP, 8 kHz) and `arrivalMs` feed the jitter estimate.
   * Returns false when the frame was dropped as late or duplicate.
   */
  push(sequence: number, frame: Int16Array, timestamp?: number, arrivalMs?: number): boolean {
    this.counts.received++;
    if (timestamp !== undefined && arrivalMs !== undefined) this.updateJitter(timestamp, arrivalMs);
    const reference = this.next ?? this.frames.keys().next().value;
    if (reference !== undefined && Math.abs(seqDiff(sequence, reference)) > this.maxGap) {
      this.restart(); // a new stream (re-INVITE, another source): start over rather than count thousands lost
    } else if (this.next !== undefined && seqDiff(sequence, this.next) < 0) {
      this.counts.late++;
      return false;
    }
    if (this.frames.has(sequence)) {
      this.counts.duplicate++;
      return false;
    }
    this.frames.set(sequence, frame);
    while (this.frames.size > this.maxFrames) this.dropOldest();
    return true;
  }

  /** A sequence number that carried no audio (a telephone-event): playout passes over it without a gap. */
  skip(sequence: number): void {
    if (this.next !== undefined && seqDiff(sequence, this.next) < 0) return;
    this.skipped.add(sequence);
    if (this.skipped.size > this.maxGap) this.skipped.delete(this.skipped.values().next().value!);
  }

  /** The frame for this tick and what it is: received audio, a filled gap, or idle (nothing to play yet). */
  pop(): { samples: Int16Array; kind: FrameKind } {
    if (this.buffering) {
      if (this.frames.size < this.depth) return { samples: this.silence, kind: 'idle' };
      this.buffering = false;
      // Before the first playout (or after a restart) the oldest frame held is where the stream begins.
      this.next ??= this.oldest();
    } else if (this.frames.size === 0) {
      // Ran dry: the sender paused or its packets come late. Refill to `depth` before playing on.
      this.buffering = true;
      this.counts.underruns++;
      return { samples: this.silence, kind: 'idle' };
    }
    let seq = this.next!;
    while (this.skipped.delete(seq)) seq = (seq + 1) & 0xffff;
    this.next = (seq + 1) & 0xffff;
    const frame = this.frames.get(seq);
    this.counts.played++;
    if (frame) {
      this.frames.delete(seq);
      this.last = frame;
      this.repeated = false;
      return { samples: frame, kind: 'audio' };
    }
    this.counts.lost++;
    if (this.fill === 'repeat' && this.last && !this.repeated) {
      this.repeated = true;
      return { samples: this.last, kind: 'filled' };
    }
    return { samples: this.silence, kind: 'filled' };
  }

  stats(): JitterStats {
    return { ...this.counts, jitterMs: this.jitter / 8 };
  }

  private oldest(): number {
    let oldest: number | undefined;
    for (const seq of this.frames.keys()) if (oldest === undefined || seqDiff(seq, oldest) < 0) oldest = seq;
    return oldest!;
  }

  /** A sender running faster than our clock: skip ahead, counting what was dropped. */
  private dropOldest(): void {
    const seq = this.next ?? this.oldest();
    if (this.frames.delete(seq)) this.counts.overflow++;
    else this.counts.lost++;
    this.next = (seq + 1) & 0xffff;
  }

  private restart(): void {
    this.frames.clear();
    this.skipped.clear();
    this.next = undefined;
    this.buffering = true;
  }

  // RFC 3550 §6.4.1 and appendix A.8: J += (|D| - J) / 16, in timestamp units.
  private updateJitter(timestamp: number, arrivalMs: number): void {
    const transit = arrivalMs * 8 - timestamp;
    if (this.transit !== undefined) {
      let d = Math.abs(transit - this.transit);
      if (d > 0x7fffffff) d = Math.abs(d - 0x100000000); // the 32-bit timestamp wrapped
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
  }
}

/**
 * A fixed-depth jitter buffer on the RTP timestamp timeline. Senders packetise as they like (10-60 ms, even
 * mixed in one stream: RFC 3264 §6.1 and RFC 4566 make a=ptime only a preference), so received packets are
 * placed by their timestamp (8 kHz, 32-bit, wrapping) and played out 160 samples (20 ms) a tick, a packet
 * spread over ticks as needed. Playout starts, and restarts after running dry, once `depth` frames are held
 * beyond what one packet longer than 20 ms needs anyway, which absorbs that much arrival jitter whatever the
 * packetisation.
 *
 * A hole in the timeline is filled (silence, or the previous 20 ms once). Whether it is loss is told by the
 * sequence numbers around it: numbers missing between the packets on either side are lost packets; numbers
 * spent on telephone-events (`markNonAudio`) or none at all (the sender paused: a DTMF burst, silence suppression) are
 * not. Late and duplicate packets are dropped and counted.
 */
import { seqDiff } from './rtp-packet.js';

export interface JitterBufferOptions {
  /**
   * Frames held before playout starts (3 = 60 ms), plus what the longest packet needs beyond 20 ms (a 60 ms
   * packet must be whole before its first 20 ms plays): the jitter absorbed is the same for any packetisation.
   */
  depth?: number;
  /** Frames held at most; beyond this (a sender running fast) the oldest audio is dropped. */
  maxFrames?: number;
  /** How a hole is filled: digital silence, or the previous 20 ms repeated once (then silence). */
  fill?: 'silence' | 'repeat';
  samplesPerFrame?: number;
  /** A jump of more sequence numbers than this, or of more frames of timestamp, is a restarted stream, not loss. */
  maxGap?: number;
}

export interface JitterStats {
  /** Packets pushed, including those then dropped as late or duplicate. */
  received: number;
  /** Frames played out (ticks since playout began, not counting those spent refilling). */
  played: number;
  /** Audio of lost packets that playout filled, in 20 ms frames (samples / samplesPerFrame, rounded up). */
  lost: number;
  /** Packets that came after (part of) their audio was due: dropped, or only their rest kept. */
  late: number;
  duplicate: number;
  /** Audio dropped because the sender ran ahead of our clock, in 20 ms frames (rounded up). */
  overflow: number;
  /** Times playout ran dry (the sender paused, or its packets came late) and had to refill. */
  underruns: number;
  /** RFC 3550 §6.4.1 interarrival jitter, in milliseconds. */
  jitterMs: number;
}

export type FrameKind = 'audio' | 'filled' | 'idle';

/** One received packet's audio: any number of samples, placed on the timeline by its RTP timestamp. */
export interface AudioPacket {
  sequence: number;
  timestamp: number;
  samples: Int16Array;
  /** A new SSRC is a new stream: the timeline starts over. */
  ssrc?: number;
}

interface Held {
  sequence: number;
  start: number;
  samples: Int16Array;
}

/** Signed distance from RTP timestamp `b` to `a` on the 32-bit circle: positive when `a` comes after `b`. */
export function tsDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class JitterBuffer {
  /** Packets not yet played out, ordered by timestamp; each ends after `next`. */
  private held: Held[] = [];
  /** Sequence numbers the sender spent on other payloads (RFC 4733 events): not lost. */
  private readonly nonAudio = new Set<number>();
  private readonly depth: number;
  private readonly maxFrames: number;
  private readonly fill: 'silence' | 'repeat';
  private readonly maxGap: number;
  private readonly frameSize: number;
  private readonly silence: Int16Array;
  /** The timestamp of the next sample to play; undefined before the first packet. */
  private next: number | undefined;
  /** The packet audio last came from (its sequence number and length): the left side of the next hole. */
  private lastSeq: number | undefined;
  private lastLength = 0;
  /** The longest packet of this stream, in samples: it sets how much must be held before playing. */
  private longest = 0;
  private ssrc: number | undefined;
  private buffering = true;
  /** The hole being filled (between packets `after` and `before`) and how much of it may still count as lost. */
  private hole: { after: number | undefined; before: number; budget: number } | undefined;
  private previous: Int16Array | undefined;
  /** Samples the 'repeat' fill may still repeat before falling back to silence. */
  private repeatLeft = 0;
  private transit: number | undefined;
  private jitter = 0;
  private lostSamples = 0;
  private overflowSamples = 0;
  private readonly counts = { received: 0, played: 0, late: 0, duplicate: 0, underruns: 0 };

  constructor(opts: JitterBufferOptions = {}) {
    this.depth = opts.depth ?? 3;
    this.maxFrames = opts.maxFrames ?? this.depth + 10;
    this.fill = opts.fill ?? 'silence';
    this.maxGap = opts.maxGap ?? 100;
    this.frameSize = opts.samplesPerFrame ?? 160;
    this.silence = new Int16Array(this.frameSize);
    if (!Number.isInteger(this.depth) || this.depth < 1 || this.maxFrames < this.depth) throw new RangeError('jitter buffer depth must be 1..maxFrames');
  }

  /** Whether playout has begun (the first `depth` frames arrived); from then on every tick has a frame. */
  get started(): boolean {
    return this.counts.played > 0;
  }

  /**
   * A received packet; `arrivalMs` feeds the jitter estimate. Returns false when it was dropped as late
   * (all of its audio already due) or duplicate.
   */
  push(packet: AudioPacket, arrivalMs?: number): boolean {
    this.counts.received++;
    const { sequence, timestamp: start, samples } = packet;
    if (samples.length === 0) return true;
    if (this.isNewStream(packet)) this.restart(); // re-INVITE, another source: start over rather than count thousands lost
    if (packet.ssrc !== undefined) this.ssrc = packet.ssrc;
    if (arrivalMs !== undefined) this.updateJitter(start, arrivalMs);
    const end = (start + samples.length) >>> 0;
    if (this.next !== undefined && tsDiff(end, this.next) <= 0) {
      this.counts.late++;
      return false;
    }
    if (this.held.some((h) => h.sequence === sequence)) {
      this.counts.duplicate++;
      return false;
    }
    // Part of it already due (it came late for a hole now played): keep the rest, which playout trims.
    if (this.next !== undefined && tsDiff(start, this.next) < 0) this.counts.late++;
    let i = this.held.length;
    while (i > 0 && tsDiff(this.held[i - 1]!.start, start) > 0) i--;
    this.held.splice(i, 0, { sequence, start, samples });
    this.longest = Math.max(this.longest, samples.length);
    const over = this.heldSpan() - this.limit(this.maxFrames);
    if (over > 0) this.advance((this.from() + over) >>> 0);
    return true;
  }

  /** A sequence number that carried no audio (a telephone-event): the hole it leaves is not loss. */
  markNonAudio(sequence: number): void {
    const last = this.lastSeq;
    if (last !== undefined) {
      if (seqDiff(sequence, last) <= 0) return;
      for (const s of this.nonAudio) if (seqDiff(s, last) <= 0) this.nonAudio.delete(s);
    }
    this.nonAudio.add(sequence);
    if (this.nonAudio.size > this.maxGap) this.nonAudio.delete(this.nonAudio.values().next().value!);
  }

  /** The frame for this tick and what it is: received audio, partly or wholly filled, or idle (nothing to play yet). */
  pop(): { samples: Int16Array; kind: FrameKind } {
    if (this.buffering) {
      if (this.held.length === 0 || this.heldSpan() < this.limit(this.depth)) return { samples: this.silence, kind: 'idle' };
      this.buffering = false;
      // Playout begins with the oldest packet held; after running dry it jumps over the pause (or loss) to it.
      const first = this.held[0]!.start;
      if (this.next === undefined) this.next = first;
      else if (tsDiff(first, this.next) > 0) this.advance(first);
    } else if (this.held.length === 0) {
      // Ran dry: the sender paused or its packets come late. Refill to `depth` before playing on.
      this.buffering = true;
      this.counts.underruns++;
      return { samples: this.silence, kind: 'idle' };
    }
    this.counts.played++;
    return this.take();
  }

  stats(): JitterStats {
    return {
      ...this.counts,
      lost: Math.ceil(this.lostSamples / this.frameSize),
      overflow: Math.ceil(this.overflowSamples / this.frameSize),
      jitterMs: this.jitter / 8,
    };
  }

  /** Plays the next `frameSize` samples from `next`: the packets' audio, holes filled, a missing tail filled. */
  private take(): { samples: Int16Array; kind: FrameKind } {
    const size = this.frameSize;
    const first = this.held[0];
    // The common case (20 ms packets on the 20 ms grid): the packet's own samples, no copy.
    if (first && first.start === this.next && first.samples.length === size) {
      this.held.shift();
      this.played(first);
      this.next = (first.start + size) >>> 0;
      return this.output(first.samples, 'audio');
    }
    const out = new Int16Array(size);
    let kind: FrameKind = 'audio';
    let pos = 0;
    while (pos < size) {
      const h = this.held[0];
      const next = this.next!;
      const offset = h ? tsDiff(h.start, next) : size - pos;
      if (offset > 0) {
        // A hole before the next packet, or (no packet) the end of what has arrived: filled.
        const n = Math.min(offset, size - pos);
        this.fillHole(out, pos, n);
        if (h) this.countLoss(n, h);
        kind = 'filled';
        pos += n;
        this.next = (next + n) >>> 0;
        continue;
      }
      const rest = h!.samples.length + offset;
      if (rest <= 0) {
        this.held.shift(); // overlapped by the packet before it (audio sent again under a new number)
        continue;
      }
      const n = Math.min(rest, size - pos);
      out.set(h!.samples.subarray(-offset, -offset + n), pos);
      this.played(h!);
      pos += n;
      this.next = (next + n) >>> 0;
      if (n === rest) this.held.shift();
    }
    return this.output(out, kind);
  }

  /** The frame played, kept for the 'repeat' fill. */
  private output(samples: Int16Array, kind: FrameKind): { samples: Int16Array; kind: FrameKind } {
    this.previous = samples;
    return { samples, kind };
  }

  /** Audio came from `h`: it is the left side of the next hole, and the repeat fill may repeat again. */
  private played(h: Held): void {
    this.lastSeq = h.sequence;
    this.lastLength = h.samples.length;
    this.repeatLeft = this.frameSize;
  }

  private fillHole(out: Int16Array, pos: number, n: number): void {
    if (this.fill !== 'repeat' || !this.previous) return; // `out` is zeros: silence
    const r = Math.min(n, this.repeatLeft);
    out.set(this.previous.subarray(pos, pos + r), pos);
    this.repeatLeft -= r;
  }

  /**
   * Counts `n` samples of the hole before `h` as lost if packets are missing there: at most the missing
   * packets' worth (a lost packet just before a pause is not the whole pause lost).
   */
  private countLoss(n: number, h: Held): void {
    if (this.hole?.before !== h.sequence || this.hole.after !== this.lastSeq) {
      const missing = this.missing(this.lastSeq, h.sequence);
      this.hole = { after: this.lastSeq, before: h.sequence, budget: missing * Math.max(this.lastLength, h.samples.length) };
    }
    const lost = Math.min(n, this.hole.budget);
    this.hole.budget -= lost;
    this.lostSamples += lost;
  }

  /** Sequence numbers between `after` and `before` that neither arrived nor were spent on telephone-events. */
  private missing(after: number | undefined, before: number): number {
    if (after === undefined) return 0;
    const gap = Math.min(seqDiff(before, after) - 1, this.maxGap);
    let missing = 0;
    for (let i = 1; i <= gap; i++) if (!this.nonAudio.has((after + i) & 0xffff)) missing++;
    return missing;
  }

  /**
   * Moves playout to `to` without playing: held audio passed over counts as overflow, holes as loss where
   * packets are missing (the same rule as when playing them).
   */
  private advance(to: number): void {
    this.next ??= this.held[0]!.start;
    while (this.held.length > 0 && tsDiff(to, this.next) > 0) {
      const h = this.held[0]!;
      const offset = tsDiff(h.start, this.next);
      if (offset > 0) {
        const n = Math.min(offset, tsDiff(to, this.next));
        this.countLoss(n, h);
        this.next = (this.next + n) >>> 0;
        continue;
      }
      const rest = h.samples.length + offset;
      const n = Math.min(rest, tsDiff(to, this.next));
      if (n > 0) {
        this.overflowSamples += n;
        this.played(h);
        this.next = (this.next + n) >>> 0;
      }
      if (n >= rest) this.held.shift();
    }
    if (tsDiff(to, this.next) > 0) this.next = to;
  }

  /** Where held audio begins: `next`, or the first packet's start before playout (or when it lies ahead). */
  private from(): number {
    const first = this.held[0]!.start;
    return this.next !== undefined && tsDiff(first, this.next) < 0 ? this.next : first;
  }

  /** Samples of timeline held, from where playout would go on to the end of the last packet. */
  private heldSpan(): number {
    if (this.held.length === 0) return 0;
    const from = this.from();
    let span = 0;
    for (const h of this.held) span = Math.max(span, tsDiff(h.start, from) + h.samples.length);
    return span;
  }

  /** `frames` of 20 ms plus what a packet longer than a frame needs held beyond that. */
  private limit(frames: number): number {
    return frames * this.frameSize + Math.max(0, this.longest - this.frameSize);
  }

  private isNewStream(p: AudioPacket): boolean {
    if (p.ssrc !== undefined && this.ssrc !== undefined && p.ssrc !== this.ssrc) return true;
    // Compared with the newest packet held, else the last played: not with `next` while a new spurt fills up.
    const newest = this.held[this.held.length - 1];
    const seq = newest?.sequence ?? this.lastSeq;
    const ts = newest?.start ?? this.next;
    if (seq === undefined || ts === undefined) return false;
    return Math.abs(seqDiff(p.sequence, seq)) > this.maxGap || Math.abs(tsDiff(p.timestamp, ts)) > this.maxGap * this.frameSize;
  }

  private restart(): void {
    this.held = [];
    this.nonAudio.clear();
    this.next = undefined;
    this.lastSeq = undefined;
    this.lastLength = 0;
    this.longest = 0;
    this.hole = undefined;
    this.repeatLeft = 0;
    this.transit = undefined; // the new stream's timestamps have another origin
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

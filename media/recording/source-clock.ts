/**
 * Where one RTP source's packets go on the recording's timeline. The source's RTP timestamps carry the
 * order and spacing (reordered packets fall into place, a lost packet leaves silence), anchored at the
 * capture time of its first packet. The capture clock stays the judge: a timestamp jump of over a second
 * (a sender that restarted its clock, a hold that froze it) re-anchors at once, and a steady disagreement
 * of over 80 ms for a second of packets (clock drift, a lasting change of delay) re-anchors too, so the two
 * channels never drift apart by more than that. A single late packet (jitter) moves nothing.
 */

export const SAMPLE_RATE = 8000;
const JUMP_FRAMES = SAMPLE_RATE; // 1 s
const DRIFT_FRAMES = 640; // 80 ms
const DRIFT_PACKETS = 50; // 1 s of 20 ms packets
const SEEN_SLOTS = 512;

export class SourceClock {
  private anchorPosition: number;
  private anchorTimestamp: number;
  private outOfStep = 0;
  /** Sequence numbers seen lately, by their low bits, so a duplicated packet is not mixed in twice. */
  private readonly seen = new Int32Array(SEEN_SLOTS).fill(-1);

  constructor(timestamp: number, capturePosition: number) {
    this.anchorTimestamp = timestamp;
    this.anchorPosition = capturePosition;
  }

  /** True the first time a sequence number is seen (within the last 512 packets). */
  firstSight(sequence: number): boolean {
    const slot = sequence % SEEN_SLOTS;
    if (this.seen[slot] === sequence) return false;
    this.seen[slot] = sequence;
    return true;
  }

  /** The frame at which a packet with RTP `timestamp`, captured at frame `capturePosition`, starts. */
  position(timestamp: number, capturePosition: number): number {
    // Timestamps wrap at 2^32: the signed 32-bit difference is the distance.
    const byTimestamp = this.anchorPosition + ((timestamp - this.anchorTimestamp) | 0);
    const off = Math.abs(byTimestamp - capturePosition);
    if (off > JUMP_FRAMES || (off > DRIFT_FRAMES && ++this.outOfStep >= DRIFT_PACKETS)) {
      this.anchorTimestamp = timestamp;
      this.anchorPosition = capturePosition;
      this.outOfStep = 0;
      return capturePosition;
    }
    if (off <= DRIFT_FRAMES) this.outOfStep = 0;
    return byTimestamp;
  }
}

/**
 * One 20 ms ticker shared by every endpoint and mixer of a process: hundreds of calls must not each own a
 * timer. Ticks are scheduled against the monotonic clock (performance.now), so timer lateness does not
 * accumulate into drift; after a stall the missed ticks are run as fast as I/O allows, up to `maxCatchUp`,
 * beyond which the clock skips ahead (a burst of seconds of audio would only overflow the far end's buffer).
 *
 * Each tick runs its subscribers in three phases, so that one tick carries audio end to end: `receive`
 * (endpoints take a frame from their jitter buffers), `mix` (mixers combine them), `send` (endpoints send).
 */
import { performance } from 'node:perf_hooks';

export type TickPhase = 'receive' | 'mix' | 'send';
export type TickListener = (tick: number) => void;

const PHASES: readonly TickPhase[] = ['receive', 'mix', 'send'];

export interface FrameClockOptions {
  periodMs?: number;
  maxCatchUp?: number;
  /** Called when a listener throws; the clock goes on with the others. */
  onError?: (err: unknown) => void;
}

export class FrameClock {
  readonly periodMs: number;
  private readonly maxCatchUp: number;
  private readonly onError: (err: unknown) => void;
  private readonly listeners = new Map<TickPhase, Set<TickListener>>(PHASES.map((p) => [p, new Set()]));
  private count = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private startedAt = 0;
  private tick = 0;
  private firing = false;
  /** Ticks skipped after stalls longer than maxCatchUp periods. */
  skipped = 0;

  private static sharedClock: FrameClock | undefined;

  /** The process's clock of 20 ms. */
  static shared(): FrameClock {
    return (FrameClock.sharedClock ??= new FrameClock());
  }

  constructor(opts: FrameClockOptions = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.maxCatchUp = opts.maxCatchUp ?? 5;
    this.onError = opts.onError ?? ((err) => console.error('frame clock listener failed:', err));
  }

  /**
   * Runs `fn` on every tick in `phase` until the returned function is called. The clock (and its timer,
   * which keeps the process alive) runs only while anyone listens.
   */
  subscribe(fn: TickListener, phase: TickPhase = 'mix'): () => void {
    const set = this.listeners.get(phase)!;
    if (set.has(fn)) throw new Error('listener already subscribed');
    set.add(fn);
    if (++this.count === 1) this.start();
    return () => {
      if (!set.delete(fn)) return;
      if (--this.count === 0) this.stop();
    };
  }

  get running(): boolean {
    return this.count > 0;
  }

  private start(): void {
    if (this.firing) return; // fire() schedules the next tick when it is done
    this.startedAt = performance.now();
    this.tick = 0;
    this.schedule();
  }

  private stop(): void {
    if (this.timer) clearTimer(this.timer);
    this.timer = undefined;
  }

  /**
   * The next tick at its time; a tick already due (after a stall) on setImmediate, one at a time, so that
   * datagrams that arrived meanwhile are read between catch-up ticks and jitter buffers do not run dry.
   */
  private schedule(): void {
    const wait = this.startedAt + (this.tick + 1) * this.periodMs - performance.now();
    this.timer = wait > 0 ? setTimeout(() => this.fire(), wait) : setImmediate(() => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.firing = true;
    const behind = Math.floor((performance.now() - this.startedAt) / this.periodMs) - this.tick;
    if (behind > this.maxCatchUp) {
      this.skipped += behind - this.maxCatchUp;
      this.tick += behind - this.maxCatchUp;
    }
    if (behind > 0) {
      this.tick++;
      for (const phase of PHASES) {
        for (const fn of this.listeners.get(phase)!) {
          try {
            fn(this.tick);
          } catch (err) {
            this.onError(err);
          }
        }
      }
    }
    this.firing = false;
    if (this.count > 0 && !this.timer) this.schedule();
  }
}

function clearTimer(timer: NodeJS.Timeout | NodeJS.Immediate): void {
  if ('refresh' in timer) clearTimeout(timer);
  else clearImmediate(timer);
}

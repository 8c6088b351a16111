/**
 * Overload control for new requests: a token bucket on the rate of dialog-creating and out-of-dialog
 * requests plus a check of event-loop delay. Over either limit the stack answers 503 with Retry-After
 * (RFC 3261 §21.5.4) statelessly, spending no transaction on it, so existing calls (BYE, ACK, re-INVITE
 * are always admitted) keep working while a flood is refused.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface FloodOptions {
  /** New requests admitted per second on average. */
  ratePerSecond: number;
  /** How many may arrive at once above the average. */
  burst: number;
  /** Event-loop delay (p99 over the last second, ms) above which new requests are refused. */
  maxLoopDelayMs: number;
  /** Seconds put in Retry-After. */
  retryAfter: number;
}

export const DEFAULT_FLOOD: FloodOptions = { ratePerSecond: 2000, burst: 4000, maxLoopDelayMs: 250, retryAfter: 5 };

export class FloodGuard {
  private tokens: number;
  private last = performance.now();
  private readonly delay: IntervalHistogram;
  private readonly resetTimer: NodeJS.Timeout;
  private loopDelayMs = 0;

  constructor(readonly options: FloodOptions) {
    this.tokens = options.burst;
    this.delay = monitorEventLoopDelay({ resolution: 20 });
    this.delay.enable();
    this.resetTimer = setInterval(() => {
      this.loopDelayMs = this.delay.percentile(99) / 1e6;
      this.delay.reset();
    }, 1000);
    this.resetTimer.unref();
  }

  /** Whether one more new request may be served now. */
  admit(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.last) / 1000) * this.options.ratePerSecond);
    this.last = now;
    if (this.loopDelayMs > this.options.maxLoopDelayMs || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  get currentLoopDelayMs(): number {
    return this.loopDelayMs;
  }

  stop(): void {
    clearInterval(this.resetTimer);
    this.delay.disable();
  }
}

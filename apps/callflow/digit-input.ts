/**
 * The keys a caller pressed, from wherever they came (rtpengine's RFC 4733 events or SIP INFO), in order.
 * The flow waits for the next key with a timeout; a key pressed during a prompt is kept (type-ahead) and
 * also cuts the prompt short (barge-in).
 */
import { EventEmitter } from 'node:events';

export const DTMF_DIGITS = /^[0-9*#A-D]$/;

export class DigitInput extends EventEmitter<{ digit: [digit: string] }> {
  private readonly buffered: string[] = [];

  push(digit: string): void {
    if (!DTMF_DIGITS.test(digit)) return;
    this.buffered.push(digit);
    this.emit('digit', digit);
  }

  /** The next key, or null after `timeoutMs` without one or when `signal` aborts. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
    const first = this.buffered.shift();
    if (first !== undefined) return Promise.resolve(first);
    if (signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (digit: string | null) => {
        clearTimeout(timer);
        this.off('digit', onDigit);
        signal?.removeEventListener('abort', onAbort);
        if (digit !== null) this.buffered.shift();
        resolve(digit);
      };
      const onDigit = (d: string) => done(d);
      const onAbort = () => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      this.on('digit', onDigit);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

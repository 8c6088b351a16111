/**
 * Session timers (RFC 4028): the refresher re-offers the session every half interval; the other side
 * tears the call down when no refresh came before the interval ends (§10), so a call whose far end died
 * without a BYE does not hold an operator or a trunk channel forever.
 */
import type { SipMessage } from '../message/message.js';

export interface SessionTimerOptions {
  /** Session-Expires we ask for, seconds (RFC 4028 recommends 1800). */
  sessionExpires: number;
  /** The smallest interval we accept, seconds (at least 90, §4). */
  minSE: number;
}

export const DEFAULT_SESSION_TIMER: SessionTimerOptions = { sessionExpires: 1800, minSE: 90 };

export interface Negotiated {
  interval: number;
  refresher: 'uac' | 'uas';
}

/** Session-Expires: delta-seconds with an optional refresher parameter (§4). */
export function parseSessionExpires(value: string | undefined): Negotiated | { interval: number; refresher?: undefined } | undefined {
  if (value === undefined) return undefined;
  const m = /^[ \t]*([0-9]{1,10})[ \t]*(?:;(.*))?$/.exec(value);
  if (!m) return undefined;
  const refresher = /(?:^|;)[ \t]*refresher[ \t]*=[ \t]*(uac|uas)[ \t]*(?:;|$)/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
  const interval = Number(m[1]);
  return refresher === 'uac' || refresher === 'uas' ? { interval, refresher } : { interval };
}

export function supportsTimer(msg: SipMessage): boolean {
  return [...msg.headers.values('supported'), ...msg.headers.values('require')].some((v) => v.toLowerCase() === 'timer');
}

export class SessionTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly interval: number,
    /** Whether this side sends the refreshes. */
    readonly localRefresher: boolean,
    private readonly refresh: () => void,
    private readonly expire: () => void,
  ) {}

  /** (Re)starts the clock, after the session was set up or refreshed. */
  restart(): void {
    clearTimeout(this.timer);
    const ms = this.localRefresher ? (this.interval * 1000) / 2 : (this.interval - Math.min(32, this.interval / 3)) * 1000;
    this.timer = setTimeout(() => (this.localRefresher ? this.refresh() : this.expire()), ms);
    this.timer.unref();
  }

  /** Refreshes after `ms` instead (a refresh that was refused, RFC 4028 §10). */
  retry(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), ms);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

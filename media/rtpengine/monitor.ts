/**
 * Watches rtpengine by pinging it over ng every pingMs. Two pings in a row without an answer make it
 * 'down' (call control then answers new INVITEs 503 and tears down its calls); the first answer after that
 * makes it 'up' again. It starts as up only once a first ping was answered.
 */
import { EventEmitter } from 'node:events';
import type { NgClient } from './ng-client.js';

export interface RtpengineMonitorOptions {
  client: Pick<NgClient, 'ping'>;
  pingMs: number;
  /** Missed pings that count as down (default 2). */
  misses?: number;
}

export class RtpengineMonitor extends EventEmitter<{ up: []; down: [] }> {
  private up = false;
  private missed = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;

  constructor(private readonly o: RtpengineMonitorOptions) {
    super();
  }

  isUp(): boolean {
    return this.up;
  }

  /** Pings at once, then every pingMs. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.o.pingMs);
    void this.check();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    // A ping still waiting for its answer (the client's timeout exceeds pingMs) counts when it settles.
    if (this.inFlight) return;
    this.inFlight = true;
    let answered: boolean;
    try {
      await this.o.client.ping();
      answered = true;
    } catch {
      answered = false;
    } finally {
      this.inFlight = false;
    }
    if (!this.timer) return;
    if (answered) {
      this.missed = 0;
      if (!this.up) {
        this.up = true;
        this.emit('up');
      }
      return;
    }
    this.missed++;
    if (this.up && this.missed >= (this.o.misses ?? 2)) {
      this.up = false;
      this.emit('down');
    }
  }
}

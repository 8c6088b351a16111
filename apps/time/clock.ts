/**
 * The one source of time for the whole appliance. Everything that asks "what time is it" takes a Clock,
 * so tests, demos and `SC_CLOCK` checks of hours and windows can move the appliance to any instant.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that was set to `start` at real time `setAtMs` and has been running since. */
export function runningFrom(start: Date, setAtMs: number = Date.now()): Clock {
  const offset = start.getTime() - setAtMs;
  return { now: () => new Date(Date.now() + offset) };
}

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string) {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(t: Date | string): void {
    this.ms = new Date(t).getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * `SC_CLOCK=2027-06-01T10:00:00+09:00` starts the appliance at that instant, then running. The supervisor
 * stamps `SC_CLOCK_SET_AT` (real epoch ms) once, so a child restarted later keeps the same shifted time
 * instead of jumping back to the start instant.
 */
import { parseInstant } from '../apps/time/jst.js';
import { runningFrom, systemClock, type Clock } from '../apps/time/clock.js';
import { ConfigError } from './config.js';

export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const value = env.SC_CLOCK;
  if (!value) return systemClock;
  const start = parseInstant(value);
  if (!start) throw new ConfigError(`SC_CLOCK: not a date-time: "${value}" (expected e.g. 2027-06-01T10:00:00+09:00)`);
  const setAt = env.SC_CLOCK_SET_AT ? Number(env.SC_CLOCK_SET_AT) : Date.now();
  if (!Number.isFinite(setAt)) throw new ConfigError(`SC_CLOCK_SET_AT: not a number: "${env.SC_CLOCK_SET_AT}"`);
  return runningFrom(start, setAt);
}

/** Environment for child processes: the same shifted clock, fixed to the moment it was first set. */
export function stampClock(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.SC_CLOCK && !env.SC_CLOCK_SET_AT ? { ...env, SC_CLOCK_SET_AT: String(Date.now()) } : env;
}

/**
 * What every appliance process starts from: the validated config, the clock and a logger. A bad config or
 * data folder ends the process with one clear message and exit code 2, before anything is touched.
 */
import type { Logger } from '../apps/logger.js';
import type { Clock } from '../apps/time/clock.js';
import { clockFromEnv } from './clock-env.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { DatabaseFileError } from '../db/connection.js';

export interface Runtime {
  config: Config;
  clock: Clock;
  log: Logger;
}

export function loadRuntime(processName: string, env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadConfig(env);
  const clock = clockFromEnv(env);
  return { config, clock, log: createLogger(processName, config.log.level) };
}

/** Something a person must fix (a taken port, a second supervisor, a bad argument): shown without a stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Errors a person can fix get their message only; anything else also its stack. */
export function fatal(processName: string, e: unknown): never {
  const known = e instanceof ConfigError || e instanceof DatabaseFileError || e instanceof UserError;
  const message = known ? (e as Error).message : e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`${processName}: ${message}\n`);
  process.exit(2);
}

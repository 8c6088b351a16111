/** One JSON line per event on stderr (journald keeps it on the appliance), tagged with the process. */
import type { Logger } from '../apps/logger.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

export function createLogger(process: string, level: LogLevel, write: (line: string) => void = (l) => void global.process.stderr.write(l + '\n')): Logger {
  const emit = (lv: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lv] < LEVELS[level]) return;
    write(JSON.stringify({ t: new Date().toISOString(), level: lv, process, msg, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/**
 * `supervisor.pid` in the data folder: one supervisor per data folder, and `sc restore` refuses to replace
 * a database under a running appliance. A file left by a supervisor that was killed is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { runningSupervisor } from '../db/backup.js';
import { supervisorPidFile } from '../db/zones.js';
import { UserError } from './runtime.js';

function createExclusive(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Stops start-up, before anything is touched, when the data folder is already served. */
export function refuseIfRunning(dataDir: string): void {
  const other = runningSupervisor(dataDir);
  if (other !== null && other !== process.pid) {
    throw new UserError(`another supervisor (pid ${other}) is running on ${dataDir}; stop it first`);
  }
}

/** Claims the data folder for this process; the returned function gives it back. */
export function holdPidFile(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = supervisorPidFile(dataDir);
  if (!createExclusive(file)) {
    refuseIfRunning(dataDir);
    rmSync(file, { force: true });
    if (!createExclusive(file)) throw new UserError(`${file}: another supervisor is starting on this data folder`);
  }
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file);
    } catch {
      // Already gone: nothing to give back.
    }
  };
}

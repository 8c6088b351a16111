/**
 * The shared secret between call control's ACD API and the console (ARCHITECTURE: commands flow console ->
 * callcontrol): a random token in `<dataDir>/run/acd-api.token`, readable by the appliance's user only.
 * Made once by `prepare`, before either process starts; read by both.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function acdApiTokenFile(dataDir: string): string {
  return join(dataDir, 'run', 'acd-api.token');
}

export function ensureAcdApiToken(dataDir: string): void {
  const file = acdApiTokenFile(dataDir);
  if (existsSync(file)) return;
  mkdirSync(join(dataDir, 'run'), { recursive: true });
  // 'wx': two preparers racing keep the first token rather than overwrite it under a running console.
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** The token, or undefined when the data folder was not prepared yet. */
export function readAcdApiToken(dataDir: string): string | undefined {
  try {
    return readFileSync(acdApiTokenFile(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

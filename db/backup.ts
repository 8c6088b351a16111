/**
 * Consistent online backup and checked restore of a zone's SQLite file (O3, C3).
 *
 * Backup uses SQLite's backup API and copies every page in one step: that step reads one snapshot (WAL
 * readers do not block writers), so the copy is consistent even while the appliance keeps writing, and it
 * cannot be restarted forever by a busy writer as a page-by-page backup can.
 *
 * Restore never touches the live file until the backup has been proven sound: it must be an SQLite file,
 * pass `integrity_check`, belong to the same zone and have no migration this code does not know. The file
 * it replaces is kept beside it, and the appliance must be stopped (its supervisor pid file is checked).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { assertSqliteFile, DatabaseFileError, openDatabase } from './connection.js';
import { migrateLatest, pendingMigrations, zoneOf, knownMigrations } from './migrator.js';
import { isZone, supervisorPidFile, zoneFile, type Zone } from './zones.js';

export interface BackupResult {
  zone: Zone;
  file: string;
  pages: number;
  bytes: number;
  ms: number;
}

export interface RestoreResult {
  zone: Zone;
  replaced: string;
  keptAs: string | null;
  migrated: string[];
}

const ALL_PAGES = 0x7fffffff;

/** Whether a supervisor pid file in the data folder names a live process. */
export function runningSupervisor(dataDir: string): number | null {
  const pidFile = supervisorPidFile(dataDir);
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

function checkIntegrity(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((s) => s !== 'ok');
    if (problems.length) throw new DatabaseFileError(`${file}: failed integrity check: ${problems.slice(0, 3).join('; ')}`);
  } catch (e) {
    if (e instanceof DatabaseFileError) throw e;
    throw new DatabaseFileError(`${file}: cannot be read as an SQLite database (${(e as Error).message})`);
  } finally {
    db.close();
  }
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function backupZone(dataDir: string, zone: Zone, target: string): Promise<BackupResult> {
  const source = zoneFile(dataDir, zone);
  if (!existsSync(source)) throw new DatabaseFileError(`${source}: no ${zone} database to back up`);
  assertSqliteFile(source);
  if (existsSync(target)) throw new DatabaseFileError(`${target}: already exists; choose a new file name`);
  if (!existsSync(dirname(target))) throw new DatabaseFileError(`${dirname(target)}: no such folder`);
  const started = performance.now();
  const partial = join(dirname(target), `.${basename(target)}.partial`);
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const progress = await db.backup(partial, { progress: () => ALL_PAGES });
    checkIntegrity(partial);
    fsyncFile(partial);
    renameSync(partial, target);
    return { zone, file: target, pages: progress.totalPages, bytes: statSync(target).size, ms: Math.round(performance.now() - started) };
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  } finally {
    db.close();
  }
}

/** What a backup file is: its zone and whether this code can take it. Throws with the reason if not. */
export async function inspectBackup(file: string): Promise<{ zone: Zone; migrations: string[] }> {
  if (!existsSync(file)) throw new DatabaseFileError(`${file}: no such file`);
  assertSqliteFile(file);
  checkIntegrity(file);
  const db = openDatabase(file, { readonly: true });
  try {
    const zone = await zoneOf(db);
    if (!zone || !isZone(zone)) throw new DatabaseFileError(`${file}: not a Setagaya Call database (no zone recorded)`);
    const applied: string[] = (await db.schema.hasTable('knex_migrations')) ? (await db('knex_migrations').orderBy('id').pluck('name')) : [];
    const known = new Set(knownMigrations(zone));
    const unknown = applied.filter((m) => !known.has(m));
    if (unknown.length) throw new DatabaseFileError(`${file}: made by a newer version (unknown migrations: ${unknown.join(', ')})`);
    return { zone, migrations: applied };
  } finally {
    await db.destroy();
  }
}

export async function restoreZone(dataDir: string, file: string, options: { zone?: Zone; now: Date }): Promise<RestoreResult> {
  const pid = runningSupervisor(dataDir);
  if (pid) throw new DatabaseFileError(`the appliance is running (supervisor pid ${pid}); stop it before restoring`);
  const { zone } = await inspectBackup(file);
  if (options.zone && options.zone !== zone) throw new DatabaseFileError(`${file}: is a backup of the ${zone} zone, not ${options.zone}`);
  const live = zoneFile(dataDir, zone);
  const incoming = `${live}.restore-tmp`;
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(file, incoming);
  fsyncFile(incoming);
  let keptAs: string | null = null;
  if (existsSync(live)) {
    // Fold the live file's WAL into it first, so the copy kept aside is whole on its own.
    const old = new Database(live, { fileMustExist: true });
    try {
      old.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      old.close();
    }
    keptAs = `${live}.before-restore-${options.now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(live, keptAs);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(live + suffix, { force: true });
  renameSync(incoming, live);
  const db = openDatabase(live);
  try {
    const migrated = (await pendingMigrations(db, zone)).length ? await migrateLatest(db, zone) : [];
    return { zone, replaced: live, keptAs, migrated };
  } finally {
    await db.destroy();
  }
}

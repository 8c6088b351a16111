/**
 * Opening a zone's SQLite file through knex and better-sqlite3 with the settings every connection needs:
 * WAL (readers never block the writer, and online backup works), foreign keys on, and a busy timeout so
 * the console and a CLI command can write to the same file.
 */
import { mkdirSync, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { zoneFile, type Zone } from './zones.js';

export type Db = Knex;

export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** Refuse a file that exists but is not an SQLite database, before anything writes to it. */
export function assertSqliteFile(file: string): void {
  if (!existsSync(file)) return;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n === 0) return; // an empty file is a new database
    if (n < 16 || buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new DatabaseFileError(`${file}: not an SQLite database (corrupt or wrong file); restore it from a backup with \`sc restore\``);
    }
  } finally {
    closeSync(fd);
  }
}

export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  assertSqliteFile(file);
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: file, options: { readonly: options.readonly ?? false } },
    useNullAsDefault: true,
    // better-sqlite3 is synchronous: one connection serialises writes without SQLITE_BUSY between them.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(s: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        try {
          if (!options.readonly) {
            conn.pragma('journal_mode = WAL');
            // Console and call control write the same file. A deferred transaction that reads before it writes
            // cannot wait for the other's lock (SQLITE_BUSY at once, busy_timeout does not apply), so every
            // transaction knex begins takes the write lock at BEGIN and waits for it instead.
            const prepare = conn.prepare.bind(conn);
            conn.prepare = (sql: string) => prepare(sql === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : sql);
          }
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        } catch (e) {
          done(e as Error, conn);
        }
      },
    },
  });
}

export function openZone(dataDir: string, zone: Zone, options: { readonly?: boolean } = {}): Db {
  return openDatabase(zoneFile(dataDir, zone), options);
}

/**
 * Migrations per zone, listed here rather than discovered on disk so that the compiled appliance and the
 * tests run exactly the same set, in order, whatever the file extension.
 */
import { existsSync } from 'node:fs';
import type { Knex } from 'knex';
import { DatabaseFileError, openZone, type Db } from './connection.js';
import { zoneFile, type Zone } from './zones.js';
import * as internal0001 from './migrations/internal/0001_foundation.js';
import * as internal0002 from './migrations/internal/0002_calls.js';
import * as internal0003 from './migrations/internal/0003_acd.js';
import * as public0001 from './migrations/public/0001_foundation.js';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: Record<Zone, Migration[]> = {
  internal: [internal0001, internal0002, internal0003],
  public: [public0001],
};

/** The zone's migrations for knex's migrator (latest, rollback, list). */
export function migrationSource(zone: Zone): Knex.MigrationSource<Migration> {
  return {
    getMigrations: async () => MIGRATIONS[zone],
    getMigrationName: (m) => m.name,
    getMigration: async (m) => m,
  };
}

export function knownMigrations(zone: Zone): string[] {
  return MIGRATIONS[zone].map((m) => m.name);
}

/** Bring a zone's database to the newest schema; returns the names applied now. */
export async function migrateLatest(db: Db, zone: Zone): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: migrationSource(zone) })) as [number, string[]];
  return applied;
}

/** Names of migrations the database still lacks (empty when current). */
export async function pendingMigrations(db: Db, zone: Zone): Promise<string[]> {
  const [, pending] = (await db.migrate.list({ migrationSource: migrationSource(zone) })) as [unknown, Migration[]];
  return pending.map((m) => m.name);
}

/**
 * Open a zone that is already migrated, for every process and command that must not migrate it itself
 * (only the supervisor and `sc migrate` do): a missing or outdated file is refused with what to run, and
 * is left as it was (opening a missing file would otherwise create an empty one).
 */
export async function openMigratedZone(dataDir: string, zone: Zone): Promise<Db> {
  const file = zoneFile(dataDir, zone);
  const remedy = 'start the appliance through the supervisor (npm start), which migrates before it starts the processes';
  if (!existsSync(file)) {
    throw new DatabaseFileError(`${file} does not exist: ${remedy}; the data folder is not migrated yet, so for \`sc\` run \`sc migrate\` first`);
  }
  const db = openZone(dataDir, zone);
  const pending = await pendingMigrations(db, zone).catch(async (e: unknown) => {
    await db.destroy();
    throw e;
  });
  if (pending.length) {
    await db.destroy();
    throw new DatabaseFileError(`${file} has migrations pending (${pending.join(', ')}): run \`sc migrate\` first, or ${remedy}`);
  }
  return db;
}

/** The zone a database file says it belongs to, or null when it has none (not ours, or empty). */
export async function zoneOf(db: Db): Promise<string | null> {
  if (!(await db.schema.hasTable('zone_meta'))) return null;
  const row = await db('zone_meta').where({ key: 'zone' }).first('value');
  return (row?.value as string | undefined) ?? null;
}

/**
 * Migrations per zone, listed here rather than discovered on disk so that the compiled appliance and the
 * tests run exactly the same set, in order, whatever the file extension.
 */
import type { Knex } from 'knex';
import type { Db } from './connection.js';
import type { Zone } from './zones.js';
import * as internal0001 from './migrations/internal/0001_foundation.js';
import * as public0001 from './migrations/public/0001_foundation.js';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: Record<Zone, Migration[]> = {
  internal: [internal0001],
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

/** The zone a database file says it belongs to, or null when it has none (not ours, or empty). */
export async function zoneOf(db: Db): Promise<string | null> {
  if (!(await db.schema.hasTable('zone_meta'))) return null;
  const row = await db('zone_meta').where({ key: 'zone' }).first('value');
  return (row?.value as string | undefined) ?? null;
}

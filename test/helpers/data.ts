/** Real SQLite files in a temporary data folder, removed when the test ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Scope } from './scope.js';
import { openZone, type Db } from '../../db/connection.js';
import { migrateLatest } from '../../db/migrator.js';
import type { Zone } from '../../db/zones.js';
import { seedReference } from '../../appliance/prepare.js';
import { ManualClock } from '../../apps/time/clock.js';

export function tempDataDir(t: Scope): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A migrated zone database (internal ones also get the ward's reference data), closed at teardown. */
export async function migratedDb(t: Test, zone: Zone = 'internal', dataDir = tempDataDir(t)): Promise<Db> {
  const db = openZone(dataDir, zone);
  t.teardown(() => db.destroy());
  await migrateLatest(db, zone);
  if (zone === 'internal') await seedReference(db, new ManualClock('2027-06-01T00:00:00Z'));
  return db;
}

/** The database part of a health report: reachable, and its schema current. */
import type { Db } from '../../db/connection.js';
import { pendingMigrations } from '../../db/migrator.js';
import type { Zone } from '../../db/zones.js';
import type { PartState } from './health.js';

export function databaseCheck(db: Db, zone: Zone): () => Promise<PartState> {
  return async () => {
    await db.raw('select 1');
    const pending = await pendingMigrations(db, zone);
    return pending.length
      ? { state: 'down', zone, detail: `migrations pending: ${pending.join(', ')}` }
      : { state: 'up', zone };
  };
}

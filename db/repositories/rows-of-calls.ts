/** Rows of a per-call table (events, legs, transfers) for many calls at once, in the order they were written. */
import type { Db } from '../connection.js';

/** SQLite limits the variables of one statement: the ids go in slices of this size. */
const CHUNK = 500;

export async function rowsOfCalls<R extends { id: number }>(db: Db, table: string, callIds: number[]): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < callIds.length; i += CHUNK) rows.push(...((await db(table).whereIn('call_id', callIds.slice(i, i + CHUNK))) as R[]));
  return rows.sort((a, b) => a.id - b.id);
}

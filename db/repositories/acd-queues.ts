/**
 * ACD queues (待ち行列, T5): versioned JSON definitions; the highest version is in force and older ones are
 * kept, so a change can be traced and undone. The shape is checked by apps/acd/queue-definition.ts before saving.
 */
import type { Db } from '../connection.js';

export interface StoredQueue {
  queue: string;
  version: number;
  definition: unknown;
  createdAt: string;
  createdBy: string;
}

interface QueueRow {
  queue: string;
  version: number;
  definition: string;
  created_at: string;
  created_by: string;
}

const toQueue = (r: QueueRow): StoredQueue => ({
  queue: r.queue,
  version: r.version,
  definition: JSON.parse(r.definition) as unknown,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export class AcdQueuesRepository {
  constructor(private readonly db: Db) {}

  /** The version in force of each queue, by queue id. */
  async current(): Promise<StoredQueue[]> {
    const latest = this.db('acd_queues').select('queue').max({ version: 'version' }).groupBy('queue').as('l');
    const rows = await this.db<QueueRow>('acd_queues as q')
      .join(latest, function () {
        this.on('q.queue', '=', 'l.queue').andOn('q.version', '=', 'l.version');
      })
      .select('q.queue', 'q.version', 'q.definition', 'q.created_at', 'q.created_by')
      .orderBy('q.queue');
    return rows.map(toQueue);
  }

  /** Every version of one queue, newest first. */
  async history(queue: string): Promise<StoredQueue[]> {
    return (await this.db<QueueRow>('acd_queues').where({ queue }).orderBy('version', 'desc')).map(toQueue);
  }

  /** Saves a new version (one above the highest) and returns it. */
  async save(queue: string, definition: unknown, by: string, at: Date): Promise<number> {
    return this.db.transaction(async (trx) => {
      const top = (await trx('acd_queues').where({ queue }).max({ v: 'version' }).first()) as { v: number | null } | undefined;
      const version = (top?.v ?? 0) + 1;
      await trx('acd_queues').insert({ queue, version, definition: JSON.stringify(definition), created_at: at.toISOString(), created_by: by });
      return version;
    });
  }
}

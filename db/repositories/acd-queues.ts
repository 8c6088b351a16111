/** ACD queues (待ち行列, T5) as versioned definitions; the shape is checked by apps/acd/queue-definition.ts. */
import type { Db } from '../connection.js';
import { VersionedDefinitions, type StoredDefinition } from './versioned-definitions.js';

export interface StoredQueue extends Omit<StoredDefinition, 'key'> {
  queue: string;
}

const toQueue = ({ key, ...d }: StoredDefinition): StoredQueue => ({ queue: key, ...d });

export class AcdQueuesRepository {
  private readonly defs: VersionedDefinitions;

  constructor(db: Db) {
    this.defs = new VersionedDefinitions(db, 'acd_queues', 'queue');
  }

  /** The version in force of each queue, by queue id. */
  async current(): Promise<StoredQueue[]> {
    return (await this.defs.current()).map(toQueue);
  }

  /** Every version of one queue, newest first. */
  async history(queue: string): Promise<StoredQueue[]> {
    return (await this.defs.history(queue)).map(toQueue);
  }

  save(queue: string, definition: unknown, by: string, at: Date): Promise<number> {
    return this.defs.save(queue, definition, by, at);
  }
}

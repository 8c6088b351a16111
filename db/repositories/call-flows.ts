/** Call flows per dialled number (T1) as versioned definitions; the shape is checked by apps/callflow before saving. */
import type { Db } from '../connection.js';
import { VersionedDefinitions, type StoredDefinition } from './versioned-definitions.js';

export interface StoredFlow extends Omit<StoredDefinition, 'key'> {
  number: string;
}

const toFlow = ({ key, ...d }: StoredDefinition): StoredFlow => ({ number: key, ...d });

export class CallFlowsRepository {
  private readonly defs: VersionedDefinitions;

  constructor(db: Db) {
    this.defs = new VersionedDefinitions(db, 'call_flows', 'number');
  }

  /** The version in force for each number. */
  async current(): Promise<StoredFlow[]> {
    return (await this.defs.current()).map(toFlow);
  }

  async forNumber(number: string): Promise<StoredFlow | undefined> {
    const d = await this.defs.latest(number);
    return d && toFlow(d);
  }

  async history(number: string): Promise<StoredFlow[]> {
    return (await this.defs.history(number)).map(toFlow);
  }

  /** Saves a new version (one above the highest) and returns it. */
  save(number: string, definition: unknown, by: string, at: Date): Promise<number> {
    return this.defs.save(number, definition, by, at);
  }
}

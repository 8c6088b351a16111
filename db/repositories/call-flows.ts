/**
 * Call flows per dialled number (T1): versioned JSON definitions; the highest version is in force and older
 * ones are kept, so a change can be traced and undone. The shape is checked by apps/callflow before saving.
 */
import type { Db } from '../connection.js';

export interface StoredFlow {
  number: string;
  version: number;
  definition: unknown;
  createdAt: string;
  createdBy: string;
}

interface FlowRow {
  number: string;
  version: number;
  definition: string;
  created_at: string;
  created_by: string;
}

const toFlow = (r: FlowRow): StoredFlow => ({
  number: r.number,
  version: r.version,
  definition: JSON.parse(r.definition) as unknown,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export class CallFlowsRepository {
  constructor(private readonly db: Db) {}

  /** The version in force for each number. */
  async current(): Promise<StoredFlow[]> {
    const latest = this.db('call_flows').select('number').max({ version: 'version' }).groupBy('number').as('l');
    const rows = await this.db<FlowRow>('call_flows as f')
      .join(latest, function () {
        this.on('f.number', '=', 'l.number').andOn('f.version', '=', 'l.version');
      })
      .select('f.number', 'f.version', 'f.definition', 'f.created_at', 'f.created_by')
      .orderBy('f.number');
    return rows.map(toFlow);
  }

  async forNumber(number: string): Promise<StoredFlow | undefined> {
    const row = await this.db<FlowRow>('call_flows').where({ number }).orderBy('version', 'desc').first();
    return row ? toFlow(row) : undefined;
  }

  async history(number: string): Promise<StoredFlow[]> {
    return (await this.db<FlowRow>('call_flows').where({ number }).orderBy('version', 'desc')).map(toFlow);
  }

  /** Saves a new version (one above the highest) and returns it. */
  async save(number: string, definition: unknown, by: string, at: Date): Promise<number> {
    return this.db.transaction(async (trx) => {
      const top = (await trx('call_flows').where({ number }).max({ v: 'version' }).first()) as { v: number | null } | undefined;
      const version = (top?.v ?? 0) + 1;
      await trx('call_flows').insert({ number, version, definition: JSON.stringify(definition), created_at: at.toISOString(), created_by: by });
      return version;
    });
  }
}

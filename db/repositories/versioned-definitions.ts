/**
 * Definitions kept as versions (call flows per number, ACD queues): JSON in a table keyed by one column and
 * `version`; the highest version is in force and older ones are kept, so a change can be traced and undone.
 * The apps check a definition's shape before saving it.
 */
import type { Db } from '../connection.js';

export interface StoredDefinition {
  key: string;
  version: number;
  definition: unknown;
  createdAt: string;
  createdBy: string;
}

interface Row {
  key: string;
  version: number;
  definition: string;
  created_at: string;
  created_by: string;
}

const toDefinition = (r: Row): StoredDefinition => ({
  key: r.key,
  version: r.version,
  definition: JSON.parse(r.definition) as unknown,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export class VersionedDefinitions {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    /** The column a definition belongs to (number, queue). */
    private readonly keyColumn: string,
  ) {}

  private columns(prefix = ''): string[] {
    return [`${prefix}${this.keyColumn} as key`, `${prefix}version`, `${prefix}definition`, `${prefix}created_at`, `${prefix}created_by`];
  }

  /** The version in force for each key, by key. */
  async current(): Promise<StoredDefinition[]> {
    const k = this.keyColumn;
    const latest = this.db(this.table).select(k).max({ version: 'version' }).groupBy(k).as('l');
    const rows = (await this.db(`${this.table} as d`)
      .join(latest, function () {
        this.on(`d.${k}`, '=', `l.${k}`).andOn('d.version', '=', 'l.version');
      })
      .select(this.columns('d.'))
      .orderBy(`d.${k}`)) as Row[];
    return rows.map(toDefinition);
  }

  async latest(key: string): Promise<StoredDefinition | undefined> {
    const row = (await this.db(this.table).where({ [this.keyColumn]: key }).orderBy('version', 'desc').first(this.columns())) as Row | undefined;
    return row ? toDefinition(row) : undefined;
  }

  /** Every version of one key, newest first. */
  async history(key: string): Promise<StoredDefinition[]> {
    return ((await this.db(this.table).where({ [this.keyColumn]: key }).orderBy('version', 'desc').select(this.columns())) as Row[]).map(toDefinition);
  }

  /** Saves a new version (one above the highest) and returns it. */
  async save(key: string, definition: unknown, by: string, at: Date): Promise<number> {
    return this.db.transaction(async (trx) => {
      const top = (await trx(this.table).where({ [this.keyColumn]: key }).max({ v: 'version' }).first()) as { v: number | null } | undefined;
      const version = (top?.v ?? 0) + 1;
      await trx(this.table).insert({ [this.keyColumn]: key, version, definition: JSON.stringify(definition), created_at: at.toISOString(), created_by: by });
      return version;
    });
  }
}

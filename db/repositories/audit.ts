/**
 * The audit log (O4, O7, C6): append-only (triggers refuse UPDATE and DELETE) and hash-chained, so a row
 * changed or removed behind the application's back is found by `verify`.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../connection.js';

export interface AuditEntry {
  actorId?: number | null;
  actor: string;
  action: string;
  entity?: string | null;
  entityId?: string | number | null;
  detail?: Record<string, unknown> | null;
  ip?: string | null;
}

export interface AuditRecord {
  id: number;
  at: string;
  actorId: number | null;
  actor: string;
  action: string;
  entity: string | null;
  entityId: string | null;
  detail: Record<string, unknown> | null;
  ip: string | null;
  hash: string;
}

interface AuditRow {
  id: number;
  at: string;
  actor_id: number | null;
  actor: string;
  action: string;
  entity: string | null;
  entity_id: string | null;
  detail: string | null;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

function rowHash(prev: string, r: Omit<AuditRow, 'id' | 'prev_hash' | 'hash'>): string {
  const fields = [prev, r.at, r.actor_id ?? '', r.actor, r.action, r.entity ?? '', r.entity_id ?? '', r.detail ?? '', r.ip ?? ''];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /**
   * Append one entry. Pass the transaction of the change it records, after the change's writes: both land
   * or neither does, and the transaction already holds SQLite's write lock, so no other writer can slip a
   * row in between reading the last hash and inserting.
   */
  async append(entry: AuditEntry, now: Date, trx?: Db): Promise<number> {
    if (!trx) return this.db.transaction((t) => this.append(entry, now, t));
    const last = await trx('audit_log').orderBy('id', 'desc').first('hash');
    const prev = (last?.hash as string | undefined) ?? GENESIS;
    const row = {
      at: now.toISOString(),
      actor_id: entry.actorId ?? null,
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity ?? null,
      entity_id: entry.entityId == null ? null : String(entry.entityId),
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
      ip: entry.ip ?? null,
    };
    const [id] = await trx('audit_log').insert({ ...row, prev_hash: prev, hash: rowHash(prev, row) });
    return id as number;
  }

  async list(filter: { entity?: string; entityId?: string; action?: string; limit?: number; beforeId?: number } = {}): Promise<AuditRecord[]> {
    const q = this.db<AuditRow>('audit_log').select('*').orderBy('id', 'desc').limit(filter.limit ?? 100);
    if (filter.entity) q.where({ entity: filter.entity });
    if (filter.entityId) q.where({ entity_id: filter.entityId });
    if (filter.action) q.where({ action: filter.action });
    if (filter.beforeId) q.where('id', '<', filter.beforeId);
    return (await q).map((r) => ({
      id: r.id,
      at: r.at,
      actorId: r.actor_id,
      actor: r.actor,
      action: r.action,
      entity: r.entity,
      entityId: r.entity_id,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
      ip: r.ip,
      hash: r.hash,
    }));
  }

  /** Walk the chain; returns the id of the first row that does not match, or null when all do. */
  async verify(): Promise<number | null> {
    let prev = GENESIS;
    const rows = await this.db<AuditRow>('audit_log').select('*').orderBy('id');
    for (const r of rows) {
      if (r.prev_hash !== prev || rowHash(prev, r) !== r.hash) return r.id;
      prev = r.hash;
    }
    return null;
  }
}

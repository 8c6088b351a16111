/**
 * Transfers to ward departments (転送, T7): every attempt with its department, mode and outcome, so the
 * transfers by department name and their counts can be reported (C4).
 */
import type { Db } from '../connection.js';
import { rowsOfCalls } from './rows-of-calls.js';

// The same words as apps/acd/call-event.ts (db imports nothing from apps).
export type StoredTransferMode = 'blind' | 'attended' | 'conference';
/** connected; refused (outside the department's window); failed (no answer, busy); cancelled. */
export type StoredTransferOutcome = 'connected' | 'refused' | 'failed' | 'cancelled';

export interface NewTransfer {
  callId: number;
  at: Date;
  agent: string | null;
  departmentId: string;
  mode: StoredTransferMode;
  outcome: StoredTransferOutcome;
  reason?: string | null;
}

export interface Transfer {
  id: number;
  callId: number;
  at: string;
  agent: string | null;
  departmentId: string;
  mode: StoredTransferMode;
  outcome: StoredTransferOutcome;
  reason: string | null;
}

/** C4: transfers of a period by department (with its name), mode and outcome. */
export interface TransferCount {
  departmentId: string;
  departmentName: string | null;
  mode: StoredTransferMode;
  outcome: StoredTransferOutcome;
  count: number;
}

interface TransferRow {
  id: number;
  call_id: number;
  at: string;
  agent: string | null;
  department_id: string;
  mode: StoredTransferMode;
  outcome: StoredTransferOutcome;
  reason: string | null;
}

const toTransfer = (r: TransferRow): Transfer => ({
  id: r.id,
  callId: r.call_id,
  at: r.at,
  agent: r.agent,
  departmentId: r.department_id,
  mode: r.mode,
  outcome: r.outcome,
  reason: r.reason,
});

export class TransfersRepository {
  constructor(private readonly db: Db) {}

  async record(t: NewTransfer): Promise<number> {
    const [row] = await this.db('transfers')
      .insert({ call_id: t.callId, at: t.at.toISOString(), agent: t.agent, department_id: t.departmentId, mode: t.mode, outcome: t.outcome, reason: t.reason ?? null })
      .returning('id');
    return (row as { id: number }).id;
  }

  /** Transfers in [from, to), of one department or all, in the order they were recorded. */
  async between(from: Date, to: Date, departmentId?: string): Promise<Transfer[]> {
    const q = this.db<TransferRow>('transfers').where('at', '>=', from.toISOString()).andWhere('at', '<', to.toISOString());
    if (departmentId !== undefined) q.andWhere({ department_id: departmentId });
    return (await q.orderBy('id')).map(toTransfer);
  }

  async forCalls(callIds: number[]): Promise<Transfer[]> {
    return (await rowsOfCalls<TransferRow>(this.db, 'transfers', callIds)).map(toTransfer);
  }

  async countsByDepartment(from: Date, to: Date): Promise<TransferCount[]> {
    const rows = (await this.db('transfers as t')
      .leftJoin('departments as d', 'd.id', 't.department_id')
      .where('t.at', '>=', from.toISOString())
      .andWhere('t.at', '<', to.toISOString())
      .groupBy('t.department_id', 'd.name', 't.mode', 't.outcome')
      .select('t.department_id', 'd.name', 't.mode', 't.outcome')
      .count({ n: '*' })
      .orderBy([{ column: 't.department_id' }, { column: 't.mode' }, { column: 't.outcome' }])) as { department_id: string; name: string | null; mode: StoredTransferMode; outcome: StoredTransferOutcome; n: number }[];
    return rows.map((r) => ({ departmentId: r.department_id, departmentName: r.name, mode: r.mode, outcome: r.outcome, count: Number(r.n) }));
  }
}

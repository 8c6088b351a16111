/**
 * Callback requests (折り返し依頼, T7): taken by an operator when a department is outside its window, or
 * chosen by a caller in a long queue (department null: the centre calls back). Personal data (name, number,
 * topic, preferred time) is removed in the same statement that closes the request (C10); the row stays for counts.
 */
import type { Db } from '../connection.js';

export type CallbackStatus = 'open' | 'done' | 'cancelled';

export interface NewCallback {
  callId: number | null;
  /** null: the centre itself calls back. */
  departmentId: string | null;
  callerName: string | null;
  number: string;
  topic: string;
  language: string | null;
  preferredTime: string | null;
  createdBy: string;
  at: Date;
}

export interface Callback {
  id: number;
  callId: number | null;
  departmentId: string | null;
  /** null once purged (C10). */
  callerName: string | null;
  number: string | null;
  topic: string | null;
  language: string | null;
  preferredTime: string | null;
  status: CallbackStatus;
  createdAt: string;
  createdBy: string;
  doneAt: string | null;
  doneBy: string | null;
  purgedAt: string | null;
}

interface CallbackRow {
  id: number;
  call_id: number | null;
  department_id: string | null;
  caller_name: string | null;
  number: string | null;
  topic: string | null;
  language: string | null;
  preferred_time: string | null;
  status: CallbackStatus;
  created_at: string;
  created_by: string;
  done_at: string | null;
  done_by: string | null;
  purged_at: string | null;
}

const toCallback = (r: CallbackRow): Callback => ({
  id: r.id,
  callId: r.call_id,
  departmentId: r.department_id,
  callerName: r.caller_name,
  number: r.number,
  topic: r.topic,
  language: r.language,
  preferredTime: r.preferred_time,
  status: r.status,
  createdAt: r.created_at,
  createdBy: r.created_by,
  doneAt: r.done_at,
  doneBy: r.done_by,
  purgedAt: r.purged_at,
});

export interface CallbackFilter {
  /** A department's list; null for the centre's own; left out for all. */
  departmentId?: string | null;
  status?: CallbackStatus;
}

export class CallbacksRepository {
  constructor(private readonly db: Db) {}

  async create(c: NewCallback): Promise<number> {
    const [row] = await this.db('callbacks')
      .insert({
        call_id: c.callId,
        department_id: c.departmentId,
        caller_name: c.callerName,
        number: c.number,
        topic: c.topic,
        language: c.language,
        preferred_time: c.preferredTime,
        status: 'open',
        created_at: c.at.toISOString(),
        created_by: c.createdBy,
      })
      .returning('id');
    return (row as { id: number }).id;
  }

  /** Oldest first: the order in which they should be called back. */
  async list(f: CallbackFilter = {}): Promise<Callback[]> {
    const q = this.db<CallbackRow>('callbacks');
    if (f.departmentId === null) q.whereNull('department_id');
    else if (f.departmentId !== undefined) q.where({ department_id: f.departmentId });
    if (f.status !== undefined) q.andWhere({ status: f.status });
    return (await q.orderBy('id')).map(toCallback);
  }

  async get(id: number): Promise<Callback | undefined> {
    const row = await this.db<CallbackRow>('callbacks').where({ id }).first();
    return row ? toCallback(row) : undefined;
  }

  /** Called back: closed and purged at once (C10). False when it was not open. */
  done(id: number, by: string, at: Date): Promise<boolean> {
    return this.close(id, 'done', by, at);
  }

  /** Withdrawn: closed and purged like a done one. False when it was not open. */
  cancel(id: number, by: string, at: Date): Promise<boolean> {
    return this.close(id, 'cancelled', by, at);
  }

  private async close(id: number, status: CallbackStatus, by: string, at: Date): Promise<boolean> {
    const when = at.toISOString();
    const n = await this.db('callbacks')
      .where({ id, status: 'open' })
      .update({ status, done_at: when, done_by: by, caller_name: null, number: null, topic: null, preferred_time: null, purged_at: when });
    return n === 1;
  }
}

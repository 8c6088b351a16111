/** Calls (着信): one row per call through call control, written as the call goes (T1 DNIS, T8, T10 language). */
import type { Db } from '../connection.js';

export type CallOutcome = 'closed' | 'queued' | 'abandoned' | 'rejected' | 'failed' | 'completed';

export interface Call {
  id: number;
  sipCallId: string;
  dnis: string;
  caller: string;
  flowVersion: number | null;
  language: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  outcome: CallOutcome | null;
  endReason: string | null;
  agent: string | null;
}

interface CallRow {
  id: number;
  sip_call_id: string;
  dnis: string;
  caller: string;
  flow_version: number | null;
  language: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  outcome: CallOutcome | null;
  end_reason: string | null;
  agent: string | null;
}

const toCall = (r: CallRow): Call => ({
  id: r.id,
  sipCallId: r.sip_call_id,
  dnis: r.dnis,
  caller: r.caller,
  flowVersion: r.flow_version,
  language: r.language,
  startedAt: r.started_at,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  outcome: r.outcome,
  endReason: r.end_reason,
  agent: r.agent,
});

export interface NewCall {
  sipCallId: string;
  dnis: string;
  caller: string;
  flowVersion?: number | null;
  startedAt: Date;
}

export class CallsRepository {
  constructor(private readonly db: Db) {}

  async start(c: NewCall): Promise<number> {
    const [row] = await this.db('calls')
      .insert({ sip_call_id: c.sipCallId, dnis: c.dnis, caller: c.caller, flow_version: c.flowVersion ?? null, started_at: c.startedAt.toISOString() })
      .returning('id');
    return (row as { id: number }).id;
  }

  async answered(id: number, at: Date): Promise<void> {
    await this.db('calls').where({ id }).update({ answered_at: at.toISOString() });
  }

  async setLanguage(id: number, language: string): Promise<void> {
    await this.db('calls').where({ id }).update({ language });
  }

  /** Records the outcome reached so far; `end` closes the call and keeps the outcome unless it has none. */
  async setOutcome(id: number, outcome: CallOutcome): Promise<void> {
    await this.db('calls').where({ id }).update({ outcome });
  }

  async end(id: number, at: Date, outcome: CallOutcome, reason: string): Promise<void> {
    await this.db('calls').where({ id }).whereNull('ended_at').update({ ended_at: at.toISOString(), outcome, end_reason: reason });
  }

  /** Calls still open, e.g. after a crash of call control: they are closed as failed at start-up. */
  async open(): Promise<Call[]> {
    return (await this.db<CallRow>('calls').whereNull('ended_at').orderBy('id')).map(toCall);
  }
}

/**
 * Call legs: one row per party a call reached (the caller, each operator rung, a department, a consult or
 * an interpreter call), with when it was answered and ended, how, and who ended it. Part of the CDR.
 */
import type { Db } from '../connection.js';
import { rowsOfCalls } from './rows-of-calls.js';

export type LegKind = 'caller' | 'agent' | 'department' | 'consult' | 'interpreter';
export type LegOutcome = 'answered' | 'no-answer' | 'rejected' | 'busy' | 'unreachable' | 'cancelled' | 'failed';
export type LegEndedBy = 'caller' | 'agent' | 'department' | 'system';

export interface CallLeg {
  id: number;
  callId: number;
  kind: LegKind;
  /** The number or SIP user. */
  party: string;
  sipCallId: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  outcome: LegOutcome | null;
  endedBy: LegEndedBy | null;
}

export interface NewLeg {
  callId: number;
  kind: LegKind;
  party: string;
  sipCallId?: string | null;
  startedAt: Date;
}

interface LegRow {
  id: number;
  call_id: number;
  kind: LegKind;
  party: string;
  sip_call_id: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  outcome: LegOutcome | null;
  ended_by: LegEndedBy | null;
}

const toLeg = (r: LegRow): CallLeg => ({
  id: r.id,
  callId: r.call_id,
  kind: r.kind,
  party: r.party,
  sipCallId: r.sip_call_id,
  startedAt: r.started_at,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  outcome: r.outcome,
  endedBy: r.ended_by,
});

export class CallLegsRepository {
  constructor(private readonly db: Db) {}

  async start(l: NewLeg): Promise<number> {
    const [row] = await this.db('call_legs')
      .insert({ call_id: l.callId, kind: l.kind, party: l.party, sip_call_id: l.sipCallId ?? null, started_at: l.startedAt.toISOString() })
      .returning('id');
    return (row as { id: number }).id;
  }

  async answered(id: number, at: Date): Promise<void> {
    await this.db('call_legs').where({ id }).whereNull('answered_at').update({ answered_at: at.toISOString() });
  }

  /** Closes the leg; the first end wins, so a late duplicate report changes nothing. */
  async end(id: number, at: Date, outcome: LegOutcome, endedBy: LegEndedBy | null): Promise<void> {
    await this.db('call_legs').where({ id }).whereNull('ended_at').update({ ended_at: at.toISOString(), outcome, ended_by: endedBy });
  }

  async forCall(callId: number): Promise<CallLeg[]> {
    return (await this.db<LegRow>('call_legs').where({ call_id: callId }).orderBy('id')).map(toLeg);
  }

  async forCalls(callIds: number[]): Promise<CallLeg[]> {
    return (await rowsOfCalls<LegRow>(this.db, 'call_legs', callIds)).map(toLeg);
  }
}

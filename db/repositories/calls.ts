/**
 * Calls (着信): one row per call through call control, written as the call goes (T1 DNIS, T8, T10 language),
 * with the ACD's figures on the same row (queue entry, operator answer, talk end, wrap-up, who hung up) that
 * the §16 formulas are computed from (apps/acd/sla.ts).
 */
import type { Db } from '../connection.js';

/** `callback`: the caller left the queue asking to be called back (T7), neither answered nor abandoned. */
export type CallOutcome = 'closed' | 'queued' | 'abandoned' | 'callback' | 'rejected' | 'failed' | 'completed';
/** Who ended the call (apps/acd/call-event.ts HungUpBy). */
export type HungUpBy = 'caller' | 'agent' | 'department' | 'system';

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
  /** The operator who answered first (§16 応答). */
  agent: string | null;
  /** The queue the call first entered, and when (即応 is measured from there). */
  queue: string | null;
  queuedAt: string | null;
  /** When an operator first answered. */
  agentAnsweredAt: string | null;
  /** When the last talk with an operator ended (平均通話時間 runs from agentAnsweredAt to here). */
  talkEndedAt: string | null;
  /** After-call work for this call, summed over the operators who did it (平均後処理時間). */
  wrapUpMs: number | null;
  hungUpBy: HungUpBy | null;
  /** How many times an operator was rung for this call. */
  offers: number;
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
  queue: string | null;
  queued_at: string | null;
  agent_answered_at: string | null;
  talk_ended_at: string | null;
  wrap_up_ms: number | null;
  hung_up_by: HungUpBy | null;
  offers: number | null;
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
  queue: r.queue,
  queuedAt: r.queued_at,
  agentAnsweredAt: r.agent_answered_at,
  talkEndedAt: r.talk_ended_at,
  wrapUpMs: r.wrap_up_ms,
  hungUpBy: r.hung_up_by,
  offers: r.offers ?? 0,
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

  /** Entered a queue; a later move to another queue keeps the first queue and time (§16 counts from entry). */
  async queued(id: number, queue: string, at: Date): Promise<void> {
    await this.db('calls').where({ id }).whereNull('queued_at').update({ queue, queued_at: at.toISOString() });
  }

  /** An operator answered; only the first answer counts (応答, 即応), a later one after a failed transfer does not. */
  async agentAnswered(id: number, agent: string, at: Date): Promise<void> {
    await this.db('calls').where({ id }).whereNull('agent_answered_at').update({ agent, agent_answered_at: at.toISOString() });
  }

  /** The talk with an operator ended; the last end wins, so a second operator's talk is included. */
  async talkEnded(id: number, at: Date): Promise<void> {
    await this.db('calls').where({ id }).update({ talk_ended_at: at.toISOString() });
  }

  /** Adds one operator's after-call work to the call's. */
  async wrapUp(id: number, ms: number): Promise<void> {
    await this.db('calls')
      .where({ id })
      .update({ wrap_up_ms: this.db.raw('coalesce(wrap_up_ms, 0) + ?', [Math.round(ms)]) });
  }

  /** Who hung up; the first report wins (a recovery after a crash does not overwrite the caller's hang-up). */
  async hungUpBy(id: number, by: HungUpBy): Promise<void> {
    await this.db('calls').where({ id }).whereNull('hung_up_by').update({ hung_up_by: by });
  }

  /** One more operator rung for this call. */
  async countOffer(id: number): Promise<void> {
    await this.db('calls')
      .where({ id })
      .update({ offers: this.db.raw('coalesce(offers, 0) + 1') });
  }

  async get(id: number): Promise<Call | undefined> {
    const row = await this.db<CallRow>('calls').where({ id }).first();
    return row ? toCall(row) : undefined;
  }

  /** Calls that started in [from, to), in id order: the CDRs of a period. */
  async between(from: Date, to: Date): Promise<Call[]> {
    return (await this.db<CallRow>('calls').where('started_at', '>=', from.toISOString()).andWhere('started_at', '<', to.toISOString()).orderBy('id')).map(toCall);
  }

  /** Calls still open, e.g. after a crash of call control: they are closed as failed at start-up. */
  async open(): Promise<Call[]> {
    return (await this.db<CallRow>('calls').whereNull('ended_at').orderBy('id')).map(toCall);
  }
}

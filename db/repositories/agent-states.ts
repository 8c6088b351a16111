/**
 * Operator states (T6): every change, time-stamped, one row each. The last row of each operator is the state
 * a restart of call control starts from; the rows of a period give the time spent in each state.
 */
import type { Db } from '../connection.js';

// The same words as apps/acd/agent-state.ts (db imports nothing from apps); the labels live there.
export type StoredAgentStateName = 'logged_out' | 'ready' | 'ringing' | 'talking' | 'wrap_up' | 'not_ready';
export type StoredNotReadyReason = 'break' | 'training' | 'meeting' | 'missed' | 'other';
export type StoredAgentContact = { kind: 'softphone' } | { kind: 'external'; number: string };

/** One state change, shaped as apps/acd/agent-state.ts AgentStatus. */
export interface StoredAgentState {
  agent: string;
  state: StoredAgentStateName;
  reason: StoredNotReadyReason | null;
  /** When the state began (ISO). */
  since: string;
  callId: number | null;
  contact: StoredAgentContact | null;
}

interface StateRow {
  id: number;
  at: string;
  agent: string;
  state: StoredAgentStateName;
  reason: StoredNotReadyReason | null;
  call_id: number | null;
  contact: string | null;
}

const SOFTPHONE = 'softphone';

const toState = (r: StateRow): StoredAgentState => ({
  agent: r.agent,
  state: r.state,
  reason: r.reason,
  since: r.at,
  callId: r.call_id,
  contact: r.contact === null ? null : r.contact === SOFTPHONE ? { kind: 'softphone' } : { kind: 'external', number: r.contact },
});

export class AgentStatesRepository {
  constructor(private readonly db: Db) {}

  async record(s: StoredAgentState): Promise<void> {
    await this.db('agent_states').insert({
      at: new Date(s.since).toISOString(),
      agent: s.agent,
      state: s.state,
      reason: s.reason,
      call_id: s.callId,
      contact: s.contact === null ? null : s.contact.kind === 'softphone' ? SOFTPHONE : s.contact.number,
    });
  }

  /** The current state of every operator ever recorded: the last row of each, by agent. */
  async latest(): Promise<StoredAgentState[]> {
    const last = this.db('agent_states').max('id').groupBy('agent');
    return (await this.db<StateRow>('agent_states').whereIn('id', last).orderBy('agent')).map(toState);
  }

  /** The changes in [from, to), of one operator or all, in the order they were recorded. */
  async between(from: Date, to: Date, agent?: string): Promise<StoredAgentState[]> {
    const q = this.db<StateRow>('agent_states').where('at', '>=', from.toISOString()).andWhere('at', '<', to.toISOString());
    if (agent !== undefined) q.andWhere({ agent });
    return (await q.orderBy('id')).map(toState);
  }
}

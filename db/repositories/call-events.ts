/**
 * The call event log (T5, §16): what happened to each call in the ACD, appended as it happens and never
 * changed. Live figures are folded from today's rows at start-up (apps/acd/live-counts.ts), so a restart
 * keeps today's numbers. The kinds and their details are apps/acd/call-event.ts; here they are plain data.
 */
import type { Db } from '../connection.js';
import { rowsOfCalls } from './rows-of-calls.js';

export interface StoredCallEvent {
  at: Date;
  callId: number;
  kind: string;
  queue: string | null;
  agent: string | null;
  detail: unknown;
}

interface EventRow {
  id: number;
  at: string;
  call_id: number;
  kind: string;
  queue: string | null;
  agent: string | null;
  detail: string | null;
}

const toEvent = (r: EventRow): StoredCallEvent => ({
  at: new Date(r.at),
  callId: r.call_id,
  kind: r.kind,
  queue: r.queue,
  agent: r.agent,
  detail: r.detail === null ? {} : (JSON.parse(r.detail) as unknown),
});

/** SQLite's limit on bound values is far above this; chunks keep each statement small. */
export class CallEventsRepository {
  constructor(private readonly db: Db) {}

  async append(e: StoredCallEvent): Promise<void> {
    await this.db('call_events').insert({
      at: e.at.toISOString(),
      call_id: e.callId,
      kind: e.kind,
      queue: e.queue,
      agent: e.agent,
      detail: JSON.stringify(e.detail ?? {}),
    });
  }

  /** Events in [from, to), in the order they were appended. */
  async between(from: Date, to: Date): Promise<StoredCallEvent[]> {
    return (await this.db<EventRow>('call_events').where('at', '>=', from.toISOString()).andWhere('at', '<', to.toISOString()).orderBy('id')).map(toEvent);
  }

  async forCall(callId: number): Promise<StoredCallEvent[]> {
    return (await this.db<EventRow>('call_events').where({ call_id: callId }).orderBy('id')).map(toEvent);
  }

  /** The events of several calls, in the order they were appended. */
  async forCalls(callIds: number[]): Promise<StoredCallEvent[]> {
    return (await rowsOfCalls<EventRow>(this.db, 'call_events', callIds)).map(toEvent);
  }
}

/**
 * What the ACD writes, in the order it happened: each call event to the stored log (T5, §16) and onto the
 * call's own CDR columns, each agent state (T6). Writes go one after another through one chain, so a row
 * never overtakes an earlier one; a failed write is logged and the calls go on. The live counts are folded
 * from the same events as they are stored, so what the wallboard shows is what a restart rebuilds.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { CallsRepository } from '../../db/repositories/calls.js';
import type { AgentStatesRepository } from '../../db/repositories/agent-states.js';
import type { CallEventsRepository } from '../../db/repositories/call-events.js';
import type { AgentStatus } from './agent-state.js';
import type { CallEvent, CallEventDetail } from './call-event.js';
import type { LiveCounts } from './live-counts.js';

export interface AcdLogDeps {
  events: CallEventsRepository;
  calls: CallsRepository;
  states: AgentStatesRepository;
  counts: LiveCounts;
  log: Logger;
}

/** Emits `change` after each call event, for the live feed. */
export class AcdLog extends EventEmitter<{ change: [] }> {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly d: AcdLogDeps) {
    super();
  }

  /** Stores the event and what it changes on the call's row; counts it at once. */
  event(e: CallEvent): void {
    this.d.counts.add(e);
    this.emit('change');
    this.write(`call event ${e.kind}`, async () => {
      await this.d.events.append(e);
      await this.onCallRow(e);
    });
  }

  agent(s: AgentStatus): void {
    this.write('agent state', () => this.d.states.record(s));
  }

  /** Resolves once everything queued so far is written (shutdown, tests). */
  flushed(): Promise<void> {
    return this.chain;
  }

  private async onCallRow(e: CallEvent): Promise<void> {
    const { calls } = this.d;
    switch (e.kind) {
      case 'enqueue':
      case 'requeue':
        if (e.queue) await calls.queued(e.callId, e.queue, e.at);
        return;
      case 'offer':
        await calls.countOffer(e.callId);
        return;
      case 'answer':
        if (e.agent) await calls.agentAnswered(e.callId, e.agent, e.at);
        return;
      case 'talk-end':
        await calls.talkEnded(e.callId, e.at);
        return;
      case 'wrap-up-end':
        await calls.wrapUp(e.callId, (e.detail as CallEventDetail['wrap-up-end']).wrapUpMs);
        return;
      case 'hangup':
        await calls.hungUpBy(e.callId, (e.detail as CallEventDetail['hangup']).by);
        return;
      default:
    }
  }

  private write(what: string, fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err: unknown) => this.d.log.error('acd write failed', { what, error: (err as Error).message }));
  }
}

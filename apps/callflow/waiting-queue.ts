/**
 * Callers waiting for an operator, per queue, in arrival order: what the call flow hands a call to and what
 * the busy message counts (T4, 待ち呼). The ACD (issue 5) takes calls from here to operators; until then a
 * caller waits, hearing music, until it hangs up.
 */
import { EventEmitter } from 'node:events';
import type { LanguageChoice } from './flow-definition.js';

export interface WaitingCall {
  callId: number;
  dnis: string;
  language: LanguageChoice;
  joinedAt: Date;
}

export type LeaveReason = 'answered' | 'abandoned' | 'failed';

export interface WaitingQueueEvents {
  join: [queue: string, call: WaitingCall];
  leave: [queue: string, call: WaitingCall, reason: LeaveReason];
}

export class WaitingQueues extends EventEmitter<WaitingQueueEvents> {
  private readonly queues = new Map<string, WaitingCall[]>();

  /** Adds the call at the back; returns how many wait ahead of it. */
  join(queue: string, call: WaitingCall): number {
    const list = this.queues.get(queue) ?? [];
    this.queues.set(queue, list);
    list.push(call);
    this.emit('join', queue, call);
    return list.length - 1;
  }

  leave(queue: string, call: WaitingCall, reason: LeaveReason): void {
    const list = this.queues.get(queue);
    const i = list?.indexOf(call) ?? -1;
    if (i < 0) return;
    list!.splice(i, 1);
    this.emit('leave', queue, call, reason);
  }

  /** Callers waiting in the queue now. */
  waiting(queue: string): number {
    return this.queues.get(queue)?.length ?? 0;
  }

  /** Callers ahead of `call`; -1 once it has left. */
  ahead(queue: string, call: WaitingCall): number {
    return this.queues.get(queue)?.indexOf(call) ?? -1;
  }

  /** Waiting callers per queue, for /healthz and the wallboard. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.queues].map(([q, list]) => [q, list.length]));
  }
}

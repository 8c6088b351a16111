/**
 * Today's counts per queue (T5, §16), folded from the call event log: the same fold runs on each event as it
 * happens and over the stored rows at start-up, so a restart of call control keeps today's numbers. A new
 * JST day starts from zero. The engine's live snapshot (waiting callers, operators by state, alarm) is merged
 * in by `figures`.
 */
import { AGENT_STATES, type AgentState } from './agent-state.js';
import type { CallEvent } from './call-event.js';
import type { LiveFigures, QueueFigures } from './figures.js';
import type { Clock } from '../time/clock.js';
import { fromJst, jstDate, jstParts } from '../time/jst.js';

/** 即応 (§16): answered by an operator within 15 s of queue entry. */
export const QUICK_ANSWER_MS = 15_000;

/** A call event as emitted by the engine or read back from call_events (kind and detail are plain data there). */
export type LoggedEvent = Pick<CallEvent, 'at' | 'callId' | 'queue' | 'agent'> & { kind: string; detail: unknown };

export interface QueueCounts {
  /** Calls that first entered this queue today (a move to another queue is not counted again). */
  offered: number;
  /** Answered by an operator in this queue today, each call once. */
  answered: number;
  answeredWithin15s: number;
  /** Hung up in this queue before any operator answered, each call once. */
  abandoned: number;
  abandonedWaitMs: { total: number; max: number };
}

/** What the engine knows now, per queue and for the whole centre. */
export interface LiveState {
  waiting: number;
  longestWaitS: number;
  agents: Record<AgentState, number>;
  alarm: boolean;
}

export interface LiveSnapshot {
  queues: Record<string, LiveState>;
  total: LiveState;
}

const emptyCounts = (): QueueCounts => ({ offered: 0, answered: 0, answeredWithin15s: 0, abandoned: 0, abandonedWaitMs: { total: 0, max: 0 } });

export const noAgents = (): Record<AgentState, number> => Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;

const idle = (): LiveState => ({ waiting: 0, longestWaitS: 0, agents: noAgents(), alarm: false });

/** [from, to) of the JST day containing `t`: the range of call_events to rebuild from. */
export function jstDayRange(t: Date): { from: Date; to: Date } {
  const p = jstParts(t);
  return { from: fromJst(p.year, p.month, p.day), to: fromJst(p.year, p.month, p.day + 1) };
}

function waitMsOf(detail: unknown): number | null {
  const w = (detail as { waitMs?: unknown } | null)?.waitMs;
  return typeof w === 'number' && Number.isFinite(w) && w >= 0 ? w : null;
}

export class LiveCounts {
  private date: string;
  private perQueue = new Map<string, QueueCounts>();
  private total = emptyCounts();
  // Each call is counted once per day for each figure, whatever the engine repeats (a second answer after
  // a failed transfer, a duplicate row after a crash).
  private offeredCalls = new Set<number>();
  private answeredCalls = new Set<number>();
  private abandonedCalls = new Set<number>();

  constructor(private readonly clock: Clock) {
    this.date = jstDate(clock.now());
  }

  /** The JST day the counts are for. */
  get day(): string {
    return this.date;
  }

  /** Empties the counts when the JST day has changed since the last event; true when it did. */
  rollover(): boolean {
    const today = jstDate(this.clock.now());
    if (today === this.date) return false;
    this.reset(today);
    return true;
  }

  /** Folds one event in; events of another JST day than today's are not counted. */
  add(e: LoggedEvent): void {
    this.rollover();
    if (jstDate(e.at) !== this.date) return;
    switch (e.kind) {
      case 'enqueue':
        if (e.queue === null || this.offeredCalls.has(e.callId)) return;
        this.offeredCalls.add(e.callId);
        this.bump(e.queue, (c) => c.offered++);
        return;
      case 'answer': {
        if (e.queue === null || this.answeredCalls.has(e.callId)) return;
        this.answeredCalls.add(e.callId);
        const wait = waitMsOf(e.detail);
        const quick = wait !== null && wait <= QUICK_ANSWER_MS;
        this.bump(e.queue, (c) => {
          c.answered++;
          if (quick) c.answeredWithin15s++;
        });
        return;
      }
      case 'abandon': {
        // 放棄 is a hang-up before any operator answered (§16); one after an answer is not.
        if (e.queue === null || this.answeredCalls.has(e.callId) || this.abandonedCalls.has(e.callId)) return;
        this.abandonedCalls.add(e.callId);
        const wait = waitMsOf(e.detail) ?? 0;
        this.bump(e.queue, (c) => {
          c.abandoned++;
          c.abandonedWaitMs.total += wait;
          c.abandonedWaitMs.max = Math.max(c.abandonedWaitMs.max, wait);
        });
        return;
      }
      default:
        return;
    }
  }

  /** Starts today's counts again from the stored rows (call_events of jstDayRange(now), in id order). */
  rebuild(events: Iterable<LoggedEvent>): void {
    this.reset(jstDate(this.clock.now()));
    for (const e of events) this.add(e);
  }

  /** A copy of the counts of one queue (zeros for a queue without calls today) or of the whole centre. */
  counts(queue: string | 'total'): QueueCounts {
    this.rollover();
    const c = queue === 'total' ? this.total : (this.perQueue.get(queue) ?? emptyCounts());
    return { ...c, abandonedWaitMs: { ...c.abandonedWaitMs } };
  }

  /** The published figures: today's counts merged with the engine's snapshot, for the given queues in order. */
  figures(snapshot: LiveSnapshot, queueIds: string[]): LiveFigures {
    this.rollover();
    const merge = (queue: string, c: QueueCounts, live: LiveState): QueueFigures => ({
      queue,
      waiting: live.waiting,
      longestWaitS: live.longestWaitS,
      offered: c.offered,
      answered: c.answered,
      answeredWithin15s: c.answeredWithin15s,
      abandoned: c.abandoned,
      abandonedWaitS: {
        mean: c.abandoned ? Math.round(c.abandonedWaitMs.total / c.abandoned / 100) / 10 : 0,
        max: Math.round(c.abandonedWaitMs.max / 100) / 10,
      },
      agents: { ...live.agents },
      alarm: live.alarm,
    });
    return {
      at: this.clock.now().toISOString(),
      date: this.date,
      total: merge('total', this.counts('total'), snapshot.total),
      queues: queueIds.map((q) => merge(q, this.counts(q), snapshot.queues[q] ?? idle())),
    };
  }

  private bump(queue: string, f: (c: QueueCounts) => void): void {
    let c = this.perQueue.get(queue);
    if (!c) this.perQueue.set(queue, (c = emptyCounts()));
    f(c);
    f(this.total);
  }

  private reset(date: string): void {
    this.date = date;
    this.perQueue.clear();
    this.total = emptyCounts();
    this.offeredCalls.clear();
    this.answeredCalls.clear();
    this.abandonedCalls.clear();
  }
}

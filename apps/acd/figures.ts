/**
 * Live figures (T5, §16) as the ACD publishes them to the console and the wallboard: per queue and in total,
 * today's counts (JST day) from the stored event log, and the live state of waiting callers and operators.
 */
import type { AgentState } from './agent-state.js';

export interface QueueFigures {
  /** The queue id, or 'total'. */
  queue: string;
  /** Callers waiting now (待ち呼数). */
  waiting: number;
  /** Seconds the longest-waiting caller has waited now; 0 when none waits. */
  longestWaitS: number;
  /** Calls that entered the queue today. */
  offered: number;
  /** Answered by an operator today. */
  answered: number;
  /** Answered within 15 s of queue entry today (即応, §16). */
  answeredWithin15s: number;
  /** Callers who hung up before an operator answered, today, and how long they had waited. */
  abandoned: number;
  abandonedWaitS: { mean: number; max: number };
  /** Operators by state now (a total counts each operator once, by its current state). */
  agents: Record<AgentState, number>;
  /** 待ち呼警告灯 (T5). */
  alarm: boolean;
}

export interface LiveFigures {
  /** When these figures were made (ISO). */
  at: string;
  /** The JST day the counts are for. */
  date: string;
  total: QueueFigures;
  queues: QueueFigures[];
}

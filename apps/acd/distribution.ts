/**
 * Who is rung for a waiting call (T5): the strategies of app_queue as pure functions. The engine
 * (acd.ts) passes only agents that are ready and eligible for the call's queue; this module decides
 * among them and knows nothing of timers or events.
 *
 * Order of the filters: agents not yet tried for this call come before agents who already missed it
 * (so a miss moves the call on, also to a higher penalty); among those, only the lowest penalty (as
 * app_queue's penalties); then the queue's strategy.
 */
import type { Strategy } from './queue-definition.js';

/** A ready agent eligible for the call's queue, as the strategies see it. */
export interface Candidate {
  agent: string;
  /** Since when the agent has been free (end of its last call, or when it became ready); ms since epoch. */
  idleSinceMs: number;
  /** Calls it answered today (JST day). */
  answeredToday: number;
  /** Its level in the queue's skill (1-5). */
  level: number;
  /** Its penalty for this queue; lower is rung first. */
  penalty: number;
  /** It was already offered this call and did not take it. */
  tried: boolean;
}

export interface Choice {
  /** Agents to ring now: one, or every one at the lowest penalty for ring-all; empty when there are no candidates. */
  agents: Candidate[];
  /** Every candidate had been tried: the call's tried set starts over. */
  startedOver: boolean;
}

/**
 * The agents to ring for one call. `lastOffered` is the queue's agent offered last (round-robin goes on
 * after it in agent-id order, wrapping round).
 */
export function chooseAgents(strategy: Strategy, candidates: readonly Candidate[], lastOffered: string | null = null): Choice {
  let anyUntried = false;
  for (const c of candidates) if (!c.tried) anyUntried = true;
  const startedOver = candidates.length > 0 && !anyUntried;

  let minPenalty = Infinity;
  for (const c of candidates) if ((startedOver || !c.tried) && c.penalty < minPenalty) minPenalty = c.penalty;
  const pool = candidates.filter((c) => (startedOver || !c.tried) && c.penalty === minPenalty);
  if (!pool.length) return { agents: [], startedOver };

  if (strategy === 'ring-all') return { agents: [...pool].sort(byId), startedOver };
  let best = pool[0]!;
  if (strategy === 'round-robin') {
    for (const c of pool) if (nextInTurn(c, best, lastOffered)) best = c;
  } else {
    const better = BETTER[strategy];
    for (const c of pool) if (better(c, best)) best = c;
  }
  return { agents: [best], startedOver };
}

type Better = (a: Candidate, b: Candidate) => boolean;

const byId = (a: Candidate, b: Candidate) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0);

/** Idle longer, then the lower agent id so that equal cases are decided the same way every time. */
const longerIdle: Better = (a, b) => a.idleSinceMs < b.idleSinceMs || (a.idleSinceMs === b.idleSinceMs && a.agent < b.agent);

const BETTER: Record<Exclude<Strategy, 'ring-all' | 'round-robin'>, Better> = {
  'longest-idle': longerIdle,
  'fewest-calls': (a, b) => a.answeredToday < b.answeredToday || (a.answeredToday === b.answeredToday && longerIdle(a, b)),
  'top-down': (a, b) => a.level > b.level || (a.level === b.level && longerIdle(a, b)),
};

/**
 * Round-robin: the first agent id after `last`, wrapping round. `a` beats `b` when it comes sooner in
 * that circular order.
 */
function nextInTurn(a: Candidate, b: Candidate, last: string | null): boolean {
  if (a.agent === b.agent) return false;
  const aAfter = last === null || a.agent > last;
  const bAfter = last === null || b.agent > last;
  if (aAfter !== bAfter) return aAfter;
  return a.agent < b.agent;
}

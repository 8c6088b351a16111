/**
 * The estimated wait a caller hears with its position (予想待ち時間, issue 5 §1): from the handle times
 * (talk + after-call work) of the queue's recent calls, or honestly unknown when there is too little to
 * go on.
 */

/** How many recent calls of a queue the estimate is made from. */
export const HANDLE_TIME_SAMPLES = 20;
/** Below this many samples the wait is not estimated. */
export const MIN_HANDLE_TIME_SAMPLES = 3;

/** The handle times of a queue's last calls (ms), oldest first, at most HANDLE_TIME_SAMPLES. */
export class HandleTimes {
  private readonly ms: number[] = [];

  /** `initial`: stored handle times, oldest first (only the last HANDLE_TIME_SAMPLES are kept). */
  constructor(initial: readonly number[] = []) {
    for (const ms of initial) this.add(ms);
  }

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`handle time must be a finite number of ms >= 0, not ${ms}`);
    this.ms.push(ms);
    if (this.ms.length > HANDLE_TIME_SAMPLES) this.ms.shift();
  }

  get samples(): readonly number[] {
    return this.ms;
  }
}

/**
 * Seconds (rounded up) until an agent is likely to take the call: the calls ahead and this one are
 * served in rounds by the serving agents (eligible, logged in, not 'not_ready'), each round taking the
 * mean handle time. `null` when unknown: fewer than MIN_HANDLE_TIME_SAMPLES samples or no serving agent.
 */
export function estimateWaitS(o: { ahead: number; servingAgents: number; handleTimesMs: readonly number[] }): number | null {
  if (o.servingAgents <= 0 || o.handleTimesMs.length < MIN_HANDLE_TIME_SAMPLES) return null;
  let sum = 0;
  for (const ms of o.handleTimesMs) sum += ms;
  const meanMs = sum / o.handleTimesMs.length;
  const rounds = Math.ceil((o.ahead + 1) / o.servingAgents);
  return Math.ceil((rounds * meanMs) / 1000);
}

/**
 * Handle times per queue from stored call events (talk-end's talkMs plus wrap-up-end's wrapUpMs of the same
 * call), oldest first: what a restart gives the engine so that estimates survive it.
 */
export function handleTimesFrom(events: Iterable<{ callId: number; kind: string; queue: string | null; detail: unknown }>): Record<string, number[]> {
  const talks = new Map<number, { queue: string; talkMs: number }>();
  const out: Record<string, number[]> = {};
  for (const e of events) {
    const detail = e.detail as { talkMs?: number; wrapUpMs?: number } | null;
    if (e.kind === 'talk-end' && e.queue && typeof detail?.talkMs === 'number') talks.set(e.callId, { queue: e.queue, talkMs: detail.talkMs });
    if (e.kind === 'wrap-up-end' && typeof detail?.wrapUpMs === 'number') {
      const talk = talks.get(e.callId);
      if (!talk) continue;
      talks.delete(e.callId);
      (out[talk.queue] ??= []).push(talk.talkMs + detail.wrapUpMs);
    }
  }
  for (const q of Object.keys(out)) out[q] = out[q]!.slice(-HANDLE_TIME_SAMPLES);
  return out;
}

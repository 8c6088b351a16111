/**
 * How long the supervisor waits before restarting a child that died: doubling from the initial delay up
 * to the maximum, so a crash loop does not eat the CPU, and starting over once a child had run long
 * enough to count as healthy again.
 */
export interface BackoffPolicy {
  restartInitialMs: number;
  restartMaxMs: number;
  stableAfterMs: number;
}

/** `previousMs` is the delay used before the run that just ended (0 if there was none). */
export function restartDelay(previousMs: number, ranMs: number, policy: BackoffPolicy): number {
  if (previousMs <= 0 || ranMs >= policy.stableAfterMs) return policy.restartInitialMs;
  return Math.min(previousMs * 2, policy.restartMaxMs);
}

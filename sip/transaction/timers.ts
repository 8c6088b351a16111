/** RFC 3261 §17.1.1.1 timer base values (Table 4); A-K and RFC 6026's L and M derive from them. */
export interface TimerValues {
  /** RTT estimate, default 500 ms. */
  T1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: number;
  /** Longest time a message stays in the network, default 5 s. */
  T4: number;
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

/** Timer B, F, H, J, L, M: 64*T1. */
export function transactionTimeout(t: TimerValues): number {
  return 64 * t.T1;
}

/**
 * Counters of the stack (issue 3, operations): transactions, dialogs, retransmissions, timeouts,
 * rejected input and error responses by code, read by the health endpoint and later by SNMP.
 */
export type CounterName =
  | 'messagesIn'
  | 'serverTransactions'
  | 'clientTransactions'
  | 'dialogs'
  | 'retransmissions'
  | 'timeouts'
  | 'parseErrors'
  | 'floodRejected'
  | 'registrations'
  | 'authFailures';

export class SipCounters {
  private readonly values = new Map<CounterName, number>();
  private readonly statuses = new Map<number, number>();

  count(name: CounterName, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  /** Error responses the stack sent, by status code. */
  countStatus(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  get(name: CounterName): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): { counters: Record<string, number>; responses: Record<string, number> } {
    return {
      counters: Object.fromEntries(this.values),
      responses: Object.fromEntries([...this.statuses].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v])),
    };
  }
}

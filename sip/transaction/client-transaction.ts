/**
 * Client transactions (RFC 3261 §17.1 with RFC 6026's Accepted state): retransmit over UDP (Timer A, E),
 * give up (Timer B, F), ACK non-2xx finals themselves (§17.1.1.3), and linger to absorb retransmitted
 * responses (Timer D, K, M).
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import { isReliable, type Peer } from '../transport/peer.js';
import { inviteSibling } from './invite-sibling.js';
import { transactionTimeout, type TimerValues } from './timers.js';

export type ClientState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/** What the transaction user hears from a client transaction. */
export interface ClientTransactionUser {
  response(res: SipResponse, tx: ClientTransaction): void;
  /** Timer B or F fired, or the transport failed: §8.1.3.1 treats both as 408/503. */
  failed(reason: 'timeout' | 'transport', tx: ClientTransaction): void;
}

export interface ClientTransactionHost {
  readonly timers: TimerValues;
  /** Sends and returns where it went (a UDP request may switch to TCP, §18.1.1). */
  sendRequest(req: SipRequest, to: Peer): Peer;
  terminated(tx: ClientTransaction, reason?: 'normal' | 'timeout'): void;
  retransmission(): void;
}

export abstract class ClientTransaction {
  state: ClientState;
  protected timer: NodeJS.Timeout | undefined;
  protected retransmitTimer: NodeJS.Timeout | undefined;
  /** The peer the request really went to. */
  destination: Peer;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    destination: Peer,
    protected readonly host: ClientTransactionHost,
    protected readonly user: ClientTransactionUser,
    initial: ClientState,
  ) {
    this.destination = destination;
    this.state = initial;
  }

  get method(): string {
    return this.request.method;
  }

  start(): void {
    this.destination = this.host.sendRequest(this.request, this.destination);
    const reliable = isReliable(this.destination.transport);
    if (!reliable) this.scheduleRetransmit(this.host.timers.T1);
    this.timer = this.after(transactionTimeout(this.host.timers), () => this.fail('timeout'));
  }

  abstract receiveResponse(res: SipResponse): void;

  transportError(): void {
    if (this.state === 'calling' || this.state === 'trying' || this.state === 'proceeding') this.fail('transport');
  }

  /** The transaction user stops waiting (§9.1: no final response 64*T1 after a CANCEL): ends it as a timeout. */
  abandon(): void {
    if (this.state === 'calling' || this.state === 'trying' || this.state === 'proceeding') this.fail('timeout');
  }

  /** Ends the transaction at once (the stack is closing). */
  cancelTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retransmitTimer);
  }

  protected fail(reason: 'timeout' | 'transport'): void {
    if (this.state === 'terminated') return;
    this.terminate(reason === 'timeout' ? 'timeout' : 'normal');
    this.user.failed(reason, this);
  }

  protected terminate(reason: 'normal' | 'timeout' = 'normal'): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.cancelTimers();
    this.host.terminated(this, reason);
  }

  protected abstract nextInterval(interval: number): number;

  private scheduleRetransmit(interval: number): void {
    this.retransmitTimer = this.after(interval, () => {
      if (this.state !== 'calling' && this.state !== 'trying' && this.state !== 'proceeding') return;
      this.host.retransmission();
      this.host.sendRequest(this.request, this.destination);
      this.scheduleRetransmit(this.nextInterval(interval));
    });
  }

  protected after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }
}

export class ClientInviteTransaction extends ClientTransaction {
  constructor(key: string, request: SipRequest, destination: Peer, host: ClientTransactionHost, user: ClientTransactionUser) {
    super(key, request, destination, host, user, 'calling');
  }

  protected nextInterval(interval: number): number {
    return 2 * interval; // Timer A doubles without a cap
  }

  receiveResponse(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (s < 200) {
          // Timer A stops on a provisional, and so does Timer B: it only fires in Calling (§17.1.1.2); a
          // ringing INVITE waits for the callee (or the TU's CANCEL) as long as it takes.
          if (this.state === 'calling') this.cancelTimers();
          this.state = 'proceeding';
          this.user.response(res, this);
        } else if (s < 300) {
          this.state = 'accepted';
          this.cancelTimers();
          this.timer = this.after(transactionTimeout(this.host.timers), () => this.terminate()); // Timer M
          this.user.response(res, this);
        } else {
          this.state = 'completed';
          this.cancelTimers();
          this.sendAck(res);
          const d = isReliable(this.destination.transport) ? 0 : Math.max(32_000, transactionTimeout(this.host.timers) / 2);
          this.timer = this.after(d, () => this.terminate()); // Timer D
          this.user.response(res, this);
        }
        break;
      case 'completed':
        if (s >= 300) {
          this.host.retransmission();
          this.sendAck(res);
        }
        break;
      case 'accepted':
        if (s >= 200 && s < 300) this.user.response(res, this); // RFC 6026 §8.4: retransmitted 2xx go to the TU
        break;
      default:
    }
  }

  /** §17.1.1.3: ACK for a non-2xx, inside the transaction, with the same branch. */
  private sendAck(res: SipResponse): void {
    this.host.sendRequest(inviteSibling(this.request, 'ACK', res.headers.get('to')!), this.destination);
  }
}

export class ClientNonInviteTransaction extends ClientTransaction {
  constructor(key: string, request: SipRequest, destination: Peer, host: ClientTransactionHost, user: ClientTransactionUser) {
    super(key, request, destination, host, user, 'trying');
  }

  protected nextInterval(interval: number): number {
    // Timer E doubles up to T2; once a provisional arrived it stays at T2 (§17.1.2.2).
    return this.state === 'proceeding' ? this.host.timers.T2 : Math.min(2 * interval, this.host.timers.T2);
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // Completed absorbs retransmissions
    if (res.status < 200) {
      this.state = 'proceeding';
      this.user.response(res, this);
      return;
    }
    this.state = 'completed';
    this.cancelTimers();
    const k = isReliable(this.destination.transport) ? 0 : this.host.timers.T4;
    this.timer = this.after(k, () => this.terminate()); // Timer K
    this.user.response(res, this);
  }
}

/**
 * Server transactions (RFC 3261 §17.2 with RFC 6026's Accepted state). They absorb retransmitted requests,
 * resend the last response when a retransmission arrives, retransmit final INVITE responses over UDP
 * until the ACK (Timer G/H), and linger to catch late retransmissions (Timer I, J, L).
 */
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from '../message/message.js';
import { createResponse, type ResponseOptions } from '../message/response.js';
import { newTag } from '../ids.js';
import { isReliable, type Peer } from '../transport/peer.js';
import { transactionTimeout, type TimerValues } from './timers.js';

export type ServerState = 'trying' | 'proceeding' | 'completed' | 'accepted' | 'confirmed' | 'terminated';

/** What a server transaction needs from the layer that owns it. */
export interface ServerTransactionHost {
  readonly timers: TimerValues;
  sendResponse(res: SipResponse, tx: ServerTransaction): void;
  /** §17.2.1/RFC 6026: the ACK of a 2xx, for the transaction user. */
  passAck(ack: SipRequest, tx: ServerInviteTransaction): void;
  terminated(tx: ServerTransaction, reason: 'normal' | 'timeout'): void;
  /** Hands a transaction past its final response (or 2xx) to the layer, which answers its retransmissions. */
  linger(tx: ServerTransaction, acceptedInvite: boolean): void;
  retransmission(): void;
}

export interface ServerTransactionEvents {
  /** A CANCEL matched this INVITE (§9.2); the transaction user should answer 487 if not yet answered. */
  cancel: [cancel: SipRequest];
  /** Timer H fired: the ACK never came (§17.2.1). */
  timeout: [];
}

export abstract class ServerTransaction extends EventEmitter<ServerTransactionEvents> {
  state: ServerState = 'trying';
  lastResponse: SipResponse | undefined;
  /** The To tag of this request's responses, fixed on first use so every response carries the same one. */
  toTag: string | undefined;
  protected timer: NodeJS.Timeout | undefined;
  protected retransmitTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    /** Where the request came from; responses on a stream go back on that connection (§18.2.2). */
    readonly source: Peer,
    protected readonly host: ServerTransactionHost,
  ) {
    super();
  }

  get method(): string {
    return this.request.method;
  }

  get reliable(): boolean {
    return isReliable(this.source.transport);
  }

  /** Builds and sends a response; the To tag is added for anything above 100. */
  respond(status: number, opts: ResponseOptions = {}): SipResponse {
    // §8.2.6.2: a UAS MUST add a To tag to every response but 100, the same one on each (§9.2: CANCEL's too).
    const toTag = status > 100 ? this.responseTag(opts.toTag) : opts.toTag;
    const res = createResponse(this.request, status, { ...opts, toTag });
    this.send(res);
    return res;
  }

  /** The To tag of this request's responses: the request's own (in a dialog), else chosen once and kept. */
  responseTag(preferred?: string): string {
    this.toTag ??= this.request.toTag ?? preferred ?? newTag();
    return this.toTag;
  }

  /** Stops every timer (the stack is closing). */
  cancelTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retransmitTimer);
  }

  abstract send(res: SipResponse): void;
  abstract receiveRequest(req: SipRequest): void;

  protected transmit(res: SipResponse): void {
    if (res.status > 100) this.toTag ??= res.toTag; // a response built by the TU fixes the tag as well
    this.lastResponse = res;
    this.host.sendResponse(res, this);
  }

  protected terminate(reason: 'normal' | 'timeout' = 'normal'): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    clearTimeout(this.timer);
    clearTimeout(this.retransmitTimer);
    this.host.terminated(this, reason);
  }

  protected after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }
}

export class ServerInviteTransaction extends ServerTransaction {
  override state: ServerState = 'proceeding';

  send(res: SipResponse): void {
    if (this.state === 'accepted' && res.status >= 200 && res.status < 300) {
      // RFC 6026 §8.7: the TU retransmits its 2xx (§13.3.1.4) through the Accepted transaction.
      this.transmit(res);
      return;
    }
    if (this.state !== 'proceeding') throw new Error(`cannot send ${res.status} in state ${this.state}`);
    this.transmit(res);
    if (res.status < 200) return;
    const timeout = transactionTimeout(this.host.timers);
    if (res.status < 300) {
      // RFC 6026: the layer absorbs INVITE retransmissions and passes ACKs; the TU retransmits the 2xx itself.
      this.state = 'accepted';
      this.host.linger(this, true);
      return;
    }
    this.state = 'completed';
    if (!this.reliable) this.scheduleRetransmit(this.host.timers.T1);
    this.timer = this.after(timeout, () => {
      this.emit('timeout');
      this.terminate('timeout');
    });
  }

  receiveRequest(req: SipRequest): void {
    if (req.method === 'ACK') {
      if (this.state === 'completed') {
        this.state = 'confirmed';
        clearTimeout(this.retransmitTimer);
        clearTimeout(this.timer);
        const t4 = this.reliable ? 0 : this.host.timers.T4;
        this.timer = this.after(t4, () => this.terminate()); // Timer I
      } else if (this.state === 'accepted') {
        this.host.passAck(req, this);
      }
      return;
    }
    // A retransmitted INVITE: resend the provisional (§17.2.1); absorbed when completed or accepted.
    this.host.retransmission();
    if (this.state === 'proceeding' && this.lastResponse) this.host.sendResponse(this.lastResponse, this);
    else if (this.state === 'completed' && this.lastResponse) this.host.sendResponse(this.lastResponse, this);
  }

  private scheduleRetransmit(interval: number): void {
    this.retransmitTimer = this.after(interval, () => {
      if (this.state !== 'completed' || !this.lastResponse) return;
      this.host.retransmission();
      this.host.sendResponse(this.lastResponse, this);
      this.scheduleRetransmit(Math.min(2 * interval, this.host.timers.T2)); // Timer G
    });
  }
}

export class ServerNonInviteTransaction extends ServerTransaction {
  send(res: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') throw new Error(`cannot send ${res.status} in state ${this.state}`);
    this.transmit(res);
    if (res.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.host.linger(this, false); // until Timer J
  }

  receiveRequest(): void {
    this.host.retransmission();
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) this.host.sendResponse(this.lastResponse, this);
  }
}

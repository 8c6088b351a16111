/** A request handed to the application with the server transaction that answers it. */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { ResponseOptions } from '../message/response.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { Peer } from '../transport/peer.js';

export class IncomingRequest {
  /** Set by the stack when digest authentication succeeded for this request. */
  user: string | undefined;

  constructor(readonly tx: ServerTransaction) {}

  get msg(): SipRequest {
    return this.tx.request;
  }

  get method(): string {
    return this.tx.request.method;
  }

  get source(): Peer {
    return this.tx.source;
  }

  /** Whether a final response went out already. */
  get answered(): boolean {
    return (this.tx.lastResponse?.status ?? 0) >= 200;
  }

  respond(status: number, opts: ResponseOptions = {}): SipResponse | undefined {
    if (this.answered || this.tx.state === 'terminated') return undefined;
    return this.tx.respond(status, opts);
  }

  /** Runs `fn` when a CANCEL arrives for this INVITE (§9.2). */
  onCancel(fn: () => void): void {
    this.tx.once('cancel', fn);
  }
}

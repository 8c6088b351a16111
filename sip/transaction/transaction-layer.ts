/**
 * The transaction layer (RFC 3261 §17): matches inbound requests and responses to transactions
 * (§17.1.3, §17.2.3 with the RFC 2543 fallback), creates server transactions for new requests, answers
 * CANCEL (§9.2), and hands the transaction user only what is new.
 */
import { serialize, type SipRequest, type SipResponse } from '../message/message.js';
import { MAGIC_COOKIE, parseVia } from '../message/via.js';
import { responseTarget, stampReceived, type Peer } from '../transport/peer.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import { formatVia } from '../message/via.js';
import { splitOutside } from '../message/syntax.js';
import type { SipCounters } from '../counters.js';
import type { SipLogger } from '../logger.js';
import {
  ClientInviteTransaction,
  ClientNonInviteTransaction,
  type ClientTransaction,
  type ClientTransactionHost,
  type ClientTransactionUser,
} from './client-transaction.js';
import {
  ServerInviteTransaction,
  ServerNonInviteTransaction,
  type ServerTransaction,
  type ServerTransactionHost,
} from './server-transaction.js';
import { DEFAULT_TIMERS, transactionTimeout, type TimerValues } from './timers.js';

/** The layer above: the user agent core. */
export interface TransactionUser {
  /** A new request in its new server transaction (never ACK or CANCEL). */
  request(tx: ServerTransaction): void;
  /** An ACK outside any transaction: the ACK of a 2xx (§13.2.2.4, §17.2.1), for the dialog. */
  ack(ack: SipRequest, source: Peer): void;
  /**
   * Whether a request that would start a new server transaction may (overload control); a refused one is
   * answered by the transaction user itself, statelessly. Retransmissions never get here.
   */
  admit?(req: SipRequest, source: Peer): boolean;
  /** A response no client transaction claims: a retransmitted 2xx after Timer M, or a forked 2xx. */
  strayResponse(res: SipResponse, source: Peer): void;
}

export class TransactionLayer implements ServerTransactionHost, ClientTransactionHost {
  private readonly servers = new Map<string, ServerTransaction>();
  /** Server transactions past their final response, as little as answers retransmissions (see `linger`). */
  private readonly lingering = new Map<string, Lingering>();
  private readonly lingerOrder: string[] = [];
  private lingerSweep: NodeJS.Timeout | undefined;
  private readonly clients = new Map<string, ClientTransaction>();
  readonly timers: TimerValues;

  constructor(
    private readonly transport: TransportLayer,
    private readonly user: TransactionUser,
    private readonly counters: SipCounters,
    private readonly log: SipLogger,
    timers: Partial<TimerValues> = {},
    /** Answer UDP requests at their source address and port as if they asked with rport (RFC 3581), for softphones behind NAT. */
    private readonly symmetricResponses = false,
  ) {
    this.timers = { ...DEFAULT_TIMERS, ...timers };
  }

  get serverCount(): number {
    return this.servers.size + this.lingering.size;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  receiveRequest(req: SipRequest, source: Peer): void {
    const top = parseVia(req.headers.values('via')[0]!);
    if (stampReceived(top, source, this.symmetricResponses)) rewriteTopVia(req, formatVia(top));
    const key = serverKey(req, top.params.get('branch') ?? undefined, `${top.host}:${top.port ?? ''}`);
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRequest(req);
      return;
    }
    const done = this.lingering.get(key);
    if (done) {
      if (req.method !== 'ACK') {
        this.retransmission();
        if (done.response) this.transport.sendRaw(done.response, done.to);
      } else if (done.acceptedInvite) this.user.ack(req, source);
      return;
    }
    if (req.method === 'ACK') {
      this.user.ack(req, source);
      return;
    }
    if (req.method === 'CANCEL') {
      this.receiveCancel(req, source, key);
      return;
    }
    if (this.user.admit && !this.user.admit(req, source)) return;
    const tx = req.method === 'INVITE' ? new ServerInviteTransaction(key, req, source, this) : new ServerNonInviteTransaction(key, req, source, this);
    this.servers.set(key, tx);
    this.counters.count('serverTransactions');
    this.log.debug('transaction', { side: 'server', method: req.method, key, callId: req.callId, from: `${source.address}:${source.port}` });
    if (tx instanceof ServerInviteTransaction) tx.respond(100); // §17.2.1: at once rather than after 200 ms
    this.user.request(tx);
  }

  receiveResponse(res: SipResponse, source: Peer): void {
    const branch = res.topVia.params.get('branch') ?? '';
    const tx = this.clients.get(clientKey(branch, res.cseq.method));
    if (tx) tx.receiveResponse(res);
    else this.user.strayResponse(res, source);
  }

  /** Starts a client transaction; its top Via (with a fresh branch) must already be on the request. */
  request(req: SipRequest, to: Peer, user: ClientTransactionUser): ClientTransaction {
    const branch = req.topVia.params.get('branch') ?? '';
    const key = clientKey(branch, req.method);
    const tx = req.method === 'INVITE' ? new ClientInviteTransaction(key, req, to, this, user) : new ClientNonInviteTransaction(key, req, to, this, user);
    this.clients.set(key, tx);
    this.counters.count('clientTransactions');
    this.log.debug('transaction', { side: 'client', method: req.method, key, callId: req.callId, to: `${to.address}:${to.port}` });
    tx.start();
    return tx;
  }

  /** Reports a transport failure to the client transactions waiting on that peer (§17.1.4). */
  transportError(peer: Peer, branch: string | undefined, method: string): void {
    if (branch) this.clients.get(clientKey(branch, method))?.transportError();
  }

  /**
   * A server transaction that sent its final response (non-INVITE: Completed, §17.2.2) or its 2xx (INVITE:
   * Accepted, RFC 6026) only has to answer retransmissions until Timer J or L. At hundreds of requests a
   * second that is tens of thousands of transactions, so what stays is the response's bytes and where they
   * go, not the transaction with its request: a quarter of the memory. The transaction user keeps its own
   * reference if it needs one (a dialog resending its 2xx).
   */
  linger(tx: ServerTransaction, acceptedInvite: boolean): void {
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
    const status = tx.lastResponse?.status;
    this.log.debug('transaction ended', { side: 'server', method: tx.method, key: tx.key, ...(status ? { status } : {}) });
    // Timer J is zero on reliable transports; Timer L is not (ACKs of a 2xx still arrive, RFC 6026 §8.7).
    if (!acceptedInvite && tx.reliable) return;
    const lingering: Lingering = { expiresAt: performance.now() + transactionTimeout(this.timers), to: tx.source, acceptedInvite };
    if (!acceptedInvite && tx.lastResponse) {
      lingering.response = serialize(tx.lastResponse);
      lingering.to = responseTarget(parseVia(tx.lastResponse.headers.values('via')[0]!), tx.source.transport);
    }
    this.lingering.set(tx.key, lingering);
    this.lingerOrder.push(tx.key);
    this.lingerSweep ??= setInterval(() => this.sweepLingering(), Math.max(10, Math.min(250, this.timers.T1))).unref();
  }

  /** Entries all wait the same 64*T1, so the oldest are at the front. */
  private sweepLingering(): void {
    const now = performance.now();
    let n = 0;
    while (n < this.lingerOrder.length) {
      const key = this.lingerOrder[n]!;
      const entry = this.lingering.get(key);
      if (entry && entry.expiresAt > now) break;
      if (entry) this.lingering.delete(key);
      n++;
    }
    if (n) this.lingerOrder.splice(0, n);
  }

  /** The INVITE server transaction a CANCEL or a later request refers to. */
  findServer(req: SipRequest, method: string): ServerTransaction | undefined {
    const top = req.topVia;
    return this.servers.get(serverKey(req, top.params.get('branch') ?? undefined, `${top.host}:${top.port ?? ''}`, method));
  }

  close(): void {
    for (const tx of this.clients.values()) tx.cancelTimers();
    for (const tx of this.servers.values()) tx.cancelTimers(); // Timer G would send on a closed transport
    this.clients.clear();
    this.servers.clear();
    this.lingering.clear();
    this.lingerOrder.length = 0;
    clearInterval(this.lingerSweep);
  }

  // ServerTransactionHost and ClientTransactionHost

  sendResponse(res: SipResponse, tx: ServerTransaction): void {
    if (res.status >= 400) this.counters.countStatus(res.status);
    // §18.2.2: on a reliable transport the response goes back on the request's connection; when that is
    // gone, to the received address and sent-by port like on UDP (a new connection).
    const to = tx.reliable && this.transport.connected(tx.source) ? tx.source : responseTarget(parseVia(res.headers.values('via')[0]!), tx.source.transport);
    this.transport.send(res, to);
  }

  sendRequest(req: SipRequest, to: Peer): Peer {
    return this.transport.send(req, to);
  }

  passAck(ack: SipRequest, tx: ServerInviteTransaction): void {
    this.user.ack(ack, tx.source);
  }

  terminated(tx: ServerTransaction | ClientTransaction, reason: 'normal' | 'timeout' = 'normal'): void {
    if ('source' in tx) {
      if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
    } else if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
    if (reason === 'timeout') this.counters.count('timeouts');
    const status = 'source' in tx ? tx.lastResponse?.status : undefined;
    this.log.debug('transaction ended', { side: 'source' in tx ? 'server' : 'client', method: tx.method, key: tx.key, reason, ...(status ? { status } : {}) });
  }

  retransmission(): void {
    this.counters.count('retransmissions');
  }

  private receiveCancel(cancel: SipRequest, source: Peer, key: string): void {
    const tx = new ServerNonInviteTransaction(key, cancel, source, this);
    this.servers.set(key, tx);
    this.counters.count('serverTransactions');
    const invite = this.findServer(cancel, 'INVITE');
    if (!invite) {
      tx.respond(481);
      return;
    }
    // §9.2: the CANCEL's response carries the To tag of the INVITE's responses, fixed now if the INVITE
    // has not sent one yet, so that its 487 carries the same.
    tx.toTag = invite.responseTag();
    tx.respond(200);
    if (invite.state === 'proceeding') invite.emit('cancel', cancel);
  }
}

interface Lingering {
  expiresAt: number;
  /** The final non-2xx or non-INVITE response, serialized, resent on each retransmitted request. */
  response?: Buffer;
  to: Peer;
  /** An INVITE answered 2xx: its ACKs still go to the transaction user (RFC 6026 Accepted). */
  acceptedInvite: boolean;
}

function clientKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

/**
 * §17.2.3: with the magic cookie the branch, sent-by and method identify a transaction (ACK matching its
 * INVITE); without it (RFC 2543 peers) Call-ID, CSeq number, From tag and top Via do.
 */
function serverKey(req: SipRequest, branch: string | undefined, sentBy: string, method = req.method): string {
  const m = method === 'ACK' ? 'INVITE' : method;
  if (branch?.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length) return `${branch}|${sentBy}|${m}`;
  return `2543|${req.callId}|${req.cseq.seq}|${req.fromTag ?? ''}|${sentBy}|${m}`;
}

function rewriteTopVia(req: SipRequest, value: string): void {
  const field = req.headers.fields.find((f) => f.key === 'via')!;
  const sameLine = splitOutside(field.value, ',');
  sameLine[0] = value;
  field.value = sameLine.map((v) => v.trim()).join(', ');
}

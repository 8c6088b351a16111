/**
 * The user agent core (RFC 3261 §8, §12-§15) over the transaction and transport layers, with an API in the
 * spirit of drachtio-srf: `onRequest` handlers for new requests, `createUAS`, `createUAC`, `createB2BUA`
 * and out-of-dialog `request`. It answers what no handler takes (OPTIONS 200, unknown methods 501,
 * stray in-dialog requests 481), malformed requests 400, and new requests 503 under overload.
 */
import { EventEmitter } from 'node:events';
import { answerChallenge } from '../auth/digest-client.js';
import { Dialog, dialogId, SipError, ALLOW, type DialogHost, type ModifyHandler } from '../dialog/dialog.js';
import { DEFAULT_SESSION_TIMER, parseSessionExpires, supportsTimer, type SessionTimerOptions } from '../dialog/session-timer.js';
import { newBranch, newCallId, newTag } from '../ids.js';
import { Headers, headerKey } from '../message/headers.js';
import { SipSyntaxError } from '../message/syntax.js';
import { KNOWN_METHODS } from '../message/methods.js';
import { EMPTY, SipRequest, type SipMessage, type SipResponse } from '../message/message.js';
import { parseNameAddr } from '../message/name-addr.js';
import type { SipParseError } from '../message/parser.js';
import { responseFromHeaders, type ResponseOptions } from '../message/response.js';
import { bumpVersion, parseSdp, serializeSdp, withDirection, effectiveDirection, type SdpDirection } from '../sdp/sdp.js';
import { SipCounters } from '../counters.js';
import { SILENT, type SipLogger } from '../logger.js';
import type { ClientTransaction } from '../transaction/client-transaction.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { ServerInviteTransaction } from '../transaction/server-transaction.js';
import type { TimerValues } from '../transaction/timers.js';
import { inviteSibling } from '../transaction/invite-sibling.js';
import { TransactionLayer, type TransactionUser } from '../transaction/transaction-layer.js';
import type { Peer, TransportName } from '../transport/peer.js';
import { TransportLayer, type TransportOptions } from '../transport/transport-layer.js';
import { DEFAULT_FLOOD, FloodGuard, type FloodOptions } from './flood-guard.js';
import { IncomingRequest } from './incoming-request.js';
import { createB2BUA, type B2BUA, type B2buaOptions } from './b2bua.js';
import { resolveTarget } from './target.js';

export interface StackOptions extends TransportOptions {
  timers?: Partial<TimerValues>;
  logger?: SipLogger;
  /** User-Agent / Server header value. */
  userAgent?: string;
  sessionTimer?: Partial<SessionTimerOptions>;
  flood?: Partial<FloodOptions>;
  /** Answer UDP requests where they came from even without rport (default true: softphones behind NAT). */
  symmetricResponses?: boolean;
}

export type RequestHandler = (req: IncomingRequest) => void | Promise<void>;

export interface UasOptions {
  sdp?: string;
  headers?: Array<[string, string]>;
}

export interface UacOptions {
  /** The Request-URI. */
  uri: string;
  /** Where to send it when not to the Request-URI's host: an outbound proxy, or the flow a softphone registered from. */
  destination?: Peer;
  /** From as a name-addr; our own address by default. A tag is added. */
  from?: string;
  /** To as a name-addr; the Request-URI by default. */
  to?: string;
  callId?: string;
  sdp?: string;
  headers?: Array<[string, string]>;
  /** Credentials for a 401/407 challenge (a trunk that authenticates us). */
  auth?: { user: string; password: string };
  /** Aborting sends CANCEL (§9.1) once a provisional response has come, and rejects with 487. */
  signal?: AbortSignal;
  /** 180 and 183 (early media when it carries SDP). */
  onProvisional?: (res: SipResponse) => void;
  /** Resolve on the 2xx without ACKing it: the caller sends the ACK (with the answer) by `dialog.ack(sdp)`. */
  deferAck?: boolean;
}

/** An out-of-dialog non-INVITE request (`SipStack.request`). */
export interface OutOfDialogOptions {
  uri: string;
  destination?: Peer;
  from?: string;
  to?: string;
  /**
   * Reused across requests that belong together, with a higher `cseq` each time: a softphone keeps one
   * Call-ID for its REGISTERs (§10.2.4), so the registrar can tell a late one from a new one.
   */
  callId?: string;
  cseq?: number;
  headers?: Array<[string, string]>;
  body?: string;
  contentType?: string;
  auth?: { user: string; password: string };
}

export interface StackEvents {
  /** A dialog was created (UAS or UAC). */
  dialog: [dialog: Dialog];
}

const SUPPORTED = 'timer';

/** Headers of `newRequest` that a caller may give instead of ours: a B2BUA's decremented Max-Forwards (§16.6 step 3). */
const REPLACEABLE = new Set(['max-forwards', 'user-agent']);

/** Adds the caller's headers to a request; one it already has once (Max-Forwards) is replaced, never doubled (§20.22). */
function addHeaders(req: SipRequest, headers: Array<[string, string]> = []): void {
  for (const [n, v] of headers) {
    if (REPLACEABLE.has(headerKey(n))) req.headers.set(n, v);
    else req.headers.append(n, v);
  }
}

export class SipStack extends EventEmitter<StackEvents> implements DialogHost {
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly counters = new SipCounters();
  readonly log: SipLogger;
  readonly sessionTimer: SessionTimerOptions;
  private readonly flood: FloodGuard;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly dialogs = new Map<string, Dialog>();
  private readonly userAgent: string;

  constructor(readonly options: StackOptions) {
    super();
    this.log = options.logger ?? SILENT;
    this.userAgent = options.userAgent ?? 'setagaya-call';
    this.sessionTimer = { ...DEFAULT_SESSION_TIMER, ...options.sessionTimer };
    this.flood = new FloodGuard({ ...DEFAULT_FLOOD, ...options.flood });
    this.transport = new TransportLayer(options);
    this.transactions = new TransactionLayer(this.transport, this.tu, this.counters, this.log, options.timers, options.symmetricResponses ?? true);
    this.transport.on('message', (msg, peer) => this.receive(msg, peer));
    this.transport.on('parseError', (err, peer) => this.badMessage(err, peer));
    this.transport.on('sendError', (err, peer, msg) => {
      this.log.debug('send failed', { error: err.message, to: `${peer.transport}:${peer.address}:${peer.port}` });
      if (msg.kind === 'request') this.transactions.transportError(peer, msg.topVia.params.get('branch') ?? undefined, msg.method);
    });
  }

  get timers(): TimerValues {
    return this.transactions.timers;
  }

  async listen(): Promise<void> {
    await this.transport.listen();
  }

  async close(): Promise<void> {
    for (const d of [...this.dialogs.values()]) d.terminate('local');
    this.transactions.close();
    this.flood.stop();
    await this.transport.close();
  }

  /** Handles new (out-of-dialog) requests of a method; one handler per method. */
  onRequest(method: string, handler: RequestHandler): this {
    this.handlers.set(method.toUpperCase(), handler);
    return this;
  }

  get dialogCount(): number {
    return this.dialogs.size;
  }

  /** Figures for the health endpoint (and SNMP later). */
  stats(): Record<string, unknown> {
    return {
      ...this.counters.snapshot(),
      dialogs: this.dialogs.size,
      serverTransactions: this.transactions.serverCount,
      clientTransactions: this.transactions.clientCount,
      connections: this.transport.openConnections,
      loopDelayMs: Math.round(this.flood.currentLoopDelayMs),
    };
  }

  // ---- UAS ----

  /** Answers an INVITE with 200 (and our SDP), waits for the ACK and returns the confirmed dialog. */
  async createUAS(req: IncomingRequest, opts: UasOptions = {}): Promise<Dialog> {
    const msg = req.msg;
    if (req.answered) throw new SipError(487, 'Request Terminated');
    const tx = req.tx as ServerInviteTransaction;
    const localTag = (tx.toTag ??= newTag());
    const routeSet = msg.headers.values('record-route');
    const destination = routeSet.length ? await resolveTarget(parseNameAddr(routeSet[0]!).uri) : req.source;
    const dialog = new Dialog(
      {
        role: 'uas',
        callId: msg.callId,
        localTag,
        remoteTag: msg.fromTag ?? '',
        localParty: `${msg.headers.get('to')!};tag=${localTag}`,
        remoteParty: msg.headers.get('from')!,
        remoteTarget: msg.contacts[0]?.uriText ?? msg.from.uriText,
        routeSet,
        localSeq: 0,
        remoteSeq: msg.cseq.seq,
        destination,
      },
      this,
    );
    dialog.remoteSdp = msg.body.length ? msg.text : undefined;
    dialog.localSdp = opts.sdp;
    dialog.remoteAllowsUpdate = msg.headers.values('allow').some((m) => m.toUpperCase() === 'UPDATE');
    const headers: Array<[string, string]> = [...(opts.headers ?? [])];
    for (const rr of msg.headers.lines('record-route')) headers.push(['Record-Route', rr]); // §12.1.1
    headers.push(['Allow', ALLOW], ['Supported', SUPPORTED]);
    const timer = this.negotiateAsUas(msg);
    headers.push(['Session-Expires', `${timer.interval};refresher=${timer.refresher}`]);
    if (supportsTimer(msg)) headers.push(['Require', 'timer']);
    this.addDialog(dialog);
    const body = opts.sdp !== undefined ? { body: Buffer.from(opts.sdp, 'utf8'), contentType: 'application/sdp' } : {};
    try {
      await dialog.answerInvite(req, { ...body, headers });
    } catch (e) {
      dialog.terminate('no-ack');
      throw e;
    }
    dialog.startSessionTimer(timer.interval, timer.refresher === 'uas');
    return dialog;
  }

  /** Answers an INVITE by calling onward and joins the two dialogs (b2bua.ts). */
  createB2BUA(req: IncomingRequest, opts: B2buaOptions): Promise<B2BUA> {
    return createB2BUA(this, req, opts);
  }

  /** RFC 4028 §9: the interval and refresher a UAS puts in its 2xx; always one, so dead calls end. */
  private negotiateAsUas(msg: SipRequest): { interval: number; refresher: 'uac' | 'uas' } {
    const asked = parseSessionExpires(msg.headers.get('session-expires'));
    const uacSupports = supportsTimer(msg);
    const interval = Math.max(asked?.interval ?? this.sessionTimer.sessionExpires, this.sessionTimer.minSE);
    const refresher = asked?.refresher ?? (uacSupports ? 'uac' : 'uas');
    return { interval, refresher: uacSupports ? refresher : 'uas' };
  }

  // ---- UAC ----

  /** Places a call: INVITE, waits for the 2xx, ACKs it and returns the dialog; a final failure rejects with SipError. */
  async createUAC(opts: UacOptions): Promise<Dialog> {
    const destination = opts.destination ?? (await resolveTarget(opts.uri));
    const callId = opts.callId ?? newCallId(this.transport.local(destination.transport).host);
    const fromTag = newTag();
    const from = `${opts.from ?? `<sip:${this.userAgent}@${this.transport.local(destination.transport).host}>`};tag=${fromTag}`;
    const to = opts.to ?? `<${opts.uri}>`;
    let seq = 1;
    let minSE = this.sessionTimer.minSE;
    let authorization: [string, string] | undefined;
    for (let attempt = 0; ; attempt++) {
      const sessionExpires = Math.max(this.sessionTimer.sessionExpires, minSE);
      const req = this.newRequest('INVITE', opts.uri, destination.transport, { from, to, callId, seq });
      req.headers.append('Contact', this.contact(destination.transport));
      req.headers.append('Allow', ALLOW);
      req.headers.append('Supported', SUPPORTED);
      req.headers.append('Session-Expires', String(sessionExpires));
      req.headers.append('Min-SE', String(minSE));
      if (authorization) req.headers.append(...authorization);
      addHeaders(req, opts.headers);
      if (opts.sdp !== undefined) {
        req.body = Buffer.from(opts.sdp, 'utf8');
        req.headers.append('Content-Type', 'application/sdp');
      }
      try {
        return await this.invite(req, destination, opts, sessionExpires);
      } catch (e) {
        if (!(e instanceof SipError) || attempt >= 2 || !e.response) throw e;
        const res = e.response;
        if ((res.status === 401 || res.status === 407) && opts.auth && !authorization) {
          const challenges = res.headers.lines(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate');
          authorization = [res.status === 401 ? 'Authorization' : 'Proxy-Authorization', answerChallenge({ challenges, method: 'INVITE', uri: opts.uri, ...opts.auth })];
        } else if (res.status === 422 && res.headers.get('min-se')) {
          minSE = Math.max(minSE, parseInt(res.headers.get('min-se')!, 10) || minSE); // RFC 4028 §7.4
        } else throw e;
        seq++;
      }
    }
  }

  private invite(req: SipRequest, destination: Peer, opts: UacOptions, sessionExpires: number): Promise<Dialog> {
    return new Promise((resolve, reject) => {
      let provisional = false;
      let cancelled = false;
      let dialog: Dialog | undefined;
      const cancel = () => {
        cancelled = true;
        if (provisional) this.sendCancel(tx);
      };
      if (opts.signal?.aborted) {
        reject(new SipError(487, 'Request Terminated'));
        return;
      }
      opts.signal?.addEventListener('abort', cancel, { once: true });
      const tx: ClientTransaction = this.transactions.request(req, destination, {
        response: (res) => {
          if (res.status < 200) {
            // §9.1: any provisional response, 100 Trying included, lets a held CANCEL go.
            if (!provisional) {
              provisional = true;
              if (cancelled) this.sendCancel(tx);
            }
            if (res.status > 100) opts.onProvisional?.(res);
            return;
          }
          if (res.status >= 300) {
            opts.signal?.removeEventListener('abort', cancel);
            reject(new SipError(res.status, res.reason, res));
            return;
          }
          if (dialog) {
            dialog.resendAck(res); // a retransmitted 2xx (RFC 6026 Accepted state)
            return;
          }
          opts.signal?.removeEventListener('abort', cancel);
          void this.confirmUac(req, res, destination, opts, sessionExpires).then(
            (d) => {
              dialog = d;
              if (cancelled) {
                // §9.1: the 2xx crossed our CANCEL; the call is ACKed and hung up at once.
                void d.destroy();
                reject(new SipError(487, 'Request Terminated'));
              } else resolve(d);
            },
            reject,
          );
        },
        failed: (reason) => {
          opts.signal?.removeEventListener('abort', cancel);
          if (cancelled && reason === 'timeout') reject(new SipError(487, 'Request Terminated'));
          else reject(reason === 'timeout' ? new SipError(408, 'Request Timeout') : new SipError(503, 'Service Unavailable'));
        },
      });
    });
  }

  private async confirmUac(req: SipRequest, res: SipResponse, destination: Peer, opts: UacOptions, sessionExpires: number): Promise<Dialog> {
    const routeSet = res.headers.values('record-route').reverse(); // §12.1.2
    const remoteTarget = res.contacts[0]?.uriText ?? req.uri;
    const dest = routeSet.length ? await resolveTarget(parseNameAddr(routeSet[0]!).uri) : (opts.destination ?? (await resolveTarget(remoteTarget)));
    const dialog = new Dialog(
      {
        role: 'uac',
        callId: req.callId,
        localTag: req.fromTag ?? '',
        remoteTag: res.toTag ?? '',
        localParty: req.headers.get('from')!,
        remoteParty: res.headers.get('to')!,
        remoteTarget,
        routeSet,
        localSeq: req.cseq.seq,
        remoteSeq: 0,
        destination: dest,
      },
      this,
    );
    dialog.localSdp = opts.sdp;
    dialog.remoteSdp = res.body.length ? res.text : undefined;
    dialog.remoteAllowsUpdate = res.headers.values('allow').some((m) => m.toUpperCase() === 'UPDATE');
    this.addDialog(dialog);
    if (opts.deferAck) dialog.unacked = req;
    else dialog.acknowledge(req);
    // RFC 4028 §7.2: the 2xx names the refresher; without Session-Expires in it we refresh ourselves.
    const se = parseSessionExpires(res.headers.get('session-expires'));
    dialog.startSessionTimer(se?.interval ?? sessionExpires, (se?.refresher ?? 'uac') === 'uac');
    return dialog;
  }

  /**
   * §9.1: CANCEL copies the INVITE's Request-URI, Call-ID, From, To, CSeq number, Route and top Via. Without a
   * final response to the INVITE 64*T1 after it, the INVITE counts as cancelled and its transaction ends.
   */
  private sendCancel(invite: ClientTransaction): void {
    setTimeout(() => invite.abandon(), 64 * this.timers.T1).unref();
    const cancel = inviteSibling(invite.request, 'CANCEL', invite.request.headers.get('to')!);
    this.transactions.request(cancel, invite.destination, { response: () => undefined, failed: () => undefined });
  }

  /** An out-of-dialog non-INVITE request (OPTIONS ping, MESSAGE, REGISTER); resolves with the final response, whatever its status. */
  async request(method: string, opts: OutOfDialogOptions): Promise<SipResponse> {
    const destination = opts.destination ?? (await resolveTarget(opts.uri));
    const callId = opts.callId ?? newCallId(this.transport.local(destination.transport).host);
    const from = `${opts.from ?? `<sip:${this.userAgent}@${this.transport.local(destination.transport).host}>`};tag=${newTag()}`;
    let authorization: [string, string] | undefined;
    for (let seq = opts.cseq ?? 1; ; seq++) {
      const req = this.newRequest(method, opts.uri, destination.transport, { from, to: opts.to ?? `<${opts.uri}>`, callId, seq });
      if (authorization) req.headers.append(...authorization);
      addHeaders(req, opts.headers);
      if (opts.body !== undefined) {
        req.body = Buffer.from(opts.body, 'utf8');
        req.headers.append('Content-Type', opts.contentType ?? 'text/plain');
      }
      const res = await new Promise<SipResponse>((resolve) => {
        this.transactions.request(req, destination, {
          response: (r) => r.status >= 200 && resolve(r),
          failed: (reason) => {
            const local = responseFromHeaders(req.headers, reason === 'timeout' ? 408 : 503);
            local.local = true;
            resolve(local);
          },
        });
      });
      if ((res.status !== 401 && res.status !== 407) || !opts.auth || authorization) return res;
      const challenges = res.headers.lines(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate');
      authorization = [res.status === 401 ? 'Authorization' : 'Proxy-Authorization', answerChallenge({ challenges, method, uri: opts.uri, ...opts.auth })];
    }
  }

  private newRequest(method: string, uri: string, transport: TransportName, p: { from: string; to: string; callId: string; seq: number }): SipRequest {
    const h = new Headers();
    h.append('Via', this.via(transport, newBranch()));
    h.append('Max-Forwards', '70');
    h.append('From', p.from);
    h.append('To', p.to);
    h.append('Call-ID', p.callId);
    h.append('CSeq', `${p.seq} ${method}`);
    h.append('User-Agent', this.userAgent);
    return new SipRequest(method, uri, h, EMPTY);
  }

  // ---- DialogHost ----

  contact(transport: TransportName): string {
    const { host, port } = this.transport.local(transport);
    return `<sip:${this.userAgent}@${host}:${port}${transport === 'udp' ? '' : `;transport=${transport}`}>`;
  }

  via(transport: TransportName, branch: string): string {
    const { host, port } = this.transport.local(transport);
    return `SIP/2.0/${transport.toUpperCase()} ${host}:${port};branch=${branch};rport`;
  }

  sendRequest(req: SipRequest, to: Peer, user: Parameters<TransactionLayer['request']>[2]): ClientTransaction {
    return this.transactions.request(req, to, user);
  }

  sendStateless(req: SipRequest, to: Peer): void {
    this.transport.send(req, to);
  }

  resendResponse(res: SipResponse, tx: ServerInviteTransaction): void {
    this.transactions.sendResponse(res, tx);
  }

  /**
   * Without a handler, a re-INVITE or UPDATE is answered with our SDP mirrored to the offer's direction (RFC 3264
   * §6.1), its o= version one higher when that changes it and the same session when it does not (§8).
   */
  defaultModify(dialog: Dialog): ModifyHandler {
    return async (offer) => {
      if (offer === undefined || dialog.localSdp === undefined) return dialog.localSdp;
      const mirror: Record<SdpDirection, SdpDirection> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };
      const dir = mirror[effectiveDirection(parseSdp(offer), 0)];
      const current = parseSdp(dialog.localSdp);
      if (current.media.every((_, i) => effectiveDirection(current, i) === dir)) return dialog.localSdp;
      return serializeSdp(bumpVersion(withDirection(current, dir)));
    };
  }

  removeDialog(dialog: Dialog): void {
    if (this.dialogs.get(dialog.id) === dialog) this.dialogs.delete(dialog.id);
  }

  private addDialog(dialog: Dialog): void {
    this.dialogs.set(dialog.id, dialog);
    this.counters.count('dialogs');
    this.log.debug('dialog', { id: dialog.id, role: dialog.role });
    this.emit('dialog', dialog);
  }

  // ---- TransactionUser: what the transaction layer hands up ----

  private readonly tu: TransactionUser = {
    request: (tx) => this.newServerRequest(tx),
    // New requests are what a flood brings; requests of existing calls always pass (flood-guard.ts).
    admit: (req, source) => {
      if (req.toTag || this.flood.admit()) return true;
      this.counters.count('floodRejected');
      this.sendStatelessResponse(req.headers, 503, source, { headers: [['Retry-After', String(this.flood.options.retryAfter)]] });
      return false;
    },
    ack: (ack) => this.dialogs.get(dialogId(ack.callId, ack.toTag ?? '', ack.fromTag ?? ''))?.receiveAck(ack),
    strayResponse: (res) => {
      // A 2xx retransmitted after its transaction ended: the dialog resends its ACK (§13.2.2.4).
      if (res.status >= 200 && res.status < 300 && res.cseq.method === 'INVITE') {
        this.dialogs.get(dialogId(res.callId, res.fromTag ?? '', res.toTag ?? ''))?.resendAck(res);
      }
    },
  };

  /**
   * Everything a message sets off runs inside this guard: a header the parser let through but a later
   * layer cannot read (Require, Accept, Contact of a response) ends that message with 400 or a drop,
   * never the process.
   */
  private receive(msg: SipMessage, peer: Peer): void {
    try {
      this.dispatch(msg, peer);
    } catch (e) {
      this.counters.count('parseErrors');
      this.log.debug('message failed', { error: e instanceof Error ? e.message : String(e), from: `${peer.transport}:${peer.address}:${peer.port}` });
      if (msg.kind === 'request' && msg.method !== 'ACK') {
        const tx = this.transactions.findServer(msg, msg.method);
        if (tx) new IncomingRequest(tx).respond(e instanceof SipSyntaxError ? 400 : 500);
        else this.sendStatelessResponse(msg.headers, e instanceof SipSyntaxError ? 400 : 500, peer, {});
      }
    }
  }

  private dispatch(msg: SipMessage, peer: Peer): void {
    this.counters.count('messagesIn');
    if (msg.kind === 'response') {
      this.transactions.receiveResponse(msg, peer);
      return;
    }
    this.transactions.receiveRequest(msg, peer);
  }

  /** A message that did not parse: a request gets 400 (or 505, 416) if it can be answered at all (RFC 4475). */
  private badMessage(err: SipParseError, peer: Peer): void {
    this.counters.count('parseErrors');
    this.log.debug('bad message', { error: err.message, from: `${peer.transport}:${peer.address}:${peer.port}` });
    if (!err.partial || err.partial.method === 'ACK') return;
    this.sendStatelessResponse(err.partial.headers, err.status, peer, { headers: [['Warning', `399 ${this.userAgent} "${err.message.replace(/["\\\r\n]/g, ' ').slice(0, 120)}"`]] });
  }

  /**
   * A response without a transaction (a malformed request, overload), sent back where the request came from:
   * its Via may be what is broken (RFC 4475 badinv01), and a 400 lacking From or To still tells the sender.
   */
  private sendStatelessResponse(headers: Headers, status: number, peer: Peer, opts: ResponseOptions): void {
    this.counters.countStatus(status);
    this.transport.send(responseFromHeaders(headers, status, { ...opts, toTag: newTag() }), peer);
  }

  private newServerRequest(tx: ServerTransaction): void {
    const req = new IncomingRequest(tx);
    const msg = tx.request;
    const toTag = msg.toTag;
    if (toTag) {
      const dialog = this.dialogs.get(dialogId(msg.callId, toTag, msg.fromTag ?? ''));
      if (!dialog) req.respond(481);
      else void dialog.receive(req).catch((e: unknown) => this.handlerFailed(req, e));
      return;
    }
    // §8.2.2.3: an extension we do not support in Require is refused with 420 naming it.
    const unsupported = msg.headers.values('require').filter((o) => o.toLowerCase() !== SUPPORTED);
    if (unsupported.length) {
      req.respond(420, { headers: [['Unsupported', unsupported.join(', ')]] });
      return;
    }
    if (msg.method === 'INVITE') {
      // §8.2.3: a body we cannot read is refused with 415 and what we accept.
      if (msg.body.length && msg.contentType !== 'application/sdp') {
        req.respond(415, { headers: [['Accept', 'application/sdp']] });
        return;
      }
      // §8.2.3 / RFC 4475 sdp01: our answers are SDP; a caller accepting none of it gets 406.
      const accept = msg.headers.values('accept').map((a) => a.split(';')[0]!.trim().toLowerCase());
      if (accept.length && !accept.some((a) => a === 'application/sdp' || a === 'application/*' || a === '*/*')) {
        req.respond(406, { headers: [['Accept', 'application/sdp']] });
        return;
      }
      // RFC 4028 §8.1: an interval below our minimum is answered 422 with Min-SE.
      const se = parseSessionExpires(msg.headers.get('session-expires'));
      if (se && se.interval < this.sessionTimer.minSE) {
        req.respond(422, { headers: [['Min-SE', String(this.sessionTimer.minSE)]] });
        return;
      }
      tx.toTag = newTag();
      tx.on('cancel', () => req.respond(487));
    }
    const handler = this.handlers.get(msg.method);
    if (handler) {
      try {
        const done = handler(req);
        if (done) done.catch((e: unknown) => this.handlerFailed(req, e));
      } catch (e) {
        this.handlerFailed(req, e);
      }
      return;
    }
    if (msg.method === 'OPTIONS') req.respond(200, { headers: [['Allow', ALLOW], ['Accept', 'application/sdp'], ['Supported', SUPPORTED]] });
    else if (msg.method === 'BYE') req.respond(481); // §15.1.2
    else if (KNOWN_METHODS.has(msg.method)) req.respond(405, { headers: [['Allow', ALLOW]] });
    else req.respond(501);
  }

  private handlerFailed(req: IncomingRequest, e: unknown): void {
    if (e instanceof SipError) {
      req.respond(e.status, { reason: e.reason });
      return;
    }
    this.log.error('request handler failed', { method: req.method, error: e instanceof Error ? e.stack : String(e) });
    req.respond(500);
  }
}

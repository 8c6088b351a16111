/**
 * A dialog (RFC 3261 §12) with its INVITE session (§13-§15): in-dialog requests built from the dialog
 * state, target refresh, re-INVITE and UPDATE for hold and media changes (RFC 3311), BYE, REFER/NOTIFY
 * (RFC 3515), 2xx retransmission until the ACK (§13.3.1.4) and session timers (RFC 4028).
 */
import { EventEmitter } from 'node:events';
import { Headers } from '../message/headers.js';
import { EMPTY, SipRequest, type SipResponse } from '../message/message.js';
import { parseNameAddr } from '../message/name-addr.js';
import { newBranch } from '../ids.js';
import type { ResponseOptions } from '../message/response.js';
import type { ClientTransactionUser, ClientTransaction } from '../transaction/client-transaction.js';
import type { ServerInviteTransaction } from '../transaction/server-transaction.js';
import type { TimerValues } from '../transaction/timers.js';
import type { IncomingRequest } from '../core/incoming-request.js';
import type { Peer } from '../transport/peer.js';
import { SessionTimer, supportsTimer } from './session-timer.js';

/** A request failed with a final response (or a synthesized 408/503, §8.1.3.1). */
export class SipError extends Error {
  override name = 'SipError';
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly response?: SipResponse,
  ) {
    super(`${status} ${reason}`);
  }
}

export type DestroyCause = 'local' | 'remote' | 'no-ack' | 'session-expired' | 'transport';

export interface DialogEvents {
  /** The dialog ended; `request` is the BYE when the far end sent it. */
  destroy: [cause: DestroyCause, request?: SipRequest];
  /** The far end changed the session (re-INVITE or UPDATE answered). */
  modified: [remoteSdp: string | undefined];
  refer: [req: IncomingRequest];
  notify: [req: IncomingRequest];
  info: [req: IncomingRequest];
  message: [req: IncomingRequest];
}

/**
 * Answers a re-INVITE or UPDATE: given the offer (undefined for an offer-less re-INVITE) returns the answer,
 * or throws a SipError to refuse it. The default mirrors hold: see Stack.
 */
export type ModifyHandler = (offer: string | undefined, method: 'INVITE' | 'UPDATE') => Promise<string | undefined>;

/** What a dialog needs from the stack. */
export interface DialogHost {
  readonly timers: TimerValues;
  contact(transport: Peer['transport']): string;
  via(transport: Peer['transport'], branch: string): string;
  sendRequest(req: SipRequest, to: Peer, user: ClientTransactionUser): ClientTransaction;
  sendStateless(req: SipRequest, to: Peer): void;
  resendResponse(res: SipResponse, tx: ServerInviteTransaction): void;
  defaultModify(dialog: Dialog): ModifyHandler;
  removeDialog(dialog: Dialog): void;
}

export interface DialogState {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From (UAC) or To (UAS) header as written, with our tag. */
  localParty: string;
  remoteParty: string;
  remoteTarget: string;
  /** Route set as header values, in the order to write them (§12.1). */
  routeSet: string[];
  localSeq: number;
  remoteSeq: number;
  /** Where in-dialog requests go: the first route's or the target's address, or the peer a UAS heard from. */
  destination: Peer;
  role: 'uac' | 'uas';
}

export interface RequestOptions {
  headers?: Array<[string, string]>;
  body?: string;
  contentType?: string;
}

export class Dialog extends EventEmitter<DialogEvents> {
  readonly id: string;
  state: 'confirmed' | 'terminated' = 'confirmed';
  localSdp: string | undefined;
  remoteSdp: string | undefined;
  onModify: ModifyHandler;
  /** Whether the far end listed UPDATE in Allow, so refreshes can avoid re-INVITE (RFC 4028 §9). */
  remoteAllowsUpdate = false;
  /** The initial INVITE whose 2xx is not acknowledged yet (deferAck). */
  unacked: SipRequest | undefined;
  private sessionTimer: SessionTimer | undefined;
  /** The CSeq of an offer-less re-INVITE whose answer (for its ACK) is being made. */
  private answering: number | undefined;
  private inviteInProgress: 'local' | 'remote' | undefined;
  private readonly acks = new Map<number, SipRequest>();
  private pendingAck: { seq: number; resolve: () => void; reject: (e: SipError) => void; timer: NodeJS.Timeout; retransmit?: NodeJS.Timeout } | undefined;

  constructor(
    readonly s: DialogState,
    private readonly host: DialogHost,
  ) {
    super();
    this.id = dialogId(s.callId, s.localTag, s.remoteTag);
    this.onModify = host.defaultModify(this);
  }

  get callId(): string {
    return this.s.callId;
  }

  get role(): 'uac' | 'uas' {
    return this.s.role;
  }

  get remoteUri(): string {
    return parseNameAddr(this.s.remoteParty).uriText;
  }

  /** Sends BYE and ends the dialog; resolves once the far end answered or the transaction gave up. */
  async destroy(headers: Array<[string, string]> = []): Promise<void> {
    if (this.state === 'terminated') return;
    this.terminate('local');
    await this.request('BYE', { headers }).catch(() => undefined);
  }

  /** Offers a new session description (hold, unhold, a new media address) and returns the answer. */
  modify(sdp: string | undefined, method: 'INVITE' | 'UPDATE' = 'INVITE'): Promise<string | undefined> {
    return this.offer(sdp, method, false);
  }

  /** `modify`, or a session refresh (RFC 4028), whose failure the session timer judges itself. */
  private async offer(sdp: string | undefined, method: 'INVITE' | 'UPDATE', refresh: boolean): Promise<string | undefined> {
    if (method === 'UPDATE') {
      const res = await this.send('UPDATE', sdp === undefined ? {} : { body: sdp }, refresh);
      if (sdp !== undefined) this.localSdp = sdp;
      this.remoteSdp = res.body.length ? res.text : this.remoteSdp;
      this.sessionTimer?.restart();
      return res.body.length ? res.text : undefined;
    }
    if (this.inviteInProgress) throw new SipError(491, 'Request Pending');
    this.inviteInProgress = 'local';
    try {
      const res = await this.send('INVITE', sdp === undefined ? {} : { body: sdp }, refresh);
      if (sdp !== undefined) this.localSdp = sdp;
      if (res.body.length) this.remoteSdp = res.text;
      this.sessionTimer?.restart();
      return res.body.length ? res.text : undefined;
    } finally {
      this.inviteInProgress = undefined;
    }
  }

  /** REFER (RFC 3515): resolves with the 202; progress comes as `notify` events. */
  refer(target: string, headers: Array<[string, string]> = []): Promise<SipResponse> {
    return this.request('REFER', { headers: [['Refer-To', `<${target}>`], ...headers] });
  }

  /** Reports REFER progress to the referrer (RFC 3515 §2.4.4) as a message/sipfrag status line. */
  notifyReferStatus(status: number, reason: string): Promise<SipResponse> {
    const final = status >= 200;
    return this.request('NOTIFY', {
      headers: [
        ['Event', 'refer'],
        ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
      ],
      body: `SIP/2.0 ${status} ${reason}\r\n`,
      contentType: 'message/sipfrag;version=2.0',
    });
  }

  /** Sends a request inside the dialog (§12.2.1.1) and resolves with its final 2xx, or rejects with SipError. */
  request(method: string, opts: RequestOptions = {}): Promise<SipResponse> {
    return this.send(method, opts, false);
  }

  /** `request`; a session refresh leaves it to the session timer to end the dialog on 408 or 481 (RFC 4028 §10). */
  private send(method: string, opts: RequestOptions, refresh: boolean): Promise<SipResponse> {
    if (this.state === 'terminated' && method !== 'BYE') return Promise.reject(new SipError(481, 'Call/Transaction Does Not Exist'));
    const req = this.build(method, ++this.s.localSeq, newBranch());
    for (const [n, v] of opts.headers ?? []) req.headers.append(n, v);
    if (opts.body !== undefined) {
      req.body = Buffer.from(opts.body, 'utf8');
      req.headers.append('Content-Type', opts.contentType ?? 'application/sdp');
    }
    return new Promise((resolve, reject) => {
      this.host.sendRequest(req, this.s.destination, {
        response: (res) => {
          if (res.status < 200) return;
          if (method === 'INVITE' && res.status < 300) this.acknowledge2xx(req, res);
          if (res.status >= 300) {
            // §12.2.1.2: 481 and 408 to an in-dialog request end the dialog.
            if ((res.status === 481 || res.status === 408) && !refresh) this.terminate('remote');
            reject(new SipError(res.status, res.reason, res));
            return;
          }
          if (method === 'INVITE' || method === 'UPDATE') this.refreshTarget(res);
          resolve(res);
        },
        failed: (reason) => {
          if (method !== 'BYE' && !refresh) this.terminate('transport');
          reject(reason === 'timeout' ? new SipError(408, 'Request Timeout') : new SipError(503, 'Service Unavailable'));
        },
      });
    });
  }

  /** An in-dialog request from the far end (the stack checked it belongs here). */
  async receive(req: IncomingRequest): Promise<void> {
    const msg = req.msg;
    const seq = msg.cseq.seq;
    // §12.2.2: a lower CSeq than seen before is out of order.
    if (seq < this.s.remoteSeq) {
      req.respond(500, { reason: 'CSeq Out of Order' });
      return;
    }
    this.s.remoteSeq = seq;
    switch (msg.method) {
      case 'BYE':
        req.respond(200);
        this.terminate('remote', msg);
        return;
      case 'INVITE':
      case 'UPDATE':
        await this.receiveModify(req, msg.method);
        return;
      case 'REFER':
      case 'NOTIFY':
      case 'INFO':
      case 'MESSAGE': {
        // Handed to the application when it listens; otherwise accepted, but a transfer nobody carries out is refused.
        const event = msg.method.toLowerCase() as 'refer' | 'notify' | 'info' | 'message';
        if (this.listenerCount(event)) this.emit(event, req);
        else req.respond(event === 'refer' ? 501 : 200);
        return;
      }
      case 'OPTIONS':
        req.respond(200, { headers: [['Allow', ALLOW]] });
        return;
      default:
        req.respond(405, { headers: [['Allow', ALLOW]] });
    }
  }

  /** The ACK of a 2xx we sent (initial INVITE or re-INVITE). */
  receiveAck(ack: SipRequest): void {
    const p = this.pendingAck;
    if (!p || ack.cseq.seq !== p.seq) return;
    clearTimeout(p.timer);
    clearTimeout(p.retransmit);
    this.pendingAck = undefined;
    if (ack.body.length) this.remoteSdp = ack.text; // the answer to an offer-less INVITE (§13.2.1)
    p.resolve();
  }

  /** ACKs the 2xx of the initial INVITE (re-INVITEs are ACKed by `request`). */
  acknowledge(invite: SipRequest): void {
    this.ackInvite(invite);
  }

  /**
   * Sends the ACK held back by `deferAck` (createUAC): for an INVITE without SDP the 2xx carries the offer and
   * the ACK must carry the answer (§13.2.1), which a B2BUA learns only from the other leg's ACK.
   */
  ack(answer: string | undefined): void {
    const invite = this.unacked;
    if (!invite) return;
    this.unacked = undefined;
    if (answer !== undefined) this.localSdp = answer;
    this.ackInvite(invite, answer);
  }

  /** A 2xx to our INVITE seen again (retransmitted by the far end, RFC 6026): resend its ACK. */
  resendAck(res: SipResponse): void {
    const ack = this.acks.get(res.cseq.seq);
    if (ack) this.host.sendStateless(ack, this.s.destination);
  }

  /**
   * Sends a 2xx to an INVITE and retransmits it until the ACK comes (§13.3.1.4): T1 doubling to T2 over
   * UDP; no ACK within 64*T1 ends the dialog with a BYE.
   */
  answerInvite(req: IncomingRequest, opts: ResponseOptions): Promise<void> {
    const tx = req.tx as ServerInviteTransaction;
    const res = req.respond(200, { ...opts, toTag: this.s.localTag, headers: [['Contact', this.host.contact(req.source.transport)], ...(opts.headers ?? [])] });
    if (!res) return Promise.reject(new SipError(487, 'Request Terminated'));
    return new Promise((resolve, reject) => {
      const timeout = 64 * this.host.timers.T1;
      const timer = setTimeout(() => {
        clearTimeout(this.pendingAck?.retransmit);
        this.pendingAck = undefined;
        void this.destroyFor('no-ack');
        reject(new SipError(408, 'ACK Timeout'));
      }, timeout);
      timer.unref();
      this.pendingAck = { seq: req.msg.cseq.seq, resolve, reject, timer };
      if (!tx.reliable) this.retransmit2xx(res, tx, this.host.timers.T1);
    });
  }

  startSessionTimer(interval: number, localRefresher: boolean): void {
    this.sessionTimer?.stop();
    this.sessionTimer = new SessionTimer(
      interval,
      localRefresher,
      () => void this.refreshSession(),
      () => void this.destroyFor('session-expired'),
    );
    this.sessionTimer.restart();
  }

  /**
   * RFC 4028 §10: a refresh that times out or gets 408 or 481 ends the session with a BYE; any other refusal
   * (491 when it crossed a re-INVITE of the far end, §14.1) leaves the session up, and the refresh is tried
   * again after §14.1's random wait of up to 2 s, cut to a twelfth of the interval: the far end waits at least
   * a sixth of the interval past our half-interval refresh before it gives up (§10), so a second try still fits.
   */
  private async refreshSession(): Promise<void> {
    const timer = this.sessionTimer;
    try {
      await this.offer(this.localSdp, this.remoteAllowsUpdate ? 'UPDATE' : 'INVITE', true);
    } catch (e) {
      const local = e instanceof SipError && !e.response;
      const status = e instanceof SipError ? e.status : 500;
      if (status === 408 || status === 481 || (local && status !== 491)) await this.destroyFor('session-expired');
      else if (timer && this.sessionTimer === timer && this.state === 'confirmed') timer.retry(Math.min(Math.random() * 2000, (timer.interval * 1000) / 12));
    }
  }

  get sessionInterval(): number | undefined {
    return this.sessionTimer?.interval;
  }

  /** Ends the dialog without a BYE (the far end ended it, or it is already gone). */
  terminate(cause: DestroyCause, request?: SipRequest): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.sessionTimer?.stop();
    const waiting = this.pendingAck;
    if (waiting) {
      clearTimeout(waiting.timer);
      clearTimeout(waiting.retransmit);
      this.pendingAck = undefined;
      // A BYE that overtook a lost ACK (§15) ends the call before it was confirmed: whoever awaits the ACK
      // (createUAS, a B2BUA about to join the legs) must hear it, or the other leg would be left up.
      waiting.reject(new SipError(487, 'Ended Before ACK'));
    }
    this.host.removeDialog(this);
    this.emit('destroy', cause, request);
  }

  private async destroyFor(cause: DestroyCause): Promise<void> {
    if (this.state === 'terminated') return;
    const bye = this.request('BYE', { headers: [['Reason', cause === 'session-expired' ? 'SIP;cause=408;text="Session expired"' : 'SIP;cause=408;text="No ACK"']] });
    this.terminate(cause);
    await bye.catch(() => undefined);
  }

  private retransmit2xx(res: SipResponse, tx: ServerInviteTransaction, interval: number): void {
    const p = this.pendingAck;
    if (!p) return;
    p.retransmit = setTimeout(() => {
      if (this.pendingAck !== p) return;
      this.host.resendResponse(res, tx);
      this.retransmit2xx(res, tx, Math.min(2 * interval, this.host.timers.T2));
    }, interval);
    p.retransmit.unref();
  }

  private async receiveModify(req: IncomingRequest, method: 'INVITE' | 'UPDATE'): Promise<void> {
    const msg = req.msg;
    if (method === 'INVITE') {
      // §14.2: glare with our own re-INVITE is 491; a second one of theirs while one is open is 500.
      if (this.inviteInProgress === 'local') {
        req.respond(491);
        return;
      }
      if (this.inviteInProgress === 'remote') {
        req.respond(500, { headers: [['Retry-After', String(Math.ceil(Math.random() * 10))]] });
        return;
      }
      this.inviteInProgress = 'remote';
    }
    try {
      const offer = msg.body.length ? msg.text : undefined;
      let answer: string | undefined;
      try {
        answer = await this.onModify(offer, method);
      } catch (e) {
        const err = e instanceof SipError ? e : new SipError(488, 'Not Acceptable Here');
        req.respond(err.status, { reason: err.reason });
        return;
      }
      if (offer !== undefined) this.remoteSdp = offer;
      if (answer !== undefined) this.localSdp = answer;
      this.refreshTarget(msg);
      this.sessionTimer?.restart();
      const body = answer !== undefined ? { body: Buffer.from(answer, 'utf8'), contentType: 'application/sdp' } : {};
      const timer = this.refreshHeaders(msg);
      if (method === 'UPDATE') {
        req.respond(200, { ...body, toTag: this.s.localTag, headers: [['Contact', this.host.contact(req.source.transport)], ...timer] });
      } else {
        await this.answerInvite(req, { ...body, headers: timer }).catch(() => undefined);
      }
      this.emit('modified', offer);
    } finally {
      if (method === 'INVITE') this.inviteInProgress = undefined;
    }
  }

  /** §12.2.1.1: an in-dialog request from the dialog state. */
  private build(method: string, seq: number, branch: string): SipRequest {
    const h = new Headers();
    h.append('Via', this.host.via(this.s.destination.transport, branch));
    h.append('Max-Forwards', '70');
    for (const r of this.s.routeSet) h.append('Route', r);
    h.append('From', this.s.localParty);
    h.append('To', this.s.remoteParty);
    h.append('Call-ID', this.s.callId);
    h.append('CSeq', `${seq} ${method}`);
    if (method === 'INVITE' || method === 'UPDATE' || method === 'REFER' || method === 'NOTIFY') h.append('Contact', this.host.contact(this.s.destination.transport));
    if (method === 'INVITE' || method === 'UPDATE') h.append('Allow', ALLOW);
    if (method !== 'ACK') h.append('Supported', 'timer'); // RFC 4028 §7.1: in every request but ACK
    if ((method === 'INVITE' || method === 'UPDATE') && this.sessionTimer) {
      // RFC 4028 §7.4: a re-INVITE or UPDATE refreshes the session and carries its interval; the refresher
      // parameter names a side of this transaction, so the refresher writes uac.
      h.append('Session-Expires', `${this.sessionTimer.interval};refresher=${this.sessionTimer.localRefresher ? 'uac' : 'uas'}`);
    }
    return new SipRequest(method, this.s.remoteTarget, h, EMPTY);
  }

  /**
   * RFC 4028 §9: the 2xx to a refresh from a UA with the extension states the interval and the refresher
   * (seen from this transaction: uas is us), with Require: timer when the refresher is the UAC; without them
   * the far end would take the session timer for off (§7.2) and stop refreshing.
   */
  private refreshHeaders(req: SipRequest): Array<[string, string]> {
    const timer = this.sessionTimer;
    if (!timer || !(req.headers.has('session-expires') || supportsTimer(req))) return [];
    const refresher = timer.localRefresher ? 'uas' : 'uac';
    return [['Session-Expires', `${timer.interval};refresher=${refresher}`], ...(refresher === 'uac' ? [['Require', 'timer'] as [string, string]] : [])];
  }

  /** §13.2.2.4: the ACK of a 2xx is a new request of its own, with the INVITE's CSeq number. */
  /**
   * ACKs the 2xx of a re-INVITE. An INVITE without an offer gets one in the 2xx, and the ACK must carry our
   * answer (§13.2.1, §14.1), which `onModify` gives as for any offer; a retransmitted 2xx meanwhile waits.
   */
  private acknowledge2xx(invite: SipRequest, res: SipResponse): void {
    const seq = invite.cseq.seq;
    if (invite.body.length || !res.body.length || this.acks.has(seq)) {
      this.ackInvite(invite);
      return;
    }
    if (this.answering === seq) return;
    this.answering = seq;
    this.onModify(res.text, 'INVITE').then(
      (answer) => {
        if (answer !== undefined) this.localSdp = answer;
        this.ackInvite(invite, answer);
      },
      () => this.ackInvite(invite),
    );
  }

  private ackInvite(invite: SipRequest, answer?: string): void {
    const seq = invite.cseq.seq;
    let ack = this.acks.get(seq);
    if (!ack) {
      ack = this.build('ACK', seq, newBranch());
      if (answer !== undefined) {
        ack.body = Buffer.from(answer, 'utf8');
        ack.headers.append('Content-Type', 'application/sdp');
      }
      this.acks.clear(); // only the latest INVITE's ACK can be asked for again
      this.acks.set(seq, ack);
    }
    this.host.sendStateless(ack, this.s.destination);
  }

  /** §12.2: a 2xx to a target refresh (or the refresh request itself) may move the far end's Contact. */
  private refreshTarget(msg: SipRequest | SipResponse): void {
    const contact = msg.contacts[0];
    if (contact) this.s.remoteTarget = contact.uriText;
    const allow = msg.headers.values('allow');
    if (allow.length) this.remoteAllowsUpdate = allow.some((m) => m.toUpperCase() === 'UPDATE');
  }
}

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY, MESSAGE';

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

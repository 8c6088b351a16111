/**
 * A back-to-back user agent: an inbound dialog (A leg) joined to an outbound one (B leg). Provisional
 * responses, the final outcome, CANCEL, BYE, re-INVITE/UPDATE and INFO cross from one leg to the other;
 * a REFER from either leg is carried out here as a blind transfer (RFC 3515 with RFC 5589's flow): the
 * other party is connected to the refer target and the referrer hears the outcome by NOTIFY.
 */
import { EventEmitter } from 'node:events';
import type { Dialog, DestroyCause } from '../dialog/dialog.js';
import { SipError } from '../dialog/dialog.js';
import type { SipResponse } from '../message/message.js';
import { parseNameAddr } from '../message/name-addr.js';
import type { IncomingRequest } from './incoming-request.js';
import type { SipStack, UacOptions } from './stack.js';

/**
 * Rewrites a session description crossing the B2BUA toward `toLeg` (media anchoring); identity by default.
 * `kind` says whether it is an offer or the answer to the last offer (RFC 3264), as a media relay must know.
 */
export type SdpTransform = (sdp: string | undefined, toLeg: 'a' | 'b', kind: 'offer' | 'answer') => Promise<string | undefined>;

/** The B leg as `createUAC` places it (its `uri` is the B leg's Request-URI), and the SDP rewriting between legs. */
export interface B2buaOptions extends Pick<UacOptions, 'uri' | 'destination' | 'from' | 'to' | 'headers' | 'auth'> {
  sdp?: SdpTransform;
}

export interface B2buaEvents {
  /** The call ended: which leg hung up first (or failed) and why. */
  end: [leg: 'a' | 'b', cause: DestroyCause];
  /** A transfer by REFER finished; `status` is the target's final answer. */
  transferred: [status: number, target: string];
}

const passThrough: SdpTransform = async (sdp) => sdp;

export class B2BUA extends EventEmitter<B2buaEvents> {
  private ended = false;
  /** The leg whose REFER is being carried out, and why it ended if it hung up meanwhile. */
  private referral: { referrer: Dialog; gone?: DestroyCause } | undefined;

  constructor(
    private readonly stack: SipStack,
    public a: Dialog,
    public b: Dialog,
    private readonly sdp: SdpTransform,
  ) {
    super();
    this.join();
  }

  /** Hangs up both legs. */
  async destroy(): Promise<void> {
    this.finish('a', 'local');
    await Promise.all([this.a.destroy(), this.b.destroy()]);
  }

  /** Which leg a dialog is, and the other one; undefined for a referrer's leg a transfer replaced. */
  private legs(d: Dialog): { leg: 'a' | 'b'; other: Dialog } | undefined {
    if (d === this.a) return { leg: 'a', other: this.b };
    if (d === this.b) return { leg: 'b', other: this.a };
    return undefined;
  }

  private join(): void {
    for (const d of [this.a, this.b]) this.relay(d);
  }

  private relay(d: Dialog): void {
    // A referrer's leg replaced by a transfer is out of the call: what it still sends is answered for itself.
    const fallback = this.stack.defaultModify(d);
    d.on('destroy', (cause) => {
      const legs = this.legs(d);
      if (!legs) return;
      const { leg, other } = legs;
      if (this.referral?.referrer === d) {
        // RFC 5589 §6: a transferor may hang up once its REFER is accepted; the transfer goes on without it.
        this.referral.gone = cause;
        return;
      }
      this.finish(leg, cause);
      void other.destroy();
    });
    d.onModify = async (offer, method) => {
      const legs = this.legs(d);
      if (!legs) return fallback(offer, method);
      const { leg, other } = legs;
      // An offer-less re-INVITE asks for our offer: the other party's current session, which stays as it is.
      if (offer === undefined) return this.sdp(other.remoteSdp, leg, 'offer');
      const toOther = leg === 'a' ? 'b' : 'a';
      const answer = await other.modify(await this.sdp(offer, toOther, 'offer'), method);
      return this.sdp(answer, leg, 'answer');
    };
    d.on('info', (req) => {
      const other = this.legs(d)?.other;
      if (!other) {
        req.respond(200);
        return;
      }
      const body = req.msg.body.length ? { body: req.msg.text, contentType: req.msg.headers.get('content-type') } : {};
      other.request('INFO', body).then(
        (res) => req.respond(res.status),
        (e: unknown) => req.respond(e instanceof SipError ? e.status : 500),
      );
    });
    d.on('refer', (req) => {
      if (this.legs(d)) void this.transfer(d, req);
      else req.respond(403, { reason: 'Not In This Call' });
    });
  }

  /**
   * Blind transfer: 202 to the REFER, a new call from the other party's side to the Refer-To target,
   * then the other party re-INVITEd toward it; the referrer hears 100 then the final status by NOTIFY
   * and is expected to hang up itself.
   */
  private async transfer(referrer: Dialog, req: IncomingRequest): Promise<void> {
    const referTo = req.msg.headers.get('refer-to');
    let target: string;
    try {
      if (!referTo) throw new Error('no Refer-To');
      target = parseNameAddr(referTo).uriText;
    } catch {
      req.respond(400, { reason: 'Bad Refer-To' });
      return;
    }
    req.respond(202);
    const referral: { referrer: Dialog; gone?: DestroyCause } = { referrer };
    this.referral = referral;
    const notify = (status: number, reason: string) => referrer.notifyReferStatus(status, reason).catch(() => undefined);
    await notify(100, 'Trying');
    const { leg, other } = this.legs(referrer)!;
    let replacement: Dialog | undefined;
    try {
      // The transfer target sees who is being put through to it: the remaining party.
      replacement = await this.stack.createUAC({ uri: target, from: stripTag(other.s.remoteParty), sdp: await this.sdp(other.remoteSdp, leg, 'offer') });
      // The target's answer, as the relay sees it, goes to the other party in a re-INVITE (its reply changes nothing).
      await other.modify(await this.sdp(replacement.remoteSdp, leg === 'a' ? 'b' : 'a', 'answer'));
    } catch (e) {
      // The new party answered but the other party could not be moved to it (gone, or refused the re-INVITE):
      // its call is hung up rather than left open with nobody on the other end.
      void replacement?.destroy();
      if (this.referral === referral) this.referral = undefined;
      const status = e instanceof SipError ? e.status : 500;
      await notify(status, e instanceof SipError ? e.reason : 'Server Internal Error');
      this.emit('transferred', status, target);
      // A referrer that hung up meanwhile leaves the other party alone: the call ends as it would have then.
      if (referral.gone) {
        this.finish(leg, referral.gone);
        void other.destroy();
      }
      return;
    }
    if (this.referral === referral) this.referral = undefined;
    if (leg === 'a') this.a = replacement;
    else this.b = replacement;
    this.relay(replacement);
    await notify(200, 'OK');
    this.emit('transferred', 200, target);
  }

  private finish(leg: 'a' | 'b', cause: DestroyCause): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('end', leg, cause);
  }
}

/**
 * Answers `req` (an INVITE) by calling `opts.uri`: relays provisionals, the final failure or the success,
 * and a CANCEL from the caller; resolves with the joined legs once both are confirmed.
 */
export async function createB2BUA(stack: SipStack, req: IncomingRequest, opts: B2buaOptions): Promise<B2BUA> {
  const msg = req.msg;
  const sdp = opts.sdp ?? passThrough;
  const maxForwards = msg.maxForwards ?? 70;
  if (maxForwards <= 0) throw new SipError(483, 'Too Many Hops');
  const abort = new AbortController();
  req.onCancel(() => abort.abort());
  // Delayed offer (3pcc): the B leg's 2xx holds the offer, and its ACK must wait for the caller's answer.
  const delayedOffer = msg.body.length === 0;
  let b: Dialog;
  try {
    b = await stack.createUAC({
      uri: opts.uri,
      destination: opts.destination,
      from: opts.from ?? stripTag(msg.headers.get('from')!),
      to: opts.to,
      auth: opts.auth,
      headers: [['Max-Forwards', String(maxForwards - 1)], ...(opts.headers ?? [])],
      sdp: await sdp(msg.body.length ? msg.text : undefined, 'b', 'offer'),
      signal: abort.signal,
      deferAck: delayedOffer,
      onProvisional: (res) => void relayProvisional(stack, req, res, sdp, delayedOffer ? 'offer' : 'answer').catch(() => undefined),
    });
  } catch (e) {
    if (e instanceof SipError) throw relayable(e);
    throw e;
  }
  let a: Dialog;
  try {
    a = await stack.createUAS(req, { sdp: await sdp(b.remoteSdp, 'a', delayedOffer ? 'offer' : 'answer') });
  } catch (e) {
    b.ack(undefined);
    await b.destroy();
    throw e;
  }
  if (delayedOffer) b.ack(await sdp(a.remoteSdp, 'b', 'answer'));
  return new B2BUA(stack, a, b, sdp);
}

/** A provisional of the B leg on the A leg: with a To tag it sets up an early dialog, so it has our Contact (§12.1.1). */
async function relayProvisional(stack: SipStack, req: IncomingRequest, res: SipResponse, sdp: SdpTransform, kind: 'offer' | 'answer'): Promise<void> {
  const body = res.body.length ? await sdp(res.text, 'a', kind) : undefined;
  const headers: Array<[string, string]> = [['Contact', stack.contact(req.source.transport)]];
  req.respond(res.status, { reason: res.reason, headers, ...(body !== undefined ? { body: Buffer.from(body, 'utf8') } : {}) });
}

/** The B leg's failure as the caller should hear it: its challenge for our credentials is not theirs to answer. */
function relayable(e: SipError): SipError {
  if (e.status === 401 || e.status === 407) return new SipError(502, 'Bad Gateway');
  return new SipError(e.status, e.reason);
}

/** The From of the A leg without its tag, to present the caller's identity on the B leg. */
function stripTag(from: string): string {
  return from.replace(/;[ \t]*tag[ \t]*=[ \t]*[^;]*/i, '');
}

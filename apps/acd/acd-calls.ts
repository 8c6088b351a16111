/**
 * The ACD's calls (T5-T7): callers handed over by the call flow wait as CallerSessions; the Acd's offers ring
 * operators' phones (softphone or outside number) with our endpoint through rtpengine; the first answer the
 * Acd accepts is bridged to the caller, later ones are hung up. An operator's REFER is a blind transfer to the
 * department it names. The console's commands (hold, transfer, consult) reach a call through here.
 */
import { SipError } from '../../sip/dialog/dialog.js';
import type { IncomingRequest } from '../../sip/core/incoming-request.js';
import { parseNameAddr } from '../../sip/message/name-addr.js';
import { isSipUri, unescape } from '../../sip/message/uri.js';
import type { OutboundLeg } from '../../media/outbound-leg.js';
import type { Department } from '../../db/repositories/reference.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import type { Acd, Offer } from './acd.js';
import type { OfferFailure } from './call-event.js';
import { CallerSession, SessionCommandError, type CallerLeg, type CallInfo, type SessionDeps, type TransferTarget } from './caller-session.js';
import { dialDigits, type DialPlan, type DialTarget } from './dial-plan.js';

export interface AcdCallsDeps extends Omit<SessionDeps, 'dial'> {
  dialPlan: DialPlan;
  /** Places a call to a dial target with our endpoint (media/outbound-leg.ts callWithEndpoint, bound to the stack and media). */
  place(target: DialTarget, opts: { signal: AbortSignal; from: string }): Promise<OutboundLeg>;
  departments(): Promise<Department[]>;
  /** The interpreting service's number (config acd.interpreterNumber), for three-way calls (T10). */
  interpreterNumber: string | undefined;
  clock: Clock;
  log: Logger;
}

export class AcdCalls {
  private readonly sessions = new Map<number, CallerSession>();
  private readonly rings = new Map<string, AbortController>();
  private readonly acd: Acd;

  constructor(private readonly d: AcdCallsDeps) {
    this.acd = d.acd;
    this.acd.on('offer', (offer) => void this.ring(offer).catch((e: unknown) => d.log.error('ringing an operator failed', { ...offer, error: (e as Error).message })));
    this.acd.on('offer-cancel', (offer, why) => this.rings.get(ringKey(offer))?.abort(why));
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Serves one caller from queue entry to hang-up. */
  async serve(caller: CallerLeg, entry: { queue: string; language: CallInfo['language']; busyAt: number }): ReturnType<CallerSession['run']> {
    const session = new CallerSession({ ...this.d, dial: (number, o) => this.dialNumber(number, o) }, caller, entry);
    this.sessions.set(caller.callId, session);
    try {
      return await session.run();
    } finally {
      this.sessions.delete(caller.callId);
    }
  }

  /** The call an operator is on now, for the console. */
  callOf(agent: string): CallInfo | undefined {
    for (const s of this.sessions.values()) if (s.agent === agent) return s.info();
    return undefined;
  }

  session(callId: number): CallerSession {
    const s = this.sessions.get(callId);
    if (!s) throw new SessionCommandError(404, 'unknown-call', `no call ${callId} in the ACD`);
    return s;
  }

  /** A department by id, or the interpreting service ('interpreter'). */
  async target(id: string): Promise<TransferTarget> {
    if (id === 'interpreter') {
      if (!this.d.interpreterNumber) throw new SessionCommandError(404, 'unknown-department', 'no interpreting service is configured (acd.interpreterNumber)');
      return { kind: 'interpreter', number: this.d.interpreterNumber };
    }
    const department = (await this.d.departments()).find((x) => x.id === id);
    if (!department) throw new SessionCommandError(404, 'unknown-department', `no department ${JSON.stringify(id)}`);
    return { kind: 'department', department };
  }

  private dialNumber(number: string, o: { signal: AbortSignal; from: string }): Promise<OutboundLeg> {
    const target = this.d.dialPlan.number(number);
    if (!target) return Promise.reject(new SipError(503, 'No Trunk'));
    return this.d.place(target, o);
  }

  /** Rings one operator for one caller; reports to the Acd how it went. */
  private async ring(offer: Offer): Promise<void> {
    const { acd, d } = this;
    const session = this.sessions.get(offer.callId);
    if (!session) {
      acd.offerFailed(offer.callId, offer.agent, 'cancelled');
      return;
    }
    const started = d.clock.now();
    const target = d.dialPlan.agent(offer.agent, offer.contact);
    if (!target) {
      const row = await d.legs.start({ callId: offer.callId, kind: 'agent', party: offer.agent, sipCallId: null, startedAt: started });
      await d.legs.end(row, started, 'unreachable', 'system');
      acd.offerFailed(offer.callId, offer.agent, 'unreachable');
      return;
    }
    const abort = new AbortController();
    const key = ringKey(offer);
    this.rings.set(key, abort);
    const caller = session.caller.caller;
    let leg: OutboundLeg;
    try {
      // The display name tells the operator's phone which queue and language the caller comes from.
      const display = `${offer.queue} ${session.info().language}`;
      leg = await d.place(target, { signal: abort.signal, from: `"${display}" <sip:${caller || 'anonymous'}@${session.caller.endpoint.address}>` });
    } catch (e) {
      const failure = offerFailure(e, abort.signal.aborted);
      const row = await d.legs.start({ callId: offer.callId, kind: 'agent', party: offer.agent, sipCallId: null, startedAt: started });
      // The leg says why it ended: the Acd's ring timeout is the phone not answering.
      await d.legs.end(row, d.clock.now(), abort.signal.reason === 'timeout' ? 'no-answer' : failure, 'system');
      // A ring the Acd itself cancelled (timeout, taken, abandoned) was already accounted for there.
      if (failure !== 'cancelled') acd.offerFailed(offer.callId, offer.agent, failure);
      return;
    } finally {
      this.rings.delete(key);
    }
    // Nothing is awaited from the answer to the bridge: the operator may transfer (REFER) the moment it answers.
    const live = this.sessions.get(offer.callId);
    const legRow = d.legs.start({ callId: offer.callId, kind: 'agent', party: offer.agent, sipCallId: leg.callId, startedAt: started });
    if (!live || !acd.answered(offer.callId, offer.agent)) {
      // Too late: the caller left, or another operator of a ring-all answered first.
      await leg.close();
      await d.legs.end(await legRow, d.clock.now(), 'cancelled', 'system');
      return;
    }
    leg.onRefer((req) => void this.referred(offer.agent, live, req).catch((e: unknown) => d.log.error('transfer by REFER failed', { agent: offer.agent, error: (e as Error).message })));
    live.connect(offer.agent, leg, legRow);
    await d.legs.answered(await legRow, d.clock.now());
  }

  /**
   * A REFER from the operator's softphone: a blind transfer to the department whose number (or id) is the
   * Refer-To user. Outside the department's window it is refused with 403 and a Warning naming the
   * department's number (T7), before anything is dialled.
   */
  private async referred(agent: string, session: CallerSession, req: IncomingRequest): Promise<void> {
    const referTo = req.msg.headers.get('refer-to');
    let user: string | undefined;
    try {
      const uri = referTo ? parseNameAddr(referTo).uri : undefined;
      user = uri && isSipUri(uri) && uri.user !== undefined ? unescape(uri.user) : undefined;
    } catch {
      user = undefined;
    }
    if (!user) {
      req.respond(400, { reason: 'Bad Refer-To' });
      return;
    }
    const department = (await this.d.departments()).find((x) => x.id === user || dialDigits(x.phone) === dialDigits(user));
    if (!department) {
      req.respond(404, { reason: 'No Such Department' });
      return;
    }
    const target: TransferTarget = { kind: 'department', department };
    try {
      await session.checkTransfer(agent, target, 'blind');
    } catch (e) {
      if (!(e instanceof SessionCommandError)) throw e;
      const warning = `${department.name} ${department.phone}: ${e.message}`.replace(/["\\\r\n]/g, ' ');
      req.respond(e.code === 'outside-window' ? 403 : 409, { reason: e.code === 'outside-window' ? 'Outside Transfer Window' : 'Not Now', headers: [['Warning', `399 setagaya-call "${warning}"`]] });
      return;
    }
    req.respond(202);
    const dialog = session.agentDialog();
    // RFC 3515: the referrer hears that the transfer is under way; the caller is ours from here, so the operator
    // is released at once (a failed transfer puts the caller back in the queue, not back to this operator).
    await dialog?.notifyReferStatus(100, 'Trying').catch(() => undefined);
    await dialog?.notifyReferStatus(200, 'OK').catch(() => undefined);
    await session.transfer(agent, target, 'blind').catch((e: unknown) => {
      if (!(e instanceof SessionCommandError)) throw e;
    });
  }
}

function ringKey(o: { callId: number; agent: string }): string {
  return `${o.callId}:${o.agent}`;
}

/** How an offer's INVITE failed, in the Acd's words. */
function offerFailure(e: unknown, cancelledByUs: boolean): OfferFailure {
  if (cancelledByUs) return 'cancelled';
  const status = e instanceof SipError ? e.status : 0;
  if (status === 486 || status === 600) return 'busy';
  if (status === 603 || status === 403) return 'rejected';
  if (status === 408 || status === 480 || status === 487) return 'no-answer';
  return 'unreachable';
}

/**
 * Calls from the carrier's trunk (T1): the dialled number picks the flow, the caller's media is anchored in
 * rtpengine with our RTP endpoint on the far side, the call is answered, recorded from the answer (T8) and
 * handed to the flow's script (inbound-call.ts). rtpengine down means 503 for new calls and a clean BYE for
 * the calls it carried; every call's row in `calls` is closed whatever happens.
 */
import { DigitInput } from './digit-input.js';
import { parseFlow, type FlowDefinition, type LanguageChoice } from './flow-definition.js';
import { InboundCall, type PromptSource, type ScriptEnd } from './inbound-call.js';
import type { WardCalendar } from '../calendar/ward-calendar.js';
import type { Logger } from '../logger.js';
import type { CallerLeg } from '../acd/caller-session.js';
import type { CallEvent, HungUpBy } from '../acd/call-event.js';
import type { Clock } from '../time/clock.js';
import type { CallFlowsRepository } from '../../db/repositories/call-flows.js';
import type { CallOutcome, CallsRepository } from '../../db/repositories/calls.js';
import { answerWithEndpoint, type EndpointLeg } from '../../media/endpoint-leg.js';
import type { FrameClock } from '../../media/rtp/frame-clock.js';
import type { PortPool } from '../../media/rtp/port-pool.js';
import { SdpNegotiationError } from '../../media/rtp/sdp-negotiation.js';
import { RtpengineUnavailable, type NgClient } from '../../media/rtpengine/ng-client.js';
import type { IncomingRequest } from '../../sip/core/incoming-request.js';
import type { SipStack } from '../../sip/core/stack.js';
import type { Dialog } from '../../sip/dialog/dialog.js';
import { dtmfFromInfo } from '../../sip/message/dtmf-info.js';
import { isSipUri, unescape } from '../../sip/message/uri.js';
import { parseSdp, SdpError, type Sdp } from '../../sip/sdp/sdp.js';

export interface RecordingSink {
  /** Turns the call's capture into its recording (T8); never throws for a missing or partial capture. */
  finish(r: { callRowId: number; sipCallId: string; callerPort: number; startedAt: Date; endedAt: Date; caller: string; dnis: string; agent: string | null }): Promise<void>;
}

export interface MediaPlane {
  ng: NgClient;
  isUp(): boolean;
  ports: PortPool;
  clock: FrameClock;
  /** Where our endpoints bind. */
  address: string;
}

export interface TrunkCallDeps {
  stack: SipStack;
  media: MediaPlane;
  flows: CallFlowsRepository;
  calls: CallsRepository;
  /** The ward's calendar as it is now (the console may add election days while we run). */
  calendar: () => Promise<WardCalendar>;
  clock: Clock;
  prompts: PromptSource;
  /** The ACD: serves a caller from queue entry to hang-up (apps/acd/acd-calls.ts). */
  acd: { serve(caller: CallerLeg, entry: { queue: string; language: LanguageChoice; busyAt: number }): Promise<{ agent: string | null; endedBy: HungUpBy; callbackId: number | null }> };
  /** The call event log (arrival, hang-up outside the ACD), for the live figures and the CDRs. */
  record(e: CallEvent): void;
  recordings: RecordingSink;
  log: Logger;
}

interface ActiveCall {
  rowId: number;
  callerTag: string;
  digits: DigitInput;
  dialog: Dialog;
  /** Why we end it, when we do. */
  teardown(reason: string): Promise<void>;
}

/** Why we hung up, for the carrier's records (RFC 3326): Q.850 38 (network out of order) when media failed, else 16 (normal clearing). */
export const MEDIA_LOST = 'media plane lost';
const reasonHeader = (text: string): [string, string] => ['Reason', `Q.850;cause=${text === MEDIA_LOST ? 38 : 16};text="${text}"`];

export class TrunkCalls {
  private readonly active = new Map<string, ActiveCall>();

  constructor(private readonly d: TrunkCallDeps) {}

  get size(): number {
    return this.active.size;
  }

  /** A key the caller pressed, from rtpengine's RFC 4733 events (T3 menu); keys of other parties are ignored. */
  dtmf(callId: string, sourceTag: string, digit: string): void {
    const call = this.active.get(callId);
    if (call && call.callerTag === sourceTag) call.digits.push(digit);
  }

  /** rtpengine went away: its calls have no media any more, so they are ended rather than left silent. */
  async tearDownAll(reason: string): Promise<void> {
    await Promise.all([...this.active.values()].map((c) => c.teardown(reason)));
  }

  async handle(req: IncomingRequest): Promise<void> {
    const { d } = this;
    const msg = req.msg;
    if (!d.media.isUp()) {
      req.respond(503, { reason: 'Media Unavailable', headers: [['Retry-After', 30]] });
      return;
    }
    const dnis = dialledNumber(req);
    const stored = dnis ? await d.flows.forNumber(dnis) : undefined;
    if (!dnis || !stored) {
      req.respond(404, { reason: 'No Such Number' });
      return;
    }
    if (!msg.body.length) {
      // A carrier sends its offer in the INVITE; offer-less (3pcc) trunk calls are not expected.
      req.respond(488, { reason: 'Offer Required', headers: [['Warning', `399 ${d.stack.options.address} "an SDP offer is required"`]] });
      return;
    }
    let offer: Sdp;
    try {
      offer = parseSdp(msg.text);
    } catch (e) {
      req.respond(400, { reason: 'Malformed SDP', headers: [['Warning', `399 ${d.stack.options.address} "${warningText(e instanceof SdpError ? e.message : String(e))}"`]] });
      return;
    }
    if (!offersG711(offer)) {
      // T13: the centre speaks G.711 only.
      req.respond(488, { reason: 'Not Acceptable Here', headers: [['Warning', `305 ${d.stack.options.address} "G.711 (PCMU or PCMA) required"`]] });
      return;
    }
    const flow = parseFlow(stored.definition);
    const caller = callerNumber(req);
    const startedAt = d.clock.now();
    const rowId = await d.calls.start({ sipCallId: msg.callId, dnis, caller, flowVersion: stored.version, startedAt });
    let cancelled = false;
    req.onCancel(() => {
      cancelled = true;
      req.respond(487);
    });

    const callerTag = msg.fromTag ?? '';
    let leg: EndpointLeg;
    try {
      leg = await answerWithEndpoint({
        ng: d.media.ng,
        ports: d.media.ports,
        clock: d.media.clock,
        address: d.media.address,
        callId: msg.callId,
        callerTag,
        endpointTag: req.tx.responseTag(),
        offer: msg.text,
        record: true,
        sipSourceAddress: req.source.address,
      });
    } catch (e) {
      const [status, reason, outcome]: [number, string, CallOutcome] =
        e instanceof SdpNegotiationError ? [488, 'Not Acceptable Here', 'rejected'] : e instanceof RtpengineUnavailable ? [503, 'Media Unavailable', 'failed'] : [500, 'Server Internal Error', 'failed'];
      if (outcome === 'failed') d.log.error('cannot anchor the call in rtpengine', { callId: msg.callId, error: (e as Error).message });
      req.respond(status, { reason, ...(status === 503 ? { headers: [['Retry-After', 30]] } : {}) });
      await d.calls.end(rowId, d.clock.now(), cancelled ? 'abandoned' : outcome, (e as Error).message);
      return;
    }

    const release = async () => {
      leg.endpoint.close();
      await d.media.ng.delete({ callId: msg.callId }).catch(() => undefined);
    };
    let dialog: Dialog;
    try {
      if (cancelled) throw new Error('cancelled by the caller');
      dialog = await d.stack.createUAS(req, { sdp: leg.answer });
    } catch (e) {
      await release();
      await d.calls.end(rowId, d.clock.now(), 'abandoned', cancelled ? 'cancelled by the caller' : (e as Error).message);
      return;
    }
    const answeredAt = d.clock.now();
    await d.calls.answered(rowId, answeredAt);
    const ended = await this.converse(req, { rowId, dnis, caller, callerTag, dialog, leg, flow });
    // Our endpoint stops first, so that its counts and rtpengine's describe the same packets.
    leg.endpoint.close();
    const media = await this.mediaFigures(msg.callId, callerTag, req.tx.responseTag(), leg);
    await release();
    d.log.info('call ended', { callId: msg.callId, dnis, ...ended, media });
    await d.recordings.finish({ callRowId: rowId, sipCallId: msg.callId, callerPort: leg.callerPort, startedAt: answeredAt, endedAt: d.clock.now(), caller, dnis, agent: ended.agent });
  }

  /**
   * The call's media as rtpengine and our endpoint counted it (T13), for the log: packets rtpengine received
   * from each side and its errors, and what our endpoint lost, how late and with what jitter.
   */
  private async mediaFigures(callId: string, callerTag: string, endpointTag: string, leg: EndpointLeg): Promise<Record<string, unknown>> {
    const endpoint = leg.endpoint.stats();
    try {
      const q = await this.d.media.ng.query({ callId });
      const rtp = (tag: string) => q.tags[tag]?.streams[0];
      return {
        fromCaller: rtp(callerTag)?.packets ?? 0,
        fromEndpoint: rtp(endpointTag)?.packets ?? 0,
        rtpengineErrors: q.totals.rtp.errors,
        endpoint: { sent: endpoint.sent, received: endpoint.received, ignored: endpoint.ignored, lost: endpoint.lost, late: endpoint.late, jitterMs: endpoint.jitterMs },
      };
    } catch (e) {
      return { endpoint, rtpengine: (e as Error).message };
    }
  }

  /** From the answer to the hang-up: the flow's script, then the ACD; keys from RFC 4733 and INFO; how it ended. */
  private async converse(
    req: IncomingRequest,
    c: { rowId: number; dnis: string; caller: string; callerTag: string; dialog: Dialog; leg: EndpointLeg; flow: FlowDefinition },
  ): Promise<{ outcome: CallOutcome; reason: string; agent: string | null }> {
    const { d } = this;
    const callId = req.msg.callId;
    const hungUp = new AbortController();
    let endedBy: string | undefined;
    c.dialog.once('destroy', (cause) => {
      endedBy ??= cause === 'remote' ? 'caller hung up' : cause;
      hungUp.abort();
    });
    const digits = new DigitInput();
    c.dialog.on('info', (info) => {
      const key = dtmfFromInfo(info.msg);
      info.respond(200);
      if (key) digits.push(key);
    });
    const teardown = async (reason: string) => {
      endedBy ??= reason;
      hungUp.abort();
      await c.dialog.destroy([reasonHeader(reason)]).catch(() => undefined);
    };
    this.active.set(callId, { rowId: c.rowId, callerTag: c.callerTag, digits, dialog: c.dialog, teardown });
    const calendar = await d.calendar();
    const open = calendar.isStaffed(d.clock.now());
    const event = (kind: 'arrive' | 'hangup', detail: CallEvent['detail']) => d.record({ at: d.clock.now(), callId: c.rowId, kind, queue: null, agent: null, detail });
    event('arrive', { dnis: c.dnis, open });
    let end: ScriptEnd | 'failed';
    let served: { agent: string | null; endedBy: HungUpBy; callbackId: number | null } | undefined;
    try {
      const script = new InboundCall({
        flow: c.flow,
        calendar,
        clock: d.clock,
        prompts: d.prompts,
        digits,
        port: { signal: hungUp.signal, play: (samples, o) => c.leg.endpoint.play(samples, o), hangup: (reason) => teardown(reason) },
        progress: { language: (choice) => void d.calls.setLanguage(c.rowId, choice) },
      });
      end = await script.run();
      if (typeof end === 'object') {
        const caller: CallerLeg = { callId: c.rowId, caller: c.caller, dnis: c.dnis, endpoint: c.leg.endpoint, digits, signal: hungUp.signal, hangup: (reason) => teardown(reason) };
        served = await d.acd.serve(caller, { ...end, busyAt: c.flow.busyAt });
      }
    } catch (e) {
      d.log.error('call flow failed', { callId, error: (e as Error).message });
      end = 'failed';
      await teardown('call flow failed');
    }
    if (!hungUp.signal.aborted) await new Promise((resolve) => hungUp.signal.addEventListener('abort', resolve, { once: true }));
    this.active.delete(callId);
    // Calls the ACD served log their own hang-up; the others (closed hours, gone during the menu) are logged here.
    if (!served) event('hangup', { by: end === 'closed' || end === 'failed' || endedBy !== 'caller hung up' ? 'system' : 'caller' });
    const outcome: CallOutcome =
      end === 'closed' ? 'closed' : end === 'failed' || endedBy === MEDIA_LOST ? 'failed' : served?.agent ? 'completed' : served?.callbackId ? 'callback' : 'abandoned';
    const reason = endedBy ?? (typeof end === 'string' ? end : 'queue');
    await d.calls.end(c.rowId, d.clock.now(), outcome, reason);
    return { outcome, reason, agent: served?.agent ?? null };
  }
}

/** The dialled number (DNIS) as national digits: the Request-URI's user part, `+81` turned into `0`. */
export function dialledNumber(req: IncomingRequest): string | undefined {
  const uri = req.msg.requestUri;
  if (!isSipUri(uri) || uri.user === undefined) return undefined;
  const user = unescape(uri.user).replace(/[-.()]/g, '');
  const national = user.startsWith('+81') ? `0${user.slice(3)}` : user;
  return /^[0-9]{6,15}$/.test(national) ? national : undefined;
}

/** The calling number from P-Asserted-Identity or From; '' when withheld (anonymous). */
export function callerNumber(req: IncomingRequest): string {
  const pai = req.msg.headers.get('p-asserted-identity');
  const fromPai = pai ? /(?:sip|tel):\+?([0-9]+)/.exec(pai)?.[1] : undefined;
  const from = req.msg.from.uri;
  const user = fromPai ?? (isSipUri(from) && from.user !== undefined ? unescape(from.user) : '');
  return /^\+?[0-9]{1,20}$/.test(user) ? user.replace(/^\+81/, '0') : '';
}

function offersG711(sdp: Sdp): boolean {
  return sdp.media.some(
    (m) => m.media === 'audio' && m.port !== 0 && m.formats.some((f) => f === '0' || f === '8' || m.rtpmaps.some((r) => String(r.pt) === f && /^PCM[UA]$/i.test(r.encoding))),
  );
}

/** A Warning header's quoted text (RFC 3261 §20.43) cannot hold quotes or line breaks. */
function warningText(s: string): string {
  return s.replace(/["\\\r\n]/g, ' ').slice(0, 120);
}

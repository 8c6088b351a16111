/**
 * 特番 (T6): an operator changes its ACD state from the softphone by dialling a code, as on a PBX. The call is
 * answered, two short high beeps confirm the change, one low tone says it could not be made (a state the
 * operator cannot go to now), and the appliance hangs up. The operator is the SIP user that authenticated.
 */
import { answerWithEndpoint } from '../../media/endpoint-leg.js';
import { sineTone } from '../../media/rtp/tone.js';
import type { IncomingRequest } from '../../sip/core/incoming-request.js';
import type { SipStack } from '../../sip/core/stack.js';
import type { Logger } from '../logger.js';
import type { MediaPlane } from '../callflow/trunk-calls.js';
import type { Acd } from './acd.js';
import type { AgentStatus } from './agent-state.js';

type Change = (acd: Acd, agent: string) => AgentStatus;

/** The codes, dialled as the Request-URI's user part. */
export const FEATURE_CODES: Readonly<Record<string, { label: string; change: Change }>> = {
  '*11': { label: 'ログイン・受付可', change: (acd, a) => acd.setState(a, 'ready', { contact: { kind: 'softphone' } }) },
  '*12': { label: '離席（休憩）', change: (acd, a) => acd.setState(a, 'not_ready', { reason: 'break', contact: { kind: 'softphone' } }) },
  '*13': { label: '離席（研修）', change: (acd, a) => acd.setState(a, 'not_ready', { reason: 'training', contact: { kind: 'softphone' } }) },
  '*14': { label: '離席（会議）', change: (acd, a) => acd.setState(a, 'not_ready', { reason: 'meeting', contact: { kind: 'softphone' } }) },
  '*15': { label: '後処理終了', change: (acd, a) => acd.endWrapUp(a) },
  '*19': { label: 'ログアウト', change: (acd, a) => acd.setState(a, 'logged_out') },
};

const GAP = new Int16Array(800);
const CONFIRM = concat([sineTone(1400, 150), GAP, sineTone(1400, 150), GAP]);
const REFUSE = concat([sineTone(400, 700), GAP]);

export function isFeatureCode(user: string): boolean {
  return Object.hasOwn(FEATURE_CODES, user);
}

export class FeatureCodes {
  constructor(private readonly d: { stack: SipStack; media: MediaPlane; acd: Acd; log: Logger }) {}

  async handle(req: IncomingRequest, agent: string, code: string): Promise<void> {
    const { d } = this;
    const feature = FEATURE_CODES[code]!;
    // Without media the phone could not hear the outcome: nothing is changed and it may dial again.
    if (!d.media.isUp()) {
      req.respond(503, { reason: 'Media Unavailable', headers: [['Retry-After', 30]] });
      return;
    }
    if (!req.msg.body.length) {
      req.respond(488, { reason: 'Offer Required' });
      return;
    }
    let ok: boolean;
    try {
      const status = feature.change(d.acd, agent);
      d.log.info('agent state by feature code', { agent, code, state: status.state, reason: status.reason });
      ok = true;
    } catch (e) {
      d.log.info('feature code refused', { agent, code, error: (e as Error).message });
      ok = false;
    }
    const msg = req.msg;
    const leg = await answerWithEndpoint({
      ng: d.media.ng,
      ports: d.media.ports,
      clock: d.media.clock,
      address: d.media.address,
      callId: msg.callId,
      callerTag: msg.fromTag ?? '',
      endpointTag: req.tx.responseTag(),
      offer: msg.text,
      record: false,
      sipSourceAddress: req.source.address,
    });
    try {
      const dialog = await d.stack.createUAS(req, { sdp: leg.answer });
      const gone = new AbortController();
      dialog.once('destroy', () => gone.abort());
      await leg.endpoint.play(ok ? CONFIRM : REFUSE, { signal: gone.signal });
      await dialog.destroy();
    } finally {
      leg.endpoint.close();
      await d.media.ng.delete({ callId: msg.callId }).catch(() => undefined);
    }
  }
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

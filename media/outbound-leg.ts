/**
 * A call we place with our own RTP endpoint on our side (an operator's phone, a department over the trunk, an
 * interpreter): the endpoint's offer goes through rtpengine, so the far end meets rtpengine's address like every
 * other leg, and the endpoint can be bridged to the caller's by a mixer. The mirror of endpoint-leg.ts.
 */
import type { IncomingRequest } from '../sip/core/incoming-request.js';
import type { SipStack, UacOptions } from '../sip/core/stack.js';
import type { Dialog } from '../sip/dialog/dialog.js';
import { newCallId } from '../sip/ids.js';
import { parseSdp, serializeSdp } from '../sip/sdp/sdp.js';
import type { FrameClock } from './rtp/frame-clock.js';
import type { PortPool } from './rtp/port-pool.js';
import { RtpEndpoint } from './rtp/rtp-endpoint.js';
import type { NgClient } from './rtpengine/ng-client.js';

/** rtpengine's labels for the two sides of a placed call; only stable per call, not SIP tags. */
const OUR_SIDE = 'endpoint';
const FAR_SIDE = 'far';

/** The call to place: where, as whom, and the signal that cancels it while it rings. */
export type OutboundCall = Pick<UacOptions, 'uri' | 'destination' | 'from' | 'to' | 'headers' | 'auth' | 'signal' | 'onProvisional'>;

export interface OutboundMedia {
  stack: SipStack;
  ng: NgClient;
  ports: PortPool;
  clock?: FrameClock;
  /** Where the endpoint binds (rtpengine reaches it on loopback). */
  address: string;
}

export interface OutboundLeg {
  endpoint: RtpEndpoint;
  dialog: Dialog;
  /** The leg's SIP Call-ID, which is also its call in rtpengine. */
  callId: string;
  /**
   * Hands REFERs from the far end to `handler`, including one that came while the leg was still being set up
   * (a softphone may transfer the instant it answers); until then they wait rather than get 501.
   */
  onRefer(handler: (req: IncomingRequest) => void): void;
  /** Hangs up (when still up), closes the endpoint and frees rtpengine's side. */
  close(): Promise<void>;
}

/**
 * Rings `uri` and resolves once answered. Rejects with the stack's SipError for a final failure (487 when
 * `signal` aborted it), leaving nothing allocated.
 */
export async function callWithEndpoint(o: OutboundMedia, call: OutboundCall): Promise<OutboundLeg> {
  const callId = newCallId(o.address);
  const endpoint = await RtpEndpoint.open({ address: o.address, ports: o.ports, ...(o.clock ? { clock: o.clock } : {}) });
  const free = async () => {
    endpoint.close();
    await o.ng.delete({ callId }).catch(() => undefined);
  };
  let dialog: Dialog;
  const early: IncomingRequest[] = [];
  const hold = (req: IncomingRequest) => early.push(req);
  try {
    const toFar = await o.ng.offer({ callId, fromTag: OUR_SIDE, sdp: serializeSdp(endpoint.offer()) });
    dialog = await o.stack.createUAC({ ...call, callId, sdp: toFar.sdp });
    dialog.on('refer', hold);
    const toUs = await o.ng.answer({ callId, fromTag: OUR_SIDE, toTag: FAR_SIDE, sdp: dialog.remoteSdp ?? '', record: false });
    endpoint.applyAnswer(parseSdp(toUs.sdp));
  } catch (e) {
    await free();
    throw e;
  }
  // A re-INVITE from the far end (hold, a new address) is relayed through rtpengine and answered by the endpoint.
  dialog.onModify = async (offer) => {
    if (offer === undefined) return dialog.localSdp;
    const toUs = await o.ng.offer({ callId, fromTag: FAR_SIDE, sdp: offer });
    const ours = serializeSdp(endpoint.answer(parseSdp(toUs.sdp)));
    return (await o.ng.answer({ callId, fromTag: FAR_SIDE, toTag: OUR_SIDE, sdp: ours, record: false })).sdp;
  };
  dialog.once('destroy', () => {
    for (const req of early.splice(0)) req.respond(481);
    void free();
  });
  return {
    endpoint,
    dialog,
    callId,
    onRefer: (handler) => {
      dialog.off('refer', hold);
      dialog.on('refer', handler);
      for (const req of early.splice(0)) handler(req);
    },
    close: async () => {
      await dialog.destroy().catch(() => undefined);
      await free();
    },
  };
}

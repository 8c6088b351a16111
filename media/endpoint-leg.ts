/**
 * A caller's offer answered by our own RTP endpoint, with rtpengine in between: the caller's media is
 * anchored (and recorded) in rtpengine like every other leg, and the endpoint on the far side plays prompts
 * and hears the caller (IVR, voicebot). The caller gets rtpengine's SDP, never the endpoint's.
 */
import { parseSdp, serializeSdp } from '../sip/sdp/sdp.js';
import type { FrameClock } from './rtp/frame-clock.js';
import type { PortPool } from './rtp/port-pool.js';
import { RtpEndpoint } from './rtp/rtp-endpoint.js';
import type { NgClient } from './rtpengine/ng-client.js';

export interface EndpointLegOptions {
  ng: NgClient;
  ports: PortPool;
  clock?: FrameClock;
  /** Where the endpoint binds (rtpengine reaches it on loopback). */
  address: string;
  callId: string;
  callerTag: string;
  /** The tag our side answers with: the SIP To tag of the caller's dialog. */
  endpointTag: string;
  /** The caller's SDP offer. */
  offer: string;
  /** Record from the answer on (T8). */
  record: boolean;
  /** Where the caller's INVITE came from, for a caller behind NAT. */
  sipSourceAddress?: string;
}

export interface EndpointLeg {
  endpoint: RtpEndpoint;
  /** The answer to send the caller: rtpengine's address and port. */
  answer: string;
  /** rtpengine's port facing the caller: what arrives there is the caller's voice (recording's left channel). */
  callerPort: number;
}

/**
 * Offers the caller's SDP to rtpengine, answers rtpengine's side with the endpoint, and returns the SDP for
 * the caller. Throws the endpoint's SdpNegotiationError when no G.711 codec is left (488), or the ng
 * client's errors; nothing is left allocated then.
 */
export async function answerWithEndpoint(o: EndpointLegOptions): Promise<EndpointLeg> {
  const toEndpoint = await o.ng.offer({ callId: o.callId, fromTag: o.callerTag, sdp: o.offer, ...(o.sipSourceAddress ? { sipSourceAddress: o.sipSourceAddress } : {}) });
  let endpoint: RtpEndpoint | undefined;
  try {
    endpoint = await RtpEndpoint.open({ address: o.address, ports: o.ports, ...(o.clock ? { clock: o.clock } : {}) });
    const local = endpoint.answer(parseSdp(toEndpoint.sdp));
    const toCaller = await o.ng.answer({ callId: o.callId, fromTag: o.callerTag, toTag: o.endpointTag, sdp: serializeSdp(local), record: o.record });
    const audio = parseSdp(toCaller.sdp).media.find((m) => m.media === 'audio');
    if (!audio) throw new Error('rtpengine answered without an audio stream');
    return { endpoint, answer: toCaller.sdp, callerPort: audio.port };
  } catch (e) {
    endpoint?.close();
    await o.ng.delete({ callId: o.callId }).catch(() => undefined);
    throw e;
  }
}

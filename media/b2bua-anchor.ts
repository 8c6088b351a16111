/**
 * Media of a B2BUA call anchored in rtpengine (T8, T13): each SDP crossing the B2BUA is an offer or an answer
 * to rtpengine under the A leg's Call-ID, with one tag per leg, so re-INVITEs from either side and a transfer
 * that replaces a leg keep the media in rtpengine. The answer turns recording on, so a call is recorded from
 * its answer to its end.
 */
import type { SdpTransform } from '../sip/core/b2bua.js';
import { parseSdp } from '../sip/sdp/sdp.js';
import type { NgClient } from './rtpengine/ng-client.js';

export interface AnchorOptions {
  callId: string;
  /** The caller's From tag. */
  aTag: string;
  /** A label for the B side; it need not be the B leg's SIP tag, only stable for the call. */
  bTag: string;
  record: boolean;
  /** Where each leg's SIP came from, for phones behind NAT. */
  sipSource?: { a?: string; b?: string };
}

export interface B2buaAnchor {
  transform: SdpTransform;
  /** rtpengine's port facing the caller (A leg), once an SDP was sent to it: the recording's left channel. */
  readonly callerPort: number | undefined;
}

export function anchorB2bua(ng: NgClient, o: AnchorOptions): B2buaAnchor {
  const tags = { a: o.aTag, b: o.bTag };
  let callerPort: number | undefined;
  const transform: SdpTransform = async (sdp, toLeg, kind) => {
    if (sdp === undefined) return undefined;
    const fromLeg = toLeg === 'a' ? 'b' : 'a';
    const source = o.sipSource?.[fromLeg];
    const nat = source ? { sipSourceAddress: source } : {};
    // rtpengine names the offerer by from-tag in both the offer and its answer.
    const result =
      kind === 'offer'
        ? await ng.offer({ callId: o.callId, fromTag: tags[fromLeg], sdp, ...nat })
        : await ng.answer({ callId: o.callId, fromTag: tags[toLeg], toTag: tags[fromLeg], sdp, record: o.record, ...nat });
    if (toLeg === 'a') callerPort = parseSdp(result.sdp).media.find((m) => m.media === 'audio')?.port ?? callerPort;
    return result.sdp;
  };
  return {
    transform,
    get callerPort() {
      return callerPort;
    },
  };
}

/**
 * Who may place calls through the appliance and where they go: a call from a trunk (after its digest, when
 * it has one) goes to the call flow (trunk-calls.ts); softphones authenticate by digest (407) and reach
 * another registered softphone by its SIP user name, through a B2BUA whose media is anchored and recorded
 * (T8) by `media`; a feature code (T6) dialled by an operator changes its ACD state.
 */
import type { SdpTransform } from '../../sip/core/b2bua.js';
import type { IncomingRequest } from '../../sip/core/incoming-request.js';
import type { SipStack } from '../../sip/core/stack.js';
import { isSipUri, unescape, type SipUri } from '../../sip/message/uri.js';
import type { LocationService } from '../../sip/registrar/location.js';
import type { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import type { TrunkMonitor } from '../../sip/trunk/trunks.js';
import type { SipUserState } from '../accounts/sip-directory.js';
import type { Logger } from '../logger.js';

export interface SoftphoneCallDeps {
  stack: SipStack;
  location: LocationService;
  auth: RequestAuthenticator;
  trunks: TrunkMonitor;
  userState: (sipUser: string) => Promise<SipUserState>;
  log: Logger;
  /** A trunk's call once the trunk is recognised (and authenticated). */
  trunkCall: (req: IncomingRequest) => Promise<void>;
  media: SoftphoneMedia;
  /** Codes an operator dials to change its ACD state (apps/acd/feature-codes.ts), answered instead of routed. */
  features: { matches(user: string): boolean; handle(req: IncomingRequest, agent: string, code: string): Promise<void> };
}

/** The media side of one softphone call: how its SDP is rewritten, and what happens when it is answered and ends. */
export interface CallMedia {
  transform: SdpTransform;
  /** Connected; `hangUp` ends both legs (when the media plane goes away). */
  answered(hangUp: () => Promise<void>): Promise<void>;
  /** The call never connected (the callee refused, the caller cancelled). */
  failed(reason: string): Promise<void>;
  ended(reason: string): Promise<void>;
}

export interface SoftphoneMedia {
  /** While false, calls are refused with 503 (the media plane is down). */
  isUp(): boolean;
  begin(req: IncomingRequest, call: { caller: string; callee: string; calleeSource: string }): Promise<CallMedia>;
}

export function routeSoftphoneCalls(deps: SoftphoneCallDeps): (req: IncomingRequest) => Promise<void> {
  const { stack, location, auth, trunks, userState, log, media } = deps;
  return async (req) => {
    const trunk = trunks.match(req.source);
    if (trunk) {
      if (trunk.digestUser) {
        const user = await auth.authenticate(req);
        if (user === undefined) return;
        if (user !== trunk.digestUser) {
          req.respond(403, { reason: 'Not This Trunk' });
          return;
        }
      }
      await deps.trunkCall(req);
      return;
    }
    const caller = await auth.authenticate(req);
    if (caller === undefined) return;
    const uri = req.msg.requestUri;
    if (!isSipUri(uri) || uri.user === undefined) {
      req.respond(404);
      return;
    }
    const callee = unescape(uri.user);
    if (deps.features.matches(callee)) {
      await deps.features.handle(req, caller, callee);
      return;
    }
    // A disabled account's softphone may still hold a binding until it expires: it is not reachable (O4).
    const state = await userState(callee);
    if (state !== 'active') {
      req.respond(404);
      return;
    }
    const binding = location.lookup(callee)[0];
    if (!binding) {
      req.respond(480);
      return;
    }
    if (!media.isUp()) {
      req.respond(503, { reason: 'Media Unavailable', headers: [['Retry-After', 30]] });
      return;
    }
    const from = presentedIdentity(req, caller, uri);
    const callMedia = await media.begin(req, { caller, callee, calleeSource: binding.source.address });
    let call;
    try {
      call = await stack.createB2BUA(req, { uri: binding.contact, destination: binding.source, sdp: callMedia.transform, ...(from ? { from } : {}) });
    } catch (e) {
      await callMedia.failed((e as Error).message);
      throw e;
    }
    await callMedia.answered(() => call.destroy());
    log.info('call connected', { callId: req.msg.callId, caller, callee });
    call.on('end', (leg, cause) => {
      log.info('call ended', { callId: req.msg.callId, caller, callee, leg, cause });
      void callMedia.ended(`${leg === 'a' ? caller : callee}: ${cause}`);
    });
  };
}

/**
 * The From the callee sees when the caller's own does not name the user who authenticated: that user at the
 * same host (the Request-URI's if From is no SIP URI), without the display name that came with the other
 * identity. Undefined when From is honest: it is then relayed as written. Otherwise any operator could ring a
 * colleague as someone else.
 */
function presentedIdentity(req: IncomingRequest, caller: string, requestUri: SipUri): string | undefined {
  const from = req.msg.from.uri;
  if (isSipUri(from) && from.user !== undefined && unescape(from.user) === caller) return undefined;
  return `<sip:${encodeURIComponent(caller)}@${isSipUri(from) ? from.host : requestUri.host}>`;
}

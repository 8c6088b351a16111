/**
 * Who may place calls through the appliance and where they go, until the IVR and queues (issues 4, 5)
 * take over the carrier's calls: softphones authenticate by digest (407) and reach another registered
 * softphone by its SIP user name, through a B2BUA so the appliance stays in every call it will record.
 * A call from a trunk is refused with 480 until the call flow exists.
 */
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
}

export function routeSoftphoneCalls(deps: SoftphoneCallDeps): (req: IncomingRequest) => Promise<void> {
  const { stack, location, auth, trunks, userState, log } = deps;
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
      req.respond(480, { reason: 'No Call Flow Yet' });
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
    const from = presentedIdentity(req, caller, uri);
    const call = await stack.createB2BUA(req, { uri: binding.contact, destination: binding.source, ...(from ? { from } : {}) });
    log.info('call connected', { callId: req.msg.callId, caller, callee });
    call.on('end', (leg, cause) => log.info('call ended', { callId: req.msg.callId, caller, callee, leg, cause }));
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

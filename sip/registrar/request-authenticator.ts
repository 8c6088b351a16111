/**
 * Challenges a request with digest (RFC 3261 §22.1): 401 with WWW-Authenticate for REGISTER (a registrar
 * is a UAS), 407 with Proxy-Authenticate for calls placed through the appliance (it acts as the proxy of its
 * softphones). Answers the challenge itself, so callers only see the authenticated user or nothing.
 */
import type { DigestServer } from '../auth/digest-server.js';
import type { SipCounters } from '../counters.js';
import type { IncomingRequest } from '../core/incoming-request.js';

export class RequestAuthenticator {
  constructor(
    private readonly digest: DigestServer,
    private readonly counters: SipCounters,
  ) {}

  /** The authenticated user name, or undefined after a challenge or refusal went out. */
  async authenticate(req: IncomingRequest): Promise<string | undefined> {
    const proxy = req.method !== 'REGISTER';
    const msg = req.msg;
    const authorization = msg.headers.get(proxy ? 'proxy-authorization' : 'authorization');
    const verdict = await this.digest.verify({ method: msg.method, authorization, requestUri: msg.uri });
    if (verdict.ok) {
      req.user = verdict.user;
      return verdict.user;
    }
    // Failures are credentials that do not check out. A stale nonce comes with a correct digest (the phone knows
    // the password: every refresh after the nonce lifetime meets one), so counting it would drown real failures.
    if (authorization !== undefined && !verdict.stale) this.counters.count('authFailures');
    const header = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    req.respond(proxy ? 407 : 401, { headers: this.digest.challenge(verdict.stale).map((c): [string, string] => [header, c]) });
    return undefined;
  }
}

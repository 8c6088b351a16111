/**
 * The server side of SIP digest authentication (RFC 3261 §22.4, RFC 7616 §3.3, RFC 8760): the challenges of
 * a 401/407 and the verification of the credentials that answer them. Passwords are never seen: `lookup`
 * returns the stored HA1 for the algorithm the client chose.
 */
import { type DigestParams, DigestSyntaxError, formatDigest, parseDigest } from './digest-params.js';
import { type DigestAlgorithm, digestResponse, parseAlgorithm, parseNonceCount, safeEqual } from './digest.js';
import { NonceIssuer } from './nonce-issuer.js';

export interface DigestServerOptions {
  realm: string;
  /** HA1 in hex for the user, or undefined if there is no such user. */
  lookup: (user: string, realm: string, algorithm: DigestAlgorithm) => Promise<string | undefined>;
  /**
   * Algorithms challenged with, preferred first (RFC 8760: SHA-256 then MD5). Some clients (sipp, older
   * softphones) answer only the first challenge, so a site with such devices lists MD5 first.
   */
  algorithms?: readonly DigestAlgorithm[];
  nonceLifetimeMs?: number;
  now?: () => number;
}

export type DigestVerdict = { ok: true; user: string } | { ok: false; stale: boolean; reason: string };

export interface VerifyInput {
  method: string;
  /** The Authorization (or Proxy-Authorization) header value, if the request had one. */
  authorization: string | undefined;
  requestUri?: string;
}

// RFC 8760 §2 (UAS behaviour): one header field per algorithm, the most preferred first.
export const DEFAULT_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

export class DigestServer {
  private readonly realm: string;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly lookup: DigestServerOptions['lookup'];
  private readonly nonces: NonceIssuer;

  constructor(options: DigestServerOptions) {
    this.realm = options.realm;
    this.algorithms = options.algorithms?.length ? options.algorithms : DEFAULT_ALGORITHMS;
    this.lookup = options.lookup;
    this.nonces = new NonceIssuer({ realm: options.realm, lifetimeMs: options.nonceLifetimeMs, now: options.now });
  }

  /** The WWW-Authenticate (or Proxy-Authenticate) values of a 401 (407), one per algorithm. */
  challenge(stale = false): string[] {
    const nonce = this.nonces.issue();
    return this.algorithms.map((algorithm) =>
      formatDigest(
        { realm: this.realm, nonce, algorithm, qop: 'auth', stale: stale ? 'true' : undefined },
        ['algorithm', 'stale'],
      ),
    );
  }

  async verify(input: VerifyInput): Promise<DigestVerdict> {
    const refuse = (reason: string, stale = false): DigestVerdict => ({ ok: false, stale, reason });
    if (input.authorization === undefined) return refuse('no credentials');
    let params: DigestParams;
    try {
      params = parseDigest(input.authorization);
    } catch (err) {
      if (err instanceof DigestSyntaxError) return refuse(err.message);
      throw err;
    }
    const username = params.get('username');
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    const uri = params.get('uri');
    const response = params.get('response');
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return refuse('credentials lack username, realm, nonce, uri or response');
    }
    if (realm !== this.realm) return refuse(`realm ${JSON.stringify(realm)} is not ours`);
    const algorithm = parseAlgorithm(params.get('algorithm'));
    if (!algorithm || !this.algorithms.includes(algorithm)) return refuse(`algorithm ${params.get('algorithm') ?? 'MD5'} is not offered`);
    // We always offer qop=auth; the RFC 2069 form without it would have no nonce count to stop replays.
    if (params.get('qop')?.toLowerCase() !== 'auth') return refuse('qop=auth is required');
    const ncText = params.get('nc');
    const nc = ncText === undefined ? undefined : parseNonceCount(ncText);
    const cnonce = params.get('cnonce');
    if (ncText === undefined || nc === undefined || !cnonce) return refuse('qop=auth needs nc (8 hex digits) and cnonce');
    // The digest covers its own uri parameter; softphones differ in how they spell the Request-URI, so only a
    // digest computed for another scheme or host is refused (RFC 2617 §3.2.2.5 wants the two to match).
    if (input.requestUri !== undefined && !sameSchemeAndHost(uri, input.requestUri)) {
      return refuse(`digest uri ${uri} does not match the request-URI ${input.requestUri}`);
    }

    const ha1 = await this.lookup(username, realm, algorithm);
    if (ha1 === undefined) return refuse(`unknown user ${username}`);
    const expected = digestResponse({ algorithm, ha1, method: input.method, uri, nonce, qop: 'auth', nc: ncText, cnonce });
    if (!safeEqual(expected, response.toLowerCase())) return refuse(`wrong response for ${username}`);

    // Checked last, so that only a correct digest moves the nonce count, and a problem with the nonce alone
    // gets stale=true: the client knows the password and may retry with a fresh nonce (RFC 2617 §3.2.1).
    switch (this.nonces.check(nonce, nc)) {
      case 'ok':
        return { ok: true, user: username };
      case 'stale':
        return refuse('stale nonce', true);
      case 'replay':
        return refuse(`nonce count ${ncText} already used`, true);
      case 'invalid':
        return refuse('nonce not issued by this server', true);
    }
  }
}

/** "scheme:host" of a URI in lower case, for sip:, sips:, tel: and the like; undefined if it has no scheme. */
function schemeAndHost(uri: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(uri.trim());
  if (!m) return undefined;
  const [, scheme = '', rest = ''] = m;
  // The host follows the last "@" (RFC 3261 §25.1: userinfo may hold ";" but not an unescaped "@").
  const hostPart = rest.slice(rest.lastIndexOf('@') + 1);
  const host = /^(\[[^\]]*\]|[^:;?>]*)/.exec(hostPart)?.[1] ?? '';
  return `${scheme.toLowerCase()}:${host.toLowerCase()}`;
}

function sameSchemeAndHost(a: string, b: string): boolean {
  const x = schemeAndHost(a);
  return x !== undefined && x === schemeAndHost(b);
}

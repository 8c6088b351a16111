/**
 * The client side of SIP digest authentication (RFC 3261 §22.2-22.3): the credentials answering the
 * challenges of a 401 or 407, as when registering to a trunk.
 */
import { randomBytes } from 'node:crypto';
import { type DigestParams, DigestSyntaxError, formatDigest, parseDigest, parseList } from './digest-params.js';
import { type DigestAlgorithm, digestResponse, formatNonceCount, ha1, parseAlgorithm } from './digest.js';

export interface ChallengeAnswerInput {
  /** The WWW-Authenticate (or Proxy-Authenticate) values of the response. */
  challenges: string[];
  method: string;
  /** The Request-URI of the request being resent (RFC 3261 §22.4: the digest uri). */
  uri: string;
  user: string;
  password: string;
  /** Fresh random by default; given only by tests. */
  cnonce?: string;
  /** How many requests this nonce has served, this one included; 1 by default. */
  nc?: number;
}

interface Usable {
  params: DigestParams;
  algorithm: DigestAlgorithm;
  realm: string;
  nonce: string;
}

/** The Authorization (or Proxy-Authorization) value answering the strongest usable challenge. */
export function answerChallenge(input: ChallengeAnswerInput): string {
  const usable = input.challenges.flatMap((value): Usable[] => {
    let params: DigestParams;
    try {
      params = parseDigest(value);
    } catch (err) {
      // Another scheme or a garbled challenge may sit next to a good one.
      if (err instanceof DigestSyntaxError) return [];
      throw err;
    }
    const algorithm = parseAlgorithm(params.get('algorithm'));
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    return algorithm && realm !== undefined && nonce !== undefined ? [{ params, algorithm, realm, nonce }] : [];
  });
  // SHA-256 whenever offered: RFC 8760 §2 (UAC behaviour) takes the topmost supported challenge unless a
  // local policy says otherwise, and this one keeps a misordered 401 from downgrading us to MD5.
  const chosen = usable.find((c) => c.algorithm === 'SHA-256') ?? usable[0];
  if (!chosen) throw new DigestSyntaxError('no usable Digest challenge (MD5 or SHA-256 with realm and nonce)');
  const { params, algorithm, realm, nonce } = chosen;
  const offered = params.get('qop');
  const qop = offered === undefined ? undefined : parseList(offered).some((q) => q.toLowerCase() === 'auth') ? 'auth' : null;
  if (qop === null) throw new DigestSyntaxError(`challenge offers qop="${offered}" but not auth`);

  const cnonce = qop ? (input.cnonce ?? randomBytes(16).toString('hex')) : undefined;
  const nc = qop ? formatNonceCount(input.nc ?? 1) : undefined;
  const response = digestResponse({
    algorithm,
    ha1: ha1(algorithm, input.user, realm, input.password),
    method: input.method,
    uri: input.uri,
    nonce,
    qop,
    nc,
    cnonce,
  });
  // RFC 3261 §25.1 (dig-resp): algorithm, qop (message-qop) and nc are tokens, the rest quoted strings;
  // opaque goes back unchanged (RFC 7616 §3.4).
  return formatDigest(
    {
      username: input.user,
      realm,
      nonce,
      uri: input.uri,
      response,
      algorithm,
      cnonce,
      opaque: params.get('opaque'),
      qop,
      nc,
    },
    ['algorithm', 'qop', 'nc'],
  );
}

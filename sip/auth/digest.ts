/**
 * Digest computations of RFC 2617 §3.2.2 / RFC 7616 §3.4 as SIP uses them (RFC 3261 §22.4), with the
 * SHA-256 algorithm of RFC 8760. Only qop=auth and the legacy RFC 2069 form without qop: SIP has no use
 * for auth-int, and the -sess variants are left out as neither our server nor the usual peers offer them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** RFC 7616 §3.3: the algorithm name is case-insensitive and absent means MD5; undefined for unsupported ones. */
export function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  switch ((value ?? 'MD5').toUpperCase()) {
    case 'MD5':
      return 'MD5';
    case 'SHA-256':
      return 'SHA-256';
    default:
      return undefined;
  }
}

function h(algorithm: DigestAlgorithm, data: string): string {
  return createHash(NODE_HASH[algorithm]).update(data, 'utf8').digest('hex');
}

/** HA1 = H(username:realm:password), what the registrar stores instead of the password. */
export function ha1(algorithm: DigestAlgorithm, user: string, realm: string, password: string): string {
  return h(algorithm, `${user}:${realm}:${password}`);
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: 'auth';
  /** Nonce count as sent on the wire: 8 hex digits (see formatNonceCount). */
  nc?: string;
  cnonce?: string;
}

/** The request-digest: H(HA1:nonce:nc:cnonce:qop:HA2) with qop=auth, H(HA1:nonce:HA2) without qop. */
export function digestResponse(input: DigestResponseInput): string {
  const { algorithm, method, uri, nonce, qop, nc, cnonce } = input;
  const ha2 = h(algorithm, `${method}:${uri}`);
  // HA1 is hex: peers and databases may spell it in upper case, the digest is defined on lower case.
  const ha1 = input.ha1.toLowerCase();
  if (qop === undefined) return h(algorithm, `${ha1}:${nonce}:${ha2}`);
  if (nc === undefined || cnonce === undefined) throw new Error('digestResponse: qop=auth needs nc and cnonce');
  return h(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
}

/** RFC 7616 §3.4: nc is the count of requests sent with a nonce, in 8 hexadecimal digits. */
export function formatNonceCount(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`nonce count out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

/** The nonce count of an nc parameter, or undefined if it is not 8 hexadecimal digits. */
export function parseNonceCount(nc: string): number | undefined {
  return /^[0-9a-fA-F]{8}$/.test(nc) ? parseInt(nc, 16) : undefined;
}

/** Compares secrets in time independent of where they differ; only the length may leak. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * SIP digest credentials (RFC 3261 §22.4, RFC 8760): the registrar only needs HA1 = H(user:realm:password),
 * stored for MD5 and SHA-256 so softphones of either kind register, and the password itself is not kept.
 */
import { createHash } from 'node:crypto';

export function ha1(algorithm: 'md5' | 'sha256', user: string, realm: string, password: string): string {
  return createHash(algorithm).update(`${user}:${realm}:${password}`).digest('hex');
}

export function sipCredentials(user: string, realm: string, password: string): { ha1Md5: string; ha1Sha256: string } {
  return { ha1Md5: ha1('md5', user, realm, password), ha1Sha256: ha1('sha256', user, realm, password) };
}

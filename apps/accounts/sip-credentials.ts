/**
 * SIP digest credentials (RFC 3261 §22.4, RFC 8760): the registrar only needs HA1 = H(user:realm:password),
 * stored for MD5 and SHA-256 so softphones of either kind register, and the password itself is not kept.
 */
import { ha1 } from '../../sip/auth/digest.js';

export function sipCredentials(user: string, realm: string, password: string): { ha1Md5: string; ha1Sha256: string } {
  return { ha1Md5: ha1('MD5', user, realm, password), ha1Sha256: ha1('SHA-256', user, realm, password) };
}

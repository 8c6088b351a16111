/**
 * The registrar's view of accounts: the stored HA1 of a SIP user for the digest check, refused for
 * disabled users and for another realm, so switching an account off (O4) also stops its softphone.
 */
import type { UsersRepository } from '../../db/repositories/users.js';

export type Ha1Lookup = (user: string, realm: string, algorithm: 'MD5' | 'SHA-256') => Promise<string | undefined>;

export function sipHa1Lookup(users: UsersRepository): Ha1Lookup {
  return async (sipUser, realm, algorithm) => {
    const account = await users.sipAccount(sipUser);
    if (!account || account.realm !== realm) return undefined;
    const user = await users.byId(account.userId);
    if (!user || user.disabledAt) return undefined;
    return algorithm === 'SHA-256' ? account.ha1Sha256 : account.ha1Md5;
  };
}

/** A SIP user as call routing sees it: reachable only when the account exists and is not disabled. */
export type SipUserState = 'active' | 'disabled' | 'missing';

export async function sipUserState(users: UsersRepository, sipUser: string): Promise<SipUserState> {
  const account = await users.sipAccount(sipUser);
  if (!account) return 'missing';
  const user = await users.byId(account.userId);
  return user && !user.disabledAt ? 'active' : 'disabled';
}

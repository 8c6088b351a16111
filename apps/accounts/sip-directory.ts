/**
 * The registrar's and call routing's view of accounts: a SIP account counts only while its user is not
 * disabled, so switching an account off (O4) stops its softphone registering and being rung.
 */
import type { SipAccount, UsersRepository } from '../../db/repositories/users.js';

export type Ha1Lookup = (user: string, realm: string, algorithm: 'MD5' | 'SHA-256') => Promise<string | undefined>;

/** A SIP user as call routing sees it: reachable only when the account exists and is not disabled. */
export type SipUserState = 'active' | 'disabled' | 'missing';

async function account(users: UsersRepository, sipUser: string): Promise<{ state: SipUserState; account?: SipAccount }> {
  const found = await users.sipAccount(sipUser);
  if (!found) return { state: 'missing' };
  const user = await users.byId(found.userId);
  return { state: user && !user.disabledAt ? 'active' : 'disabled', account: found };
}

/** The stored HA1 for the digest check; none for a disabled user or another realm. */
export function sipHa1Lookup(users: UsersRepository): Ha1Lookup {
  return async (sipUser, realm, algorithm) => {
    const found = await account(users, sipUser);
    if (found.state !== 'active' || found.account?.realm !== realm) return undefined;
    return algorithm === 'SHA-256' ? found.account.ha1Sha256 : found.account.ha1Md5;
  };
}

export async function sipUserState(users: UsersRepository, sipUser: string): Promise<SipUserState> {
  return (await account(users, sipUser)).state;
}

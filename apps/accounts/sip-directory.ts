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

/** Whether a SIP user exists (404 versus 480 for a call to someone not registered). */
export async function sipUserExists(users: UsersRepository, sipUser: string): Promise<boolean> {
  return (await users.sipAccount(sipUser)) !== undefined;
}

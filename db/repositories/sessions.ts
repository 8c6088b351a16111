/** Console sessions and the login attempts that throttling counts. */
import type { Db } from '../connection.js';

export interface Session {
  id: string;
  userId: number;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async create(s: Session & { ip: string | null; userAgent: string | null }): Promise<void> {
    await this.db('sessions').insert({
      id: s.id,
      user_id: s.userId,
      csrf_token: s.csrfToken,
      created_at: s.createdAt,
      last_seen_at: s.lastSeenAt,
      expires_at: s.expiresAt,
      ip: s.ip,
      user_agent: s.userAgent,
    });
  }

  async get(id: string): Promise<Session | undefined> {
    const r = await this.db('sessions').where({ id }).first();
    return r ? { id: r.id, userId: r.user_id, csrfToken: r.csrf_token, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at } : undefined;
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.db('sessions').where({ id }).update({ last_seen_at: now.toISOString() });
  }

  async delete(id: string): Promise<void> {
    await this.db('sessions').where({ id }).delete();
  }

  /** End every session of a user (password change, disabling); returns how many. */
  async deleteForUser(userId: number, trx: Db = this.db): Promise<number> {
    return trx('sessions').where({ user_id: userId }).delete();
  }

  /** Delete sessions past their absolute expiry or idle since `idleBefore`; returns how many. */
  async deleteExpired(now: Date, idleBefore: Date): Promise<number> {
    return this.db('sessions').where('expires_at', '<=', now.toISOString()).orWhere('last_seen_at', '<=', idleBefore.toISOString()).delete();
  }

  async recordAttempt(a: { username: string; ip: string; ok: boolean }, now: Date): Promise<void> {
    await this.db('login_attempts').insert({ ...a, at: now.toISOString() });
  }

  /**
   * Failed attempts after `since` for a user name, or from an address. A user name's count starts over
   * after its last success (the owner got in); an address's does not, so an attacker holding one valid
   * account cannot reset the limit of the address it guesses other accounts from.
   */
  async failuresSince(key: { username: string } | { ip: string }, since: Date): Promise<{ count: number; last: string | null }> {
    let from = since.toISOString();
    if ('username' in key) {
      const lastOk = await this.db('login_attempts').where({ username: key.username, ok: true }).max('at as at').first();
      const okAt = (lastOk?.at as string | null) ?? '';
      if (okAt > from) from = okAt;
    }
    const r = await this.db('login_attempts').where(key).where({ ok: false }).where('at', '>', from).count('* as n').max('at as last').first();
    return { count: Number(r?.n ?? 0), last: (r?.last as string | null) ?? null };
  }

  async pruneAttempts(before: Date): Promise<number> {
    return this.db('login_attempts').where('at', '<', before.toISOString()).delete();
  }
}

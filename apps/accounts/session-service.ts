/**
 * Console sessions (O4): the browser holds a random 32-byte token; the database holds only its SHA-256,
 * so a copied database file opens no session. Each session has its own CSRF token, an absolute lifetime
 * and an idle limit; a session past either is deleted when it is next seen, and by `sweep`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { SessionsRepository } from '../../db/repositories/sessions.js';
import { UsersRepository, type User } from '../../db/repositories/users.js';
import type { Clock } from '../time/clock.js';

export interface SessionPolicy {
  sessionHours: number;
  idleMinutes: number;
}

export interface ActiveSession {
  id: string;
  user: User;
  csrfToken: string;
  expiresAt: Date;
}

export const newToken = (): string => randomBytes(32).toString('base64url');

/** Whether a string has the shape of a `newToken()`: anything else from a cookie is ignored unread. */
export const isToken = (s: string | undefined): s is string => s !== undefined && /^[A-Za-z0-9_-]{43}$/.test(s);

const sessionId = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Constant-time comparison of two tokens, false when either is missing. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionService {
  private readonly sessions: SessionsRepository;
  private readonly users: UsersRepository;
  private readonly audit: AuditRepository;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
  ) {
    this.sessions = new SessionsRepository(db);
    this.users = new UsersRepository(db);
    this.audit = new AuditRepository(db);
  }

  /** A new session for a user who just logged in; the token goes into the cookie and nowhere else. */
  async start(user: User, meta: { ip: string | null; userAgent: string | null }): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = newToken();
    const csrfToken = newToken();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.policy.sessionHours * 3600_000);
    await this.sessions.create({
      id: sessionId(token),
      userId: user.id,
      csrfToken,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 256) ?? null,
    });
    return { token, csrfToken, expiresAt };
  }

  /** The live session of a cookie token, marked as used now; undefined when absent, expired or disabled. */
  async resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!isToken(token)) return undefined;
    const id = sessionId(token);
    const s = await this.sessions.get(id);
    if (!s) return undefined;
    const now = this.clock.now();
    const idleEnd = new Date(s.lastSeenAt).getTime() + this.policy.idleMinutes * 60_000;
    const user = await this.users.byId(s.userId);
    if (now >= new Date(s.expiresAt) || now.getTime() >= idleEnd || !user || user.disabledAt) {
      await this.sessions.delete(id);
      return undefined;
    }
    await this.sessions.touch(id, now);
    return { id, user, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt) };
  }

  async end(session: ActiveSession, ip: string | null): Promise<void> {
    await this.sessions.delete(session.id);
    const u = session.user;
    await this.audit.append({ actorId: u.id, actor: u.username, ip, action: 'logout', entity: 'user', entityId: u.id }, this.clock.now());
  }

  /** Delete every session past its lifetime or idle limit; returns how many. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    return this.sessions.deleteExpired(now, new Date(now.getTime() - this.policy.idleMinutes * 60_000));
  }
}

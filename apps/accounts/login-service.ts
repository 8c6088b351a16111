/**
 * Logging in to the console (O4, O7): password check with throttling, and every outcome in the audit log.
 * A user name is locked for `lockMinutes` once it has `maxFailures` failures within `failureWindowMinutes`;
 * an address gets a higher limit, since one centre PC is shared by many staff. Unknown names are counted
 * and locked like real ones, and a scrypt check always runs, so neither answers nor timing tell which
 * names exist.
 */
import type { Db } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { SessionsRepository } from '../../db/repositories/sessions.js';
import { UsersRepository, type User } from '../../db/repositories/users.js';
import type { Clock } from '../time/clock.js';
import { formatJst, jstDate, jstParts } from '../time/jst.js';
import { UNUSABLE_HASH, verifyPassword } from './password.js';

export interface LoginPolicy {
  maxFailures: number;
  failureWindowMinutes: number;
  lockMinutes: number;
}

/** How many times the per-name limit one address may fail before it is locked too. */
export const ADDRESS_LIMIT_FACTOR = 4;

export type LoginResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' | 'disabled' | 'locked'; message: string; lockedUntil?: Date };

type AttemptKey = { username: string } | { ip: string };

const MINUTE = 60_000;
const INVALID = 'ユーザー名またはパスワードが違います (wrong user name or password)';
const DISABLED = 'このアカウントは無効になっています。管理者に連絡してください (account disabled)';

/** Names are compared as accounts are created: trimmed, lower case; the cap keeps junk input out of the table. */
function normaliseUsername(s: string): string {
  return s.trim().toLowerCase().slice(0, 64);
}

export class LoginService {
  private readonly users: UsersRepository;
  private readonly sessions: SessionsRepository;
  private readonly audit: AuditRepository;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly policy: LoginPolicy,
    private readonly verify: (password: string, hash: string) => Promise<boolean> = verifyPassword,
  ) {
    this.users = new UsersRepository(db);
    this.sessions = new SessionsRepository(db);
    this.audit = new AuditRepository(db);
  }

  /**
   * The end of the lock on a name or address, or null when it is not locked. The failures are counted in
   * the window ending at the latest one, so a lock lasts its full time even when the window is shorter.
   */
  private async lockedUntil(key: AttemptKey, now: Date): Promise<Date | null> {
    const limit = 'ip' in key ? this.policy.maxFailures * ADDRESS_LIMIT_FACTOR : this.policy.maxFailures;
    const lockMs = this.policy.lockMinutes * MINUTE;
    const { last } = await this.sessions.failuresSince(key, new Date(now.getTime() - lockMs));
    if (!last) return null;
    const lastAt = new Date(last);
    const { count } = await this.sessions.failuresSince(key, new Date(lastAt.getTime() - this.policy.failureWindowMinutes * MINUTE));
    return count >= limit ? new Date(lastAt.getTime() + lockMs) : null;
  }

  /** The later of the name's and the address's lock, with which of them it is. */
  private async lock(username: string, ip: string, now: Date): Promise<{ until: Date; scope: 'user' | 'ip' } | null> {
    const user = await this.lockedUntil({ username }, now);
    const addr = await this.lockedUntil({ ip }, now);
    if (addr && (!user || addr > user)) return { until: addr, scope: 'ip' };
    return user ? { until: user, scope: 'user' } : null;
  }

  /** The time is rounded up to the minute, so trying at the minute shown always works. */
  private lockMessage(until: Date, now: Date): string {
    const shown = new Date(Math.ceil(until.getTime() / MINUTE) * MINUTE);
    const p = jstParts(shown);
    const at = jstDate(shown) === jstDate(now) ? `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}` : formatJst(shown);
    return `ログインに続けて失敗したため、一時的にロックされています。${at} 以降にもう一度お試しください (locked, try again at ${at})`;
  }

  async authenticate(usernameInput: string, password: string, ip: string): Promise<LoginResult> {
    const username = normaliseUsername(usernameInput);
    const now = this.clock.now();
    const locked = await this.lock(username, ip, now);
    if (locked) {
      await this.audit.append({ actor: username, action: 'login.locked', ip, detail: { scope: locked.scope, until: locked.until.toISOString(), refused: true } }, now);
      return { ok: false, reason: 'locked', message: this.lockMessage(locked.until, now), lockedUntil: locked.until };
    }

    const user = await this.users.byUsername(username);
    const hash = user ? await this.users.passwordHash(user.id) : undefined;
    const matches = await this.verify(password, hash ?? UNUSABLE_HASH);
    const ok = Boolean(user && matches && !user.disabledAt);
    await this.sessions.recordAttempt({ username, ip, ok }, now);
    const actor = { actorId: user?.id ?? null, actor: username, ip, entity: user ? 'user' : null, entityId: user?.id ?? null };
    if (ok) {
      await this.audit.append({ ...actor, action: 'login.ok' }, now);
      return { ok: true, user: user! };
    }

    const disabled = Boolean(user && matches);
    await this.audit.append({ ...actor, action: 'login.fail', detail: { reason: disabled ? 'disabled' : user ? 'password' : 'unknown_user' } }, now);
    const nowLocked = await this.lock(username, ip, now);
    if (nowLocked) {
      await this.audit.append({ ...actor, action: 'login.locked', detail: { scope: nowLocked.scope, until: nowLocked.until.toISOString(), refused: false } }, now);
    }
    const base = disabled ? DISABLED : INVALID;
    return {
      ok: false,
      reason: disabled ? 'disabled' : 'invalid',
      message: nowLocked ? `${base} ${this.lockMessage(nowLocked.until, now)}` : base,
      ...(nowLocked ? { lockedUntil: nowLocked.until } : {}),
    };
  }

  /** Attempts older than anything throttling still counts; the audit log keeps the history. */
  async pruneAttempts(): Promise<number> {
    const keepMs = Math.max(24 * 60, this.policy.failureWindowMinutes + this.policy.lockMinutes) * MINUTE;
    return this.sessions.pruneAttempts(new Date(this.clock.now().getTime() - keepMs));
  }
}

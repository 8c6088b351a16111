/** Accounts (O4): users, their roles and department, SIP credentials, and disabling. */
import type { Db } from '../connection.js';
import type { Role } from '../roles.js';

export interface User {
  id: number;
  username: string;
  displayName: string;
  departmentId: string | null;
  roles: Role[];
  disabledAt: string | null;
  passwordChangedAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface SipAccount {
  userId: number;
  sipUser: string;
  realm: string;
  ha1Md5: string;
  ha1Sha256: string;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  department_id: string | null;
  password_hash: string;
  password_changed_at: string;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  departmentId?: string | null;
  roles: Role[];
  passwordHash: string;
}

export interface UserChanges {
  displayName?: string;
  departmentId?: string | null;
  roles?: Role[];
  disabled?: boolean;
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  private async withRoles(rows: UserRow[], trx: Db): Promise<User[]> {
    if (!rows.length) return [];
    const roleRows: { user_id: number; role: Role }[] = await trx('user_roles')
      .whereIn('user_id', rows.map((r) => r.id))
      .orderBy('role');
    return rows.map((r) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      departmentId: r.department_id,
      roles: roleRows.filter((x) => x.user_id === r.id).map((x) => x.role),
      disabledAt: r.disabled_at,
      passwordChangedAt: r.password_changed_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async list(trx: Db = this.db): Promise<User[]> {
    return this.withRoles(await trx<UserRow>('users').select('*').orderBy('username'), trx);
  }

  async byId(id: number, trx: Db = this.db): Promise<User | undefined> {
    return (await this.withRoles(await trx<UserRow>('users').where({ id }), trx))[0];
  }

  async byUsername(username: string, trx: Db = this.db): Promise<User | undefined> {
    return (await this.withRoles(await trx<UserRow>('users').where({ username }), trx))[0];
  }

  /** The stored password hash, read only where a password is checked. */
  async passwordHash(id: number, trx: Db = this.db): Promise<string | undefined> {
    return (await trx<UserRow>('users').where({ id }).first('password_hash'))?.password_hash;
  }

  async create(u: NewUser, now: Date, trx: Db = this.db): Promise<number> {
    const at = now.toISOString();
    const [id] = await trx('users').insert({
      username: u.username,
      display_name: u.displayName,
      department_id: u.departmentId ?? null,
      password_hash: u.passwordHash,
      password_changed_at: at,
      created_at: at,
      updated_at: at,
    });
    if (u.roles.length) await trx('user_roles').insert(u.roles.map((role) => ({ user_id: id, role })));
    return id as number;
  }

  async update(id: number, c: UserChanges, now: Date, trx: Db = this.db): Promise<void> {
    const row: Partial<UserRow> = { updated_at: now.toISOString() };
    if (c.displayName !== undefined) row.display_name = c.displayName;
    if (c.departmentId !== undefined) row.department_id = c.departmentId;
    if (c.disabled !== undefined) row.disabled_at = c.disabled ? now.toISOString() : null;
    await trx('users').where({ id }).update(row);
    if (c.roles) {
      await trx('user_roles').where({ user_id: id }).delete();
      if (c.roles.length) await trx('user_roles').insert(c.roles.map((role) => ({ user_id: id, role })));
    }
  }

  async setPasswordHash(id: number, hash: string, now: Date, trx: Db = this.db): Promise<void> {
    const at = now.toISOString();
    await trx('users').where({ id }).update({ password_hash: hash, password_changed_at: at, updated_at: at });
  }

  async sipAccount(sipUser: string, trx: Db = this.db): Promise<SipAccount | undefined> {
    const r = await trx('sip_accounts').where({ sip_user: sipUser }).first();
    return r ? { userId: r.user_id, sipUser: r.sip_user, realm: r.realm, ha1Md5: r.ha1_md5, ha1Sha256: r.ha1_sha256 } : undefined;
  }

  async sipAccountOf(userId: number, trx: Db = this.db): Promise<SipAccount | undefined> {
    const r = await trx('sip_accounts').where({ user_id: userId }).first();
    return r ? { userId: r.user_id, sipUser: r.sip_user, realm: r.realm, ha1Md5: r.ha1_md5, ha1Sha256: r.ha1_sha256 } : undefined;
  }

  async setSipAccount(a: SipAccount, now: Date, trx: Db = this.db): Promise<void> {
    await trx('sip_accounts')
      .insert({ user_id: a.userId, sip_user: a.sipUser, realm: a.realm, ha1_md5: a.ha1Md5, ha1_sha256: a.ha1Sha256, updated_at: now.toISOString() })
      .onConflict('user_id')
      .merge();
  }
}

/**
 * Managing accounts (O4): every change is validated, written with its audit entry in one transaction,
 * and ends the user's sessions when it takes rights away. The console's admin pages and `sc user` use it.
 */
import type { Db } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { ReferenceRepository } from '../../db/repositories/reference.js';
import { SessionsRepository } from '../../db/repositories/sessions.js';
import { UsersRepository, type User } from '../../db/repositories/users.js';
import { DEPARTMENT_ROLES, ROLE_LABELS, isRole, type Role } from '../../db/roles.js';
import type { Clock } from '../time/clock.js';
import { ValidationError, type Actor } from '../validation.js';
import { hashPassword } from './password.js';
import { sipCredentials } from './sip-credentials.js';

export interface AccountInput {
  username: string;
  displayName: string;
  roles: string[];
  departmentId?: string | null;
  password: string;
  sipPassword?: string | null;
}

const USERNAME = /^[a-z][a-z0-9._-]{1,31}$/;

export class AccountService {
  readonly users: UsersRepository;
  private readonly audit: AuditRepository;
  private readonly reference: ReferenceRepository;
  private readonly sessions: SessionsRepository;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly policy: { minPasswordLength: number; sipRealm: string },
  ) {
    this.users = new UsersRepository(db);
    this.audit = new AuditRepository(db);
    this.reference = new ReferenceRepository(db);
    this.sessions = new SessionsRepository(db);
  }

  checkPassword(password: string, field = 'password'): void {
    if (password.length < this.policy.minPasswordLength) {
      throw new ValidationError(field, `パスワードは${this.policy.minPasswordLength}文字以上にしてください (at least ${this.policy.minPasswordLength} characters)`);
    }
    if (password.length > 256) throw new ValidationError(field, 'パスワードが長すぎます (at most 256 characters)');
  }

  private async checkRolesAndDepartment(roles: string[], departmentId: string | null | undefined): Promise<Role[]> {
    if (!roles.length) throw new ValidationError('roles', '役割を1つ以上選んでください (choose at least one role)');
    const bad = roles.find((r) => !isRole(r));
    if (bad) throw new ValidationError('roles', `不明な役割です: ${bad} (unknown role)`);
    const valid = [...new Set(roles)] as Role[];
    if (departmentId) {
      const dept = await this.reference.department(departmentId);
      if (!dept) throw new ValidationError('departmentId', `不明な部署です: ${departmentId} (unknown department)`);
    } else {
      const needs = valid.find((r) => DEPARTMENT_ROLES.includes(r));
      if (needs) throw new ValidationError('departmentId', `${ROLE_LABELS[needs]}には所属部署が必要です (the role needs a department)`);
    }
    return valid;
  }

  async create(input: AccountInput, actor: Actor): Promise<User> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME.test(username)) {
      throw new ValidationError('username', 'ユーザー名は英小文字で始まる2〜32文字の英小文字・数字・「._-」です (2-32 of a-z 0-9 . _ -)');
    }
    const displayName = input.displayName.trim();
    if (!displayName || displayName.length > 64) throw new ValidationError('displayName', '表示名を1〜64文字で入力してください (1-64 characters)');
    const roles = await this.checkRolesAndDepartment(input.roles, input.departmentId);
    this.checkPassword(input.password);
    if (input.sipPassword) this.checkPassword(input.sipPassword, 'sipPassword');
    if (await this.users.byUsername(username)) throw new ValidationError('username', `ユーザー名 ${username} は既に使われています (already taken)`);
    const passwordHash = await hashPassword(input.password);
    const now = this.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const id = await this.users.create({ username, displayName, roles, departmentId: input.departmentId || null, passwordHash }, now, trx);
      if (input.sipPassword) {
        await this.users.setSipAccount({ userId: id, sipUser: username, realm: this.policy.sipRealm, ...sipCredentials(username, this.policy.sipRealm, input.sipPassword) }, now, trx);
      }
      await this.audit.append(
        { actorId: actor.id, actor: actor.name, ip: actor.ip, action: 'user.create', entity: 'user', entityId: id, detail: { username, roles, departmentId: input.departmentId || null, sip: Boolean(input.sipPassword) } },
        now,
        trx,
      );
      return id;
    });
    return (await this.users.byId(id))!;
  }

  private async existing(id: number): Promise<User> {
    const user = await this.users.byId(id);
    if (!user) throw new ValidationError('user', `ユーザーが見つかりません: ${id} (no such user)`);
    return user;
  }

  async update(id: number, changes: { displayName?: string; roles?: string[]; departmentId?: string | null }, actor: Actor): Promise<User> {
    const user = await this.existing(id);
    const displayName = changes.displayName?.trim();
    if (displayName !== undefined && (!displayName || displayName.length > 64)) {
      throw new ValidationError('displayName', '表示名を1〜64文字で入力してください (1-64 characters)');
    }
    const departmentId = changes.departmentId === undefined ? user.departmentId : changes.departmentId || null;
    const roles = await this.checkRolesAndDepartment(changes.roles ?? user.roles, departmentId);
    if (actor.id === id && user.roles.includes('admin') && !roles.includes('admin')) {
      throw new ValidationError('roles', '自分自身の管理者権限は外せません (you cannot remove your own admin role)');
    }
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      await this.users.update(id, { displayName, roles, departmentId }, now, trx);
      const lostRights = user.roles.some((r) => !roles.includes(r)) || departmentId !== user.departmentId;
      if (lostRights) await this.sessions.deleteForUser(id, trx);
      await this.audit.append(
        { actorId: actor.id, actor: actor.name, ip: actor.ip, action: 'user.update', entity: 'user', entityId: id, detail: { before: { displayName: user.displayName, roles: user.roles, departmentId: user.departmentId }, after: { displayName: displayName ?? user.displayName, roles, departmentId } } },
        now,
        trx,
      );
    });
    return (await this.users.byId(id))!;
  }

  async setPassword(id: number, password: string, actor: Actor): Promise<void> {
    await this.existing(id);
    this.checkPassword(password);
    const hash = await hashPassword(password);
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      await this.users.setPasswordHash(id, hash, now, trx);
      await this.sessions.deleteForUser(id, trx);
      await this.audit.append({ actorId: actor.id, actor: actor.name, ip: actor.ip, action: 'user.password', entity: 'user', entityId: id }, now, trx);
    });
  }

  async setSipPassword(id: number, sipPassword: string, actor: Actor): Promise<void> {
    const user = await this.existing(id);
    this.checkPassword(sipPassword, 'sipPassword');
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      const realm = this.policy.sipRealm;
      await this.users.setSipAccount({ userId: id, sipUser: user.username, realm, ...sipCredentials(user.username, realm, sipPassword) }, now, trx);
      await this.audit.append({ actorId: actor.id, actor: actor.name, ip: actor.ip, action: 'user.sip_password', entity: 'user', entityId: id }, now, trx);
    });
  }

  async setDisabled(id: number, disabled: boolean, actor: Actor): Promise<void> {
    const user = await this.existing(id);
    if (disabled && actor.id === id) throw new ValidationError('user', '自分自身は無効にできません (you cannot disable yourself)');
    if (Boolean(user.disabledAt) === disabled) return;
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      await this.users.update(id, { disabled }, now, trx);
      if (disabled) await this.sessions.deleteForUser(id, trx);
      await this.audit.append({ actorId: actor.id, actor: actor.name, ip: actor.ip, action: disabled ? 'user.disable' : 'user.enable', entity: 'user', entityId: id }, now, trx);
    });
  }
}

/**
 * Account administration for the system administrator (O4). Every change goes through AccountService,
 * which validates, audits and ends sessions; a bad value comes back as the form with its message, 400.
 */
import type { Request, Response, Router } from 'express';
import type { User } from '../../db/repositories/users.js';
import { editUserPage, newUserPage, SAVED_NOTICES, userListPage, type NewUserValues, type ProfileValues } from './admin-user-views.js';
import type { ConsoleContext } from './context.js';
import { attempt, type FormErrors } from './forms.js';
import { actorOf, mustSession, sessionOf } from './guards.js';
import { field, fields, sendPage } from './http.js';
import { notFoundPage } from './layout.js';

const ACTIONS = ['profile', 'password', 'sip', 'disable', 'enable'] as const;
type EditAction = (typeof ACTIONS)[number];

const profileFrom = (req: Request): ProfileValues => ({ displayName: field(req, 'displayName'), roles: fields(req, 'roles'), departmentId: field(req, 'departmentId') });

const profileOf = (u: User): ProfileValues => ({ displayName: u.displayName, roles: u.roles, departmentId: u.departmentId ?? '' });

export function adminUserRoutes(router: Router, ctx: ConsoleContext): void {
  const departments = () => ctx.reference.departments({ includeInactive: true });

  router.get('/users', async (req, res) => {
    const page = userListPage(mustSession(res), await ctx.accounts.users.list(), await departments(), req.originalUrl);
    sendPage(res, 200, page);
  });

  router.get('/users/new', async (req, res) => {
    const empty: NewUserValues = { username: '', displayName: '', roles: [], departmentId: '' };
    sendPage(res, 200, newUserPage(mustSession(res), await departments(), empty, {}, req.originalUrl));
  });

  router.post('/users/new', async (req, res) => {
    const s = mustSession(res);
    const values: NewUserValues = { username: field(req, 'username'), ...profileFrom(req) };
    let id = 0;
    const errors = await attempt(async () => {
      const input = { ...values, departmentId: values.departmentId || null, password: field(req, 'password'), sipPassword: field(req, 'sipPassword') || null };
      id = (await ctx.accounts.create(input, actorOf(req, s))).id;
    });
    if (errors) return sendPage(res, 400, newUserPage(s, await departments(), values, errors, req.originalUrl));
    res.redirect(303, `/admin/users/${id}?saved=created`);
  });

  /** The user named in the path, or a 404 page already sent. */
  const target = async (req: Request, res: Response): Promise<User | undefined> => {
    const raw = String(req.params.id);
    const user = /^\d{1,9}$/.test(raw) ? await ctx.accounts.users.byId(Number(raw)) : undefined;
    if (!user) sendPage(res, 404, notFoundPage(sessionOf(res)));
    return user;
  };

  const renderEdit = async (res: Response, user: User, status: number, profile: ProfileValues, errors: FormErrors, notice?: string) => {
    const hasSip = Boolean(await ctx.accounts.users.sipAccountOf(user.id));
    const page = editUserPage(mustSession(res), { user, hasSip, departments: await departments(), profile, errors, notice }, `/admin/users/${user.id}`);
    sendPage(res, status, page);
  };

  router.get('/users/:id', async (req, res) => {
    const user = await target(req, res);
    if (!user) return;
    const saved = typeof req.query.saved === 'string' ? SAVED_NOTICES[req.query.saved] : undefined;
    await renderEdit(res, user, 200, profileOf(user), {}, saved);
  });

  router.post('/users/:id', async (req, res) => {
    const user = await target(req, res);
    if (!user) return;
    const action = field(req, 'action') as EditAction;
    if (!ACTIONS.includes(action)) return renderEdit(res, user, 400, profileOf(user), { user: `不明な操作です: ${action} (unknown action)` });
    const actor = actorOf(req, mustSession(res));
    const a = ctx.accounts;
    const errors = await attempt(() => {
      switch (action) {
        case 'profile': {
          const p = profileFrom(req);
          return a.update(user.id, { displayName: p.displayName, roles: p.roles, departmentId: p.departmentId || null }, actor);
        }
        case 'password':
          return a.setPassword(user.id, field(req, 'password'), actor);
        case 'sip':
          return a.setSipPassword(user.id, field(req, 'sipPassword'), actor);
        case 'disable':
        case 'enable':
          return a.setDisabled(user.id, action === 'disable', actor);
      }
    });
    if (errors) return renderEdit(res, user, 400, action === 'profile' ? profileFrom(req) : profileOf(user), errors);
    res.redirect(303, `/admin/users/${user.id}?saved=${action}`);
  });
}


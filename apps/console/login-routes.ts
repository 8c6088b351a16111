/**
 * Logging in and out. The login form has no session yet, so its CSRF token is a double-submit cookie
 * (set on GET, echoed in the form): another site cannot log a person in under an account of its own.
 */
import type { Express, Request, Response } from 'express';
import { isToken, newToken, sameToken } from '../accounts/session-service.js';
import type { ConsoleContext } from './context.js';
import { csrfField, errorSummary, input, type FormErrors } from './forms.js';
import { mustSession, requireLogin, safeNext, SESSION_COOKIE, sessionOf } from './guards.js';
import { html } from './html.js';
import { clientIp, cookies, field, sendPage } from './http.js';
import { layout } from './layout.js';

const LOGIN_COOKIE = 'sc_login';

interface LoginForm {
  username: string;
  next: string;
  errors: FormErrors;
  notice?: string;
}

export function loginRoutes(app: Express, ctx: ConsoleContext): void {
  const cookieOptions = { httpOnly: true, sameSite: 'strict' as const, secure: ctx.secureCookies };

  /** Renders the form, with a login token cookie the POST must echo. */
  const renderLogin = (req: Request, res: Response, status: number, form: LoginForm) => {
    let token = cookies(req)[LOGIN_COOKIE];
    if (!isToken(token)) {
      token = newToken();
      res.cookie(LOGIN_COOKIE, token, { ...cookieOptions, path: '/login' });
    }
    const e = form.errors;
    const main = html`<h1>ログイン (log in)</h1>
${form.notice ? html`<p class="notice" role="status">${form.notice}</p>` : ''}
${errorSummary(e)}
<form method="post" action="/login" class="login" novalidate>
${csrfField(token)}
<input type="hidden" name="next" value="${form.next}">
${input({ name: 'username', label: 'ユーザー名 (user name)', value: form.username, autocomplete: 'username', required: true, autofocus: !form.username }, e)}
${input({ name: 'password', label: 'パスワード (password)', type: 'password', autocomplete: 'current-password', required: true, autofocus: Boolean(form.username) }, e)}
<button type="submit">ログイン</button>
</form>`;
    sendPage(res, status, layout({ title: 'ログイン', main }));
  };

  app.get('/login', (req, res) => {
    const next = safeNext(typeof req.query.next === 'string' ? req.query.next : '/');
    if (sessionOf(res)) return res.redirect(303, next);
    const notice = req.query.out === '1' ? 'ログアウトしました (logged out)' : undefined;
    renderLogin(req, res, 200, { username: '', next, errors: {}, notice });
  });

  app.post('/login', async (req, res) => {
    const username = field(req, 'username').trim();
    const password = field(req, 'password');
    const next = safeNext(field(req, 'next'));
    if (!sameToken(field(req, '_csrf'), cookies(req)[LOGIN_COOKIE])) {
      const message = 'フォームの有効期限が切れました。もう一度ログインしてください (the form expired, please try again)';
      return renderLogin(req, res, 403, { username, next, errors: { password: message } });
    }
    const errors: FormErrors = {};
    if (!username) errors.username = 'ユーザー名を入力してください (enter your user name)';
    if (!password) errors.password = 'パスワードを入力してください (enter your password)';
    if (Object.keys(errors).length) return renderLogin(req, res, 400, { username, next, errors });

    const ip = clientIp(req);
    const result = await ctx.login.authenticate(username, password, ip);
    if (!result.ok) {
      if (result.lockedUntil) res.set('Retry-After', String(Math.max(1, Math.ceil((result.lockedUntil.getTime() - ctx.clock.now().getTime()) / 1000))));
      const status = result.reason === 'locked' ? 429 : result.reason === 'disabled' ? 403 : 401;
      const where = result.reason === 'locked' ? 'username' : 'password';
      return renderLogin(req, res, status, { username, next, errors: { [where]: result.message } });
    }
    const s = await ctx.sessions.start(result.user, { ip, userAgent: req.get('user-agent') ?? null });
    res.clearCookie(LOGIN_COOKIE, { ...cookieOptions, path: '/login' });
    res.cookie(SESSION_COOKIE, s.token, { ...cookieOptions, path: '/' });
    ctx.log.info('login', { user: result.user.username, ip });
    res.redirect(303, next);
  });

  app.post('/logout', requireLogin, async (req, res) => {
    await ctx.sessions.end(mustSession(res), clientIp(req));
    res.clearCookie(SESSION_COOKIE, { ...cookieOptions, path: '/' });
    res.redirect(303, '/login?out=1');
  });
}

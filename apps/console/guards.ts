/**
 * Who may do what, decided on the server for every request: the session from the cookie, login required,
 * the CSRF token on every POST, and roles. A hidden link is never the only protection.
 */
import type { NextFunction, Request, Response } from 'express';
import type { ActiveSession, SessionService } from '../accounts/session-service.js';
import { sameToken } from '../accounts/session-service.js';
import type { Role } from '../../db/roles.js';
import type { Actor } from '../validation.js';
import { html } from './html.js';
import { clientIp, cookies, field, sendPage, wantsJson } from './http.js';
import { layout } from './layout.js';

export const SESSION_COOKIE = 'sc_session';

export function sessionOf(res: Response): ActiveSession | undefined {
  return res.locals.session as ActiveSession | undefined;
}

/** The logged-in person as the author of a change, for the audit log. */
export const actorOf = (req: Request, s: ActiveSession): Actor => ({ id: s.user.id, name: s.user.username, ip: clientIp(req) });

/** For handlers behind `requireLogin`. */
export function mustSession(res: Response): ActiveSession {
  const s = sessionOf(res);
  if (!s) throw new Error('handler reached without a session');
  return s;
}

export function loadSession(sessions: SessionService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.locals.session = await sessions.resolve(cookies(req)[SESSION_COOKIE]);
    next();
  };
}

/** Only same-site paths, so the login page cannot be used to send people elsewhere. */
export function safeNext(next: string): string {
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}

function refuseAnonymous(req: Request, res: Response): void {
  if (wantsJson(req)) {
    res.status(401).json({ error: 'login required' });
    return;
  }
  const back = req.method === 'GET' && req.originalUrl !== '/' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/login${back}`);
}

export function requireLogin(req: Request, res: Response, next: NextFunction): void {
  if (sessionOf(res)) next();
  else refuseAnonymous(req, res);
}

export function forbidden(req: Request, res: Response, session: ActiveSession | undefined, message: string): void {
  if (wantsJson(req)) {
    res.status(403).json({ error: message });
    return;
  }
  sendPage(res, 403, layout({ title: '権限がありません', session, main: html`<h1>権限がありません (forbidden)</h1><p>${message}</p><p><a href="/">ホームへ戻る</a></p>` }));
}

/** Every POST but the login form (which has its own token) needs a session and that session's token. */
export function checkCsrf(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST' || req.path === '/login') return next();
  const s = sessionOf(res);
  if (!s) return refuseAnonymous(req, res);
  if (!sameToken(field(req, '_csrf'), s.csrfToken)) {
    return forbidden(req, res, s, 'フォームの確認用トークンが一致しません。ページを開き直してからもう一度操作してください (CSRF token mismatch)');
  }
  next();
}

export function requireRole(role: Role, what: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const s = sessionOf(res);
    if (s?.user.roles.includes(role)) next();
    else forbidden(req, res, s, `${what}はこのアカウントでは使えません (not allowed for this account)`);
  };
}

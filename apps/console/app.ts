/**
 * The console's web app (internal zone): login, the start page and account administration (O4), built as
 * an express app the console process listens with and tests start on a free port.
 */
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { AccountService } from '../accounts/account-service.js';
import { LoginService, type LoginPolicy } from '../accounts/login-service.js';
import { SessionService } from '../accounts/session-service.js';
import { databaseCheck } from '../health/database-check.js';
import { healthReporter } from '../health/health.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import type { Db } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { ReferenceRepository } from '../../db/repositories/reference.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';
import { adminAuditRoutes } from './admin-audit-routes.js';
import { adminCalendarRoutes } from './admin-calendar-routes.js';
import { adminPromptRoutes } from './admin-prompt-routes.js';
import { adminUserRoutes } from './admin-user-routes.js';
import { AcdClient } from './acd-client.js';
import { acdRoutes } from './acd-routes.js';
import type { ConsoleContext } from './context.js';
import { checkCsrf, loadSession, requireLogin, requireRole, sessionOf } from './guards.js';
import { homeRoutes } from './home-routes.js';
import { html } from './html.js';
import { securityHeaders, sendPage, wantsJson } from './http.js';
import { layout, notFoundPage } from './layout.js';
import { loginRoutes } from './login-routes.js';
import { recordingRoutes } from './recording-routes.js';
import { promptUploadBody } from './prompt-upload.js';

/** The parts of the appliance config the console reads (the appliance passes its whole Config). */
export interface ConsoleSettings {
  console: { secureCookies: boolean; sessionHours: number; idleMinutes: number; trustedProxies: string[] };
  auth: LoginPolicy & { minPasswordLength: number };
  sip: { realm: string };
  /** Prompt recordings and synthesised audio live under `<dataDir>/prompts/`. */
  dataDir: string;
}

export interface ConsoleDeps {
  db: Db;
  clock: Clock;
  config: ConsoleSettings;
  log: Logger;
  /** Call control's ACD; without it (tests of other pages) the ACD pages answer 503. */
  acd?: AcdClient;
}

/**
 * tsc does not copy non-TypeScript files, so the stylesheet is served from the source folder: this module
 * runs as dist/apps/console/app.js, three levels below the project root that holds apps/console/assets/.
 */
const ASSETS_DIR = fileURLToPath(new URL('../../../apps/console/assets/', import.meta.url));

export function createConsoleApp(deps: ConsoleDeps): Express {
  const { db, clock, config, log } = deps;
  const ctx: ConsoleContext = {
    db,
    clock,
    log,
    secureCookies: config.console.secureCookies,
    login: new LoginService(db, clock, config.auth),
    sessions: new SessionService(db, clock, config.console),
    accounts: new AccountService(db, clock, { minPasswordLength: config.auth.minPasswordLength, sipRealm: config.sip.realm }),
    reference: new ReferenceRepository(db),
    audit: new AuditRepository(db),
  };
  const health = healthReporter('console', clock, { database: databaseCheck(db, 'internal') });

  const app = express();
  // Behind the appliance's TLS proxy the client's address (throttling, audit) comes from X-Forwarded-For,
  // believed only from the proxies named in the config.
  app.set('trust proxy', config.console.trustedProxies.length ? config.console.trustedProxies : false);
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // The stylesheet may be cached, unlike the pages (securityHeaders set no-store for everything).
  app.use('/assets', express.static(ASSETS_DIR, { index: false, setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=3600') }));
  app.get('/healthz', health.handler);
  app.use(express.urlencoded({ extended: false, limit: '32kb' }));
  app.use(loadSession(ctx.sessions));
  // Recording uploads are multipart: parsed (for administrators only) before their CSRF field is checked.
  app.use('/admin/prompts', promptUploadBody);
  app.use(checkCsrf);

  loginRoutes(app, ctx);
  homeRoutes(app, ctx, config.console.idleMinutes);
  recordingRoutes(app, ctx, config.dataDir);
  acdRoutes(app, ctx, deps.acd ?? new AcdClient({ baseUrl: 'http://127.0.0.1:0', readToken: () => undefined }));

  const admin = express.Router();
  adminUserRoutes(admin, ctx);
  adminAuditRoutes(admin, ctx);
  adminCalendarRoutes(admin, ctx);
  adminPromptRoutes(admin, ctx, new PromptStore({ dataDir: config.dataDir }));
  app.use('/admin', requireLogin, requireRole('admin', 'システム管理の画面'), admin);

  app.use((req: Request, res: Response) => {
    if (wantsJson(req)) res.status(404).json({ error: 'not found' });
    else sendPage(res, 404, notFoundPage(sessionOf(res)));
  });
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const given = Number((err as { status?: number }).status);
    const status = given >= 400 && given < 600 ? given : 500;
    if (status >= 500) log.error('console request failed', { method: req.method, path: req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    const message = status >= 500 ? 'サーバーで問題が起きました。時間をおいてもう一度お試しください (server error)' : 'リクエストを処理できませんでした (bad request)';
    if (wantsJson(req)) res.status(status).json({ error: message });
    else sendPage(res, status, layout({ title: 'エラー', session: sessionOf(res), main: html`<h1>エラー (${status})</h1><p>${message}</p><p><a href="/">ホームへ戻る</a></p>` }));
  });
  return app;
}

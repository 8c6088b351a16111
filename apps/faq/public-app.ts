/**
 * The public FAQ site (public zone, ARCHITECTURE "Zones and processes"): it sees only the public zone's
 * database. For now it serves its health, a home page and Japanese error pages.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Db } from '../../db/connection.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import { databaseCheck } from '../health/database-check.js';
import { healthReporter } from '../health/health.js';
import { errorPage, homePage, notFoundPage } from './public-pages.js';

export interface PublicAppDeps {
  db: Db;
  clock: Clock;
  log: Logger;
}

export function createPublicApp({ db, clock, log }: PublicAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
      'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    });
    next();
  });

  app.get('/healthz', healthReporter('faq-public', clock, { database: databaseCheck(db, 'public') }).handler);
  app.get('/', (_req, res) => void res.type('html').send(homePage()));

  app.use((_req: Request, res: Response) => void res.status(404).type('html').send(notFoundPage()));
  // Express's own error page would show a stack trace to the public.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: unknown })?.status;
    const clientError = typeof status === 'number' && status >= 400 && status < 500;
    if (!clientError) log.error('request failed', { path: req.path, error: err instanceof Error ? err.message : String(err) });
    res.status(clientError ? status : 500).type('html').send(errorPage());
  });
  return app;
}

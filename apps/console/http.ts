/** Small HTTP pieces the console's routes share: security headers, cookies, form fields, pages. */
import type { NextFunction, Request, Response } from 'express';
import type { Html } from './html.js';

/**
 * Headers for every answer (IPA 「安全なウェブサイトの作り方」, O6): only our own scripts, styles and forms,
 * never framed, no referrer to other sites. Nothing is cached unless a later handler says so (the assets).
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  next();
}

export function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed value is treated as absent
    }
  }
  return out;
}

/** The first value of a form field, '' when missing. */
export function field(req: Request, name: string): string {
  const v: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : '';
}

/** Every value of a repeated form field (checkboxes). */
export function fields(req: Request, name: string): string[] {
  const v: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Browsers get pages and redirects; scripts that ask for JSON get status codes. */
export function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

export function sendPage(res: Response, status: number, page: Html): void {
  res.status(status).type('html').send(page.value);
}

/**
 * Call control's ACD API (ARCHITECTURE: commands flow console -> callcontrol, live state flows back): JSON
 * over HTTP for operators' states and call commands, and a socket.io feed at /acd/live that pushes the live
 * figures (T5) and each agent state change (T6) to subscribers: the console relays them to its pages and
 * the wallboard. Both require the shared token of appliance/acd-api-token.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { Server as IoServer } from 'socket.io';
import { z } from 'zod';
import { firstIssue } from '../first-issue.js';
import type { Logger } from '../logger.js';
import { AcdError, type Acd } from './acd.js';
import type { AcdCalls } from './acd-calls.js';
import { NOT_READY_REASONS } from './agent-state.js';
import { SessionCommandError } from './caller-session.js';
import type { LiveFigures } from './figures.js';

export interface AcdApiDeps {
  acd: Acd;
  calls: AcdCalls;
  figures(): LiveFigures;
  /** The shared token; undefined refuses everyone (an unprepared data folder). */
  token(): string | undefined;
  log: Logger;
}

const contact = z.union([z.strictObject({ kind: z.literal('softphone') }), z.strictObject({ kind: z.literal('external'), number: z.string().regex(/^[0-9]{6,15}$/, 'digits only, 6-15') })]);
const stateBody = z.strictObject({
  state: z.enum(['ready', 'not_ready', 'logged_out']),
  reason: z.enum(NOT_READY_REASONS).optional(),
  contact: contact.optional(),
});
const agentBody = z.strictObject({ agent: z.string().min(1) });
const transferBody = z.strictObject({ agent: z.string().min(1), department: z.string().min(1), mode: z.enum(['blind', 'attended']) });

const STATUS: Record<AcdError['code'], number> = { 'unknown-agent': 404, 'unknown-call': 404, 'unknown-queue': 404, 'bad-transition': 409 };

function tokenMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw new SessionCommandError(400, 'bad-request', firstIssue(r.error));
}

function callId(req: Request): number {
  const id = Number(req.params.callId);
  if (!Number.isInteger(id) || id <= 0) throw new SessionCommandError(400, 'bad-request', 'callId must be a positive integer');
  return id;
}

export function acdApiRouter(d: AcdApiDeps): Router {
  const { acd, calls } = d;
  const r = express.Router();
  r.use((req, res, next) => {
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (tokenMatches(bearer, d.token())) next();
    else res.status(401).json({ error: 'a valid ACD API token is required', code: 'unauthorized' });
  });
  r.use(express.json({ limit: '8kb' }));
  const handle = (fn: (req: Request) => unknown) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.json(await fn(req));
    } catch (e) {
      next(e);
    }
  };

  r.get('/figures', handle(() => d.figures()));
  r.get('/agents', handle(() => acd.agents()));
  r.post(
    '/agents/:agent/state',
    handle((req) => {
      const b = parse(stateBody, req.body);
      return acd.setState(String(req.params.agent), b.state, { ...(b.reason ? { reason: b.reason } : {}), ...(b.contact ? { contact: b.contact } : {}) });
    }),
  );
  r.post('/agents/:agent/wrap-up-end', handle((req) => acd.endWrapUp(String(req.params.agent))));
  r.get(
    '/agents/:agent/call',
    handle((req) => {
      const agent = String(req.params.agent);
      acd.status(agent);
      const call = calls.callOf(agent);
      if (!call) throw new SessionCommandError(404, 'no-call', `${agent} has no call`);
      return call;
    }),
  );
  r.post(
    '/calls/:callId/transfer',
    handle(async (req) => {
      const b = parse(transferBody, req.body);
      const session = calls.session(callId(req));
      return session.transfer(b.agent, await calls.target(b.department), b.mode);
    }),
  );
  const command = (path: string, fn: (session: ReturnType<AcdCalls['session']>, agent: string) => unknown) =>
    r.post(
      path,
      handle(async (req) => ({ phase: await fn(calls.session(callId(req)), parse(agentBody, req.body).agent) })),
    );
  command('/calls/:callId/hold', (s, a) => s.hold(a));
  command('/calls/:callId/unhold', (s, a) => s.unhold(a));
  command('/calls/:callId/consult/complete', (s, a) => s.complete(a));
  command('/calls/:callId/consult/conference', (s, a) => s.conference(a));
  command('/calls/:callId/consult/cancel', (s, a) => s.cancelConsult(a));

  r.use((req: Request, res: Response) => res.status(404).json({ error: `no ${req.method} ${req.path}`, code: 'not-found' }));
  r.use((e: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (e instanceof SessionCommandError) res.status(e.status).json({ error: e.message, code: e.code, ...e.extra });
    else if (e instanceof AcdError) res.status(STATUS[e.code]).json({ error: e.message, code: e.code });
    else if ((e as { type?: string }).type === 'entity.parse.failed') res.status(400).json({ error: 'the body is not JSON', code: 'bad-request' });
    else {
      d.log.error('acd api failed', { method: req.method, path: req.path, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      res.status(500).json({ error: 'server error', code: 'internal' });
    }
  });
  return r;
}

/** How often figures are pushed at most, and at least while callers wait (their waiting time grows). */
const PUSH_MS = 1000;
const REFRESH_MS = 5000;

/**
 * The live feed: `figures` on connect and on every change (a call event, an agent, the alarm; at most once a
 * second, and every few seconds while anyone waits), `agents` on connect, `agent` on each state change.
 */
export function attachLiveFeed(server: HttpServer, d: Pick<AcdApiDeps, 'acd' | 'figures' | 'token'> & { changed: NodeJS.EventEmitter }): { close(): Promise<void> } {
  const io = new IoServer(server, { path: '/acd/live', serveClient: false });
  io.use((socket, next) => {
    const given = (socket.handshake.auth as { token?: unknown }).token;
    if (tokenMatches(typeof given === 'string' ? given : undefined, d.token())) next();
    else next(new Error('unauthorized'));
  });
  io.on('connection', (socket) => {
    socket.emit('figures', d.figures());
    socket.emit('agents', d.acd.agents());
  });
  let pending: NodeJS.Timeout | undefined;
  let last = 0;
  const push = () => {
    pending = undefined;
    last = Date.now();
    io.emit('figures', d.figures());
  };
  const schedule = () => {
    if (pending) return;
    pending = setTimeout(push, Math.max(0, last + PUSH_MS - Date.now()));
  };
  d.changed.on('change', schedule);
  d.acd.on('alarm', schedule);
  d.acd.on('agent', (status) => {
    io.emit('agent', status);
    schedule();
  });
  const refresh = setInterval(() => {
    if (d.acd.snapshot().total.waiting > 0) schedule();
  }, REFRESH_MS);
  refresh.unref();
  return {
    close: async () => {
      clearInterval(refresh);
      clearTimeout(pending);
      // io.close() would close the HTTP server too, which serveWeb closes itself.
      io.disconnectSockets(true);
    },
  };
}

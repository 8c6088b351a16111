/**
 * The live ACD figures and operator states for browsers (T5, T6): a socket.io server on the console's own
 * HTTP server at `/live`, open only to a signed-in session of a role that sees the wallboard, relaying what
 * call control pushes (`figures`, `agents`, `agent`) plus `acd` (whether call control is reachable). The
 * browser script is served by socket.io itself at `/live/socket.io.js`, from node_modules, never a CDN.
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { Server } from 'socket.io';
import type { SessionService } from '../accounts/session-service.js';
import type { AgentStatus } from '../acd/agent-state.js';
import type { LiveFigures } from '../acd/figures.js';
import type { Logger } from '../logger.js';
import type { Role } from '../../db/roles.js';
import type { AcdClient } from './acd-client.js';
import { SESSION_COOKIE } from './guards.js';
import { cookies } from './http.js';

export const LIVE_PATH = '/live';
/** Who sees the wallboard's figures and operator states. */
export const LIVE_ROLES: readonly Role[] = ['operator', 'supervisor', 'manager'];

/**
 * Only pages of this console may open the connection: a browser always sends Origin on a WebSocket
 * handshake, so another site's page (cross-site WebSocket hijacking) is refused before the cookie counts.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export class LiveRelay {
  private io: Server | undefined;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly acd: AcdClient,
    private readonly sessions: SessionService,
    private readonly log: Logger,
  ) {}

  /** Serves `/live` on the console's HTTP server and starts relaying. */
  attach(server: HttpServer): void {
    if (this.io) throw new Error('the live relay is attached already');
    const io = new Server(server, { path: LIVE_PATH, serveClient: true, allowRequest: (req, cb) => cb(null, sameOrigin(req)) });
    this.io = io;
    io.use((socket, next) => {
      const token = cookies(socket.request as Request)[SESSION_COOKIE];
      this.sessions.resolve(token).then(
        (s) => {
          if (!s) return next(new Error('login required'));
          if (!s.user.roles.some((r) => LIVE_ROLES.includes(r))) return next(new Error('not allowed for this account'));
          next();
        },
        (e: unknown) => next(e instanceof Error ? e : new Error(String(e))),
      );
    });
    io.on('connection', (socket) => {
      const { figures, agents } = this.acd.latest();
      socket.emit('acd', { up: this.acd.connected });
      if (figures) socket.emit('figures', figures);
      socket.emit('agents', agents);
    });
    const onFigures = (f: LiveFigures) => io.emit('figures', f);
    const onAgents = (list: AgentStatus[]) => io.emit('agents', list);
    const onAgent = (a: AgentStatus) => io.emit('agent', a);
    this.acd.on('figures', onFigures).on('agents', onAgents).on('agent', onAgent);
    this.detach.push(() => this.acd.off('figures', onFigures).off('agents', onAgents).off('agent', onAgent));
    const onConnection = (up: boolean) => {
      io.emit('acd', { up });
      if (!up) this.log.warn('live connection to call control lost');
    };
    this.acd.on('connection', onConnection);
    this.detach.push(() => this.acd.off('connection', onConnection));
    this.acd.startLive();
  }

  /**
   * Ends every browser's connection and the one to call control. The HTTP server is left to its owner, but
   * its close() waits for upgraded WebSockets, so call this when shutting down begins.
   */
  close(): void {
    for (const d of this.detach.splice(0)) d();
    this.acd.close();
    this.io?.disconnectSockets(true);
    this.io?.engine.close();
  }
}

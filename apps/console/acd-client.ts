/**
 * The console's connection to the ACD in the call-control process (ARCHITECTURE: live state flows
 * callcontrol -> console as events, commands flow back): JSON over HTTP for commands and snapshots, and one
 * socket.io connection for the live figures and agent states. One instance per console process.
 *
 * Call control being down, slow or not yet prepared (no token file) is an `AcdUnavailableError`, which the
 * routes turn into a 503 page; a refusal it answers (unknown agent, bad transition) is an `AcdRefusedError`.
 */
import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import type { AgentContact, AgentStatus, NotReadyReason } from '../acd/agent-state.js';
import type { LiveFigures } from '../acd/figures.js';

export const ACD_UNAVAILABLE = 'ACD に接続できません (call control unavailable)';

export class AcdUnavailableError extends Error {
  override name = 'AcdUnavailableError';
  readonly status = 503;
  constructor(readonly detail: string) {
    super(ACD_UNAVAILABLE);
  }
}

/** Call control answered with an error (`{error, code}`): 404 unknown agent or no call, 409 bad transition. */
export class AcdRefusedError extends Error {
  override name = 'AcdRefusedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StateChange {
  state: 'ready' | 'not_ready' | 'logged_out';
  reason?: NotReadyReason;
  contact?: AgentContact;
}

export type CallPhase = 'talking' | 'held' | 'consulting' | 'conference';

/** The call an operator is on, as call control describes it. */
export interface AgentCall {
  callId: number;
  caller: string;
  dnis: string;
  queue: string | null;
  language: string | null;
  since: string;
  phase: CallPhase;
}

export type TransferMode = 'blind' | 'attended';

/** What a transfer command came to (T7): connected or consulting, refused outside the window, or failed. */
export type TransferResult =
  | { outcome: 'connected' | 'consulting' }
  | { outcome: 'outside-window'; reason: string; department: { id: string; name: string; phone: string }; next: string | null }
  | { outcome: 'failed'; reason: string };

export type ConsultAction = 'complete' | 'conference' | 'cancel';

export interface AcdClientOptions {
  /** `http://<callControl.address>:<callControl.port>` */
  baseUrl: string;
  /** The shared token (`<dataDir>/run/acd-api.token`), read when needed: it may appear after the console starts. */
  readToken: () => string | undefined;
  /** A request call control has not answered in this long is unavailable (default 5 s). */
  timeoutMs?: number;
  /** Pause before the live connection is tried again after a refusal (default 2 s). */
  retryMs?: number;
}

export interface LiveFeedEvents {
  figures: [figures: LiveFigures];
  agents: [agents: AgentStatus[]];
  agent: [agent: AgentStatus];
  /** The live connection to call control came up or went down. */
  connection: [up: boolean];
}

interface ErrorBody {
  error?: string;
  code?: string;
  reason?: string;
  department?: { id: string; name: string; phone: string };
  next?: string | null;
}

export class AcdClient extends EventEmitter<LiveFeedEvents> {
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private socket: Socket | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** The latest of each, so a browser that connects to the relay sees the board at once. */
  private figuresNow: LiveFigures | undefined;
  private readonly agentsNow = new Map<string, AgentStatus>();

  constructor(private readonly o: AcdClientOptions) {
    super();
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.retryMs = o.retryMs ?? 2000;
  }

  figures(): Promise<LiveFigures> {
    return this.call('GET', '/acd/figures') as Promise<LiveFigures>;
  }

  agents(): Promise<AgentStatus[]> {
    return this.call('GET', '/acd/agents') as Promise<AgentStatus[]>;
  }

  setState(agent: string, change: StateChange): Promise<AgentStatus> {
    return this.call('POST', `/acd/agents/${encodeURIComponent(agent)}/state`, change) as Promise<AgentStatus>;
  }

  endWrapUp(agent: string): Promise<AgentStatus> {
    return this.call('POST', `/acd/agents/${encodeURIComponent(agent)}/wrap-up-end`, {}) as Promise<AgentStatus>;
  }

  /** The agent's current call, or null when it has none. */
  async currentCall(agent: string): Promise<AgentCall | null> {
    try {
      return (await this.call('GET', `/acd/agents/${encodeURIComponent(agent)}/call`)) as AgentCall;
    } catch (e) {
      if (e instanceof AcdRefusedError && e.status === 404) return null;
      throw e;
    }
  }

  async transfer(callId: number, body: { agent: string; department: string; mode: TransferMode }): Promise<TransferResult> {
    const r = await this.request('POST', `/acd/calls/${callId}/transfer`, body);
    if (r.ok) return r.body as { outcome: 'connected' | 'consulting' };
    // 409 and 502 are answers the operator acts on (T7), not failures of the connection.
    const b = r.body as ErrorBody;
    if (r.status === 409 && b.code === 'outside-window' && b.department) {
      return { outcome: 'outside-window', reason: b.reason ?? '', department: b.department, next: b.next ?? null };
    }
    if (r.status === 502) return { outcome: 'failed', reason: b.reason ?? b.error ?? '' };
    throw refusal('POST', `/acd/calls/${callId}/transfer`, r.status, b);
  }

  consult(callId: number, action: ConsultAction, agent: string): Promise<{ phase: CallPhase }> {
    return this.call('POST', `/acd/calls/${callId}/consult/${action}`, { agent }) as Promise<{ phase: CallPhase }>;
  }

  hold(callId: number, agent: string, on: boolean): Promise<{ phase: CallPhase }> {
    return this.call('POST', `/acd/calls/${callId}/${on ? 'hold' : 'unhold'}`, { agent }) as Promise<{ phase: CallPhase }>;
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const r = await this.request(method, path, body);
    if (r.ok) return r.body;
    throw refusal(method, path, r.status, r.body as ErrorBody);
  }

  /** One request with the token and a timeout; only a missing token, no answer or no JSON is thrown here. */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ ok: boolean; status: number; body: unknown }> {
    const token = this.o.readToken();
    if (!token) throw new AcdUnavailableError('no ACD API token yet (the data folder is not prepared)');
    try {
      const res = await fetch(this.o.baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const parsed: unknown = await res.json().catch(() => ({}));
      return { ok: res.ok, status: res.status, body: parsed };
    } catch (e) {
      throw new AcdUnavailableError(`${method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The last figures and agents seen on the live connection (undefined figures before the first). */
  latest(): { figures: LiveFigures | undefined; agents: AgentStatus[] } {
    return { figures: this.figuresNow, agents: [...this.agentsNow.values()] };
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Opens the live connection (socket.io at /acd/live) and keeps it open until close(). */
  startLive(): void {
    if (this.socket || this.closed) return;
    const socket = io(this.o.baseUrl, {
      path: '/acd/live',
      transports: ['websocket'],
      // Read at every (re)connection: the token file may appear or change while the console runs.
      auth: (cb) => cb({ token: this.o.readToken() ?? '' }),
      reconnectionDelay: this.retryMs,
      reconnectionDelayMax: this.retryMs * 5,
    });
    this.socket = socket;
    socket.on('connect', () => this.emit('connection', true));
    socket.on('disconnect', () => this.emit('connection', false));
    socket.on('connect_error', () => {
      // A refusal by the server's middleware (no token yet) is not retried by socket.io itself.
      if (!socket.active && !this.closed) this.retry = setTimeout(() => socket.connect(), this.retryMs);
    });
    socket.on('figures', (f: LiveFigures) => {
      this.figuresNow = f;
      this.emit('figures', f);
    });
    socket.on('agents', (list: AgentStatus[]) => {
      this.agentsNow.clear();
      for (const a of list) this.agentsNow.set(a.agent, a);
      this.emit('agents', list);
    });
    socket.on('agent', (a: AgentStatus) => {
      this.agentsNow.set(a.agent, a);
      this.emit('agent', a);
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.socket?.close();
    this.socket = undefined;
  }
}

/** Call control's answers about the request itself are refusals; anything else (401, 5xx) means it is not usable. */
function refusal(method: string, path: string, status: number, b: ErrorBody): Error {
  if (status === 400 || status === 404 || status === 409) return new AcdRefusedError(status, b.code ?? String(status), b.error ?? b.reason ?? `HTTP ${status}`);
  return new AcdUnavailableError(`${method} ${path}: HTTP ${status}${b.error ? ` ${b.error}` : ''}`);
}

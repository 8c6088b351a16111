/**
 * One TCP or TLS connection: frames inbound bytes into messages, writes outbound ones, and closes when
 * idle (RFC 3261 §18 leaves the idle time to the implementation) or when framing is lost.
 */
import type { Socket } from 'node:net';
import { FramingError, StreamFramer } from '../message/stream-framer.js';
import type { Peer } from './peer.js';

export interface ConnectionHandlers {
  message(data: Buffer, peer: Peer): void;
  framingError(error: FramingError, peer: Peer): void;
  closed(conn: StreamConnection): void;
}

export class StreamConnection {
  private readonly framer: StreamFramer;
  private idleTimer: NodeJS.Timeout | undefined;
  private queue: Buffer[] | undefined;
  private ended = false;

  constructor(
    readonly socket: Socket,
    readonly peer: Peer,
    private readonly handlers: ConnectionHandlers,
    private readonly idleMs: number,
    maxMessage: number,
    /** An outbound connection still connecting queues writes until `ready`. */
    connecting: boolean,
  ) {
    this.framer = new StreamFramer(maxMessage);
    if (connecting) this.queue = [];
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.touch();
  }

  ready(): void {
    const queued = this.queue ?? [];
    this.queue = undefined;
    for (const b of queued) this.socket.write(b);
  }

  write(data: Buffer): void {
    if (this.ended) return;
    this.touch();
    if (this.queue) this.queue.push(data);
    else this.socket.write(data);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    this.socket.destroy();
    this.handlers.closed(this);
  }

  get closed(): boolean {
    return this.ended;
  }

  private receive(chunk: Buffer): void {
    this.touch();
    let framed;
    try {
      framed = this.framer.push(chunk);
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      this.handlers.framingError(e, this.peer);
      this.close();
      return;
    }
    if (framed.pings) this.socket.write('\r\n'.repeat(framed.pings)); // RFC 5626 §4.4.1 pong
    for (const m of framed.messages) this.handlers.message(m, this.peer);
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(), this.idleMs);
    this.idleTimer.unref();
  }
}

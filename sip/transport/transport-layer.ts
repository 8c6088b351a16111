/**
 * The transport layer (RFC 3261 §18): UDP, TCP and TLS listeners on one address behind one `send`.
 * Inbound bytes are parsed here and handed up as messages; what cannot be parsed is handed up as an
 * error with what is known of it, so the layer above can answer 400 and go on serving.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createServer, connect as tcpConnect, isIPv6, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { SipMessage } from '../message/message.js';
import { serialize } from '../message/message.js';
import { parseMessage, SipParseError } from '../message/parser.js';
import type { FramingError } from '../message/stream-framer.js';
import { peerKey, type Peer, type TransportName } from './peer.js';
import { StreamConnection } from './stream-connection.js';

export interface TransportOptions {
  address: string;
  /** UDP and TCP share this port (§18); TLS listens on `tlsPort`. */
  port: number;
  transports: readonly TransportName[];
  tlsPort?: number;
  tls?: { key: Buffer | string; cert: Buffer | string; ca?: Buffer | string; rejectUnauthorized?: boolean };
  idleCloseMs?: number;
  /** §18.1.1: a request larger than this goes over TCP instead of UDP (1300 when the MTU is unknown). */
  udpMtuLimit?: number;
  maxMessage?: number;
}

export interface TransportEvents {
  message: [msg: SipMessage, peer: Peer];
  parseError: [error: SipParseError, peer: Peer];
  /** A message could not be sent (no route, connection refused): the transaction layer treats it as a transport error (§17.1.4). */
  sendError: [error: Error, peer: Peer, msg: SipMessage];
}

export class TransportLayer extends EventEmitter<TransportEvents> {
  private udp: UdpSocket | undefined;
  private tcpServer: Server | undefined;
  private tlsServer: Server | undefined;
  private readonly connections = new Map<string, StreamConnection>();
  private readonly idleMs: number;
  private readonly mtuLimit: number;
  private readonly maxMessage: number;
  private stopped = false;
  /** Datagrams and stream frames seen, for the health counters. */
  received = 0;
  sent = 0;

  constructor(readonly options: TransportOptions) {
    super();
    this.idleMs = options.idleCloseMs ?? 5 * 60_000;
    this.mtuLimit = options.udpMtuLimit ?? 1300;
    this.maxMessage = options.maxMessage ?? 65_535;
  }

  async listen(): Promise<void> {
    const { address, port, transports } = this.options;
    if (transports.includes('udp')) {
      const sock = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      sock.on('message', (data, rinfo) => this.receive(data, { transport: 'udp', address: rinfo.address, port: rinfo.port }, true));
      sock.on('error', () => undefined); // ICMP errors on a UDP socket are not fatal to the listener
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(port, address, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      this.udp = sock;
    }
    if (transports.includes('tcp')) {
      this.tcpServer = createServer((s) => this.accept(s, 'tcp'));
      await listenOn(this.tcpServer, port, address);
    }
    if (transports.includes('tls')) {
      if (!this.options.tls) throw new Error('TLS transport needs a key and certificate');
      this.tlsServer = createTlsServer({ key: this.options.tls.key, cert: this.options.tls.cert }, (s) => this.accept(s, 'tls'));
      await listenOn(this.tlsServer, this.options.tlsPort ?? port + 1, address);
    }
  }

  /** The address and port written into Via and Contact for a transport. */
  local(transport: TransportName): { host: string; port: number } {
    const host = isIPv6(this.options.address) ? `[${this.options.address}]` : this.options.address;
    return { host, port: transport === 'tls' ? (this.options.tlsPort ?? this.options.port + 1) : this.options.port };
  }

  has(transport: TransportName): boolean {
    return this.options.transports.includes(transport);
  }

  /**
   * Sends a message. A UDP request over the MTU limit switches to TCP and its top Via says so
   * (§18.1.1); the returned peer is where it really went.
   */
  send(msg: SipMessage, to: Peer): Peer {
    if (this.stopped) {
      // A timer of a layer above may still fire: dgram.send on a closed socket would throw.
      this.emit('sendError', new Error('the transport is closed'), to, msg);
      return to;
    }
    let data = serialize(msg);
    let dest = to;
    if (to.transport === 'udp' && msg.kind === 'request' && data.length > this.mtuLimit && this.has('tcp')) {
      const top = msg.headers.fields.find((f) => f.key === 'via');
      if (top) top.value = top.value.replace(/^SIP\/2\.0\/UDP/i, 'SIP/2.0/TCP');
      data = serialize(msg);
      dest = { ...to, transport: 'tcp' };
    }
    this.sent++;
    if (dest.transport === 'udp') {
      if (!this.udp) this.emit('sendError', new Error('UDP is not enabled'), dest, msg);
      else this.udp.send(data, dest.port, dest.address, (err) => err && this.emit('sendError', err, dest, msg));
    } else {
      this.connection(dest, msg)?.write(data);
    }
    return dest;
  }

  /** Writes raw bytes on UDP (keep-alive pings do not need a message). */
  sendRaw(data: Buffer, to: Peer): void {
    if (this.stopped) return;
    if (to.transport === 'udp') this.udp?.send(data, to.port, to.address);
    else this.connections.get(peerKey(to))?.write(data);
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Whether the connection a message came in on (or one opened to `peer`) is still open (§18.2.2). */
  connected(peer: Peer): boolean {
    const conn = this.connections.get(peerKey(peer));
    return conn !== undefined && !conn.closed;
  }

  /** Idempotent: closing a closed dgram socket would throw. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of [...this.connections.values()]) c.close();
    await Promise.all(
      [this.tcpServer, this.tlsServer].map((s) => (s ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)),
    );
    if (this.udp) await new Promise<void>((resolve) => this.udp!.close(() => resolve()));
  }

  private connection(to: Peer, msg: SipMessage): StreamConnection | undefined {
    const existing = this.connections.get(peerKey(to));
    if (existing && !existing.closed) return existing;
    if ((to.transport === 'tls' && !this.has('tls')) || (to.transport === 'tcp' && !this.has('tcp'))) {
      this.emit('sendError', new Error(`${to.transport.toUpperCase()} is not enabled`), to, msg);
      return undefined;
    }
    const socket: Socket | TLSSocket =
      to.transport === 'tls'
        ? tlsConnect({
            host: to.address,
            port: to.port,
            ca: this.options.tls?.ca,
            rejectUnauthorized: this.options.tls?.rejectUnauthorized ?? true,
            servername: isIPv6(to.address) || /^[0-9.]+$/.test(to.address) ? undefined : to.address,
          })
        : tcpConnect({ host: to.address, port: to.port, localAddress: this.options.address });
    const conn = this.track(socket, to, true);
    socket.once(to.transport === 'tls' ? 'secureConnect' : 'connect', () => conn.ready());
    socket.once('error', (err) => this.emit('sendError', err, to, msg));
    return conn;
  }

  private accept(socket: Socket, transport: TransportName): void {
    const address = socket.remoteAddress;
    const port = socket.remotePort;
    if (!address || !port) {
      socket.destroy();
      return;
    }
    this.track(socket, { transport, address: address.replace(/^::ffff:/, ''), port }, false);
  }

  private track(socket: Socket, peer: Peer, connecting: boolean): StreamConnection {
    const conn = new StreamConnection(
      socket,
      peer,
      {
        message: (data, p) => this.receive(data, p, false),
        framingError: (e: FramingError, p) => this.emit('parseError', new SipParseError(e.message), p),
        closed: (c) => {
          if (this.connections.get(peerKey(c.peer)) === c) this.connections.delete(peerKey(c.peer));
        },
      },
      this.idleMs,
      this.maxMessage,
      connecting,
    );
    this.connections.set(peerKey(peer), conn);
    return conn;
  }

  private receive(data: Buffer, peer: Peer, datagram: boolean): void {
    this.received++;
    // A datagram of only CRLFs is a keep-alive (RFC 5626 §3.5.1), not a message.
    if (datagram && data.length <= 4 && /^[\r\n]*$/.test(data.toString('latin1'))) return;
    let msg: SipMessage;
    try {
      msg = parseMessage(data, datagram);
    } catch (e) {
      if (e instanceof SipParseError) this.emit('parseError', e, peer);
      else this.emit('parseError', new SipParseError(`unparseable message: ${(e as Error).message}`), peer);
      return;
    }
    this.emit('message', msg, peer);
  }
}

function listenOn(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A SIP stack on a free port of 127.0.0.1 for one test, and a raw UDP peer to talk to it byte by byte. */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { SipStack, type StackOptions } from '../../sip/core/stack.js';
import { parseMessage } from '../../sip/message/parser.js';
import { SipResponse, type SipMessage } from '../../sip/message/message.js';
import { freePort } from './serve.js';

/** Small timers so timeouts happen within a test; everything else as the appliance runs it. */
export const TEST_TIMERS = { T1: 50, T2: 400, T4: 500 };

export async function startStack(t: Test, opts: Partial<StackOptions> = {}): Promise<SipStack> {
  for (let attempt = 0; ; attempt++) {
    const stack = new SipStack({ address: '127.0.0.1', port: await freePort(), transports: ['udp', 'tcp'], timers: TEST_TIMERS, ...opts });
    try {
      await stack.listen();
    } catch (e) {
      // The free TCP port may be taken on UDP: try another.
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
      throw e;
    }
    t.teardown(() => stack.close());
    return stack;
  }
}

/**
 * A received datagram as a message; a response echoing a malformed request's headers (a 400 copies From
 * and To as they came) is still read for its status line.
 */
function read(data: Buffer): SipMessage {
  try {
    return parseMessage(data);
  } catch {
    const m = /^SIP\/2\.0 ([0-9]{3}) ?(.*)\r\n/.exec(data.toString('utf8'));
    if (!m) throw new Error(`not a SIP response: ${data.toString('utf8').slice(0, 80)}`);
    return new SipResponse(Number(m[1]), m[2] ?? '');
  }
}

export interface UdpPeer {
  port: number;
  send(data: Buffer | string, port: number): void;
  /** The next datagram, parsed, or null after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SipMessage | null>;
  /** The next final response (1xx skipped), or null after `timeoutMs`. */
  final(timeoutMs?: number): Promise<SipResponse | null>;
  /** Drops datagrams received so far. */
  clear(): void;
}

export async function udpPeer(t: Test): Promise<UdpPeer> {
  const socket: Socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  t.teardown(() => socket.close());
  const queue: Buffer[] = [];
  let waiter: ((b: Buffer) => void) | undefined;
  socket.on('message', (data) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(data);
    } else queue.push(data);
  });
  const peer: UdpPeer = {
    port: (socket.address() as AddressInfo).port,
    send: (data, port) => socket.send(typeof data === 'string' ? Buffer.from(data) : data, port, '127.0.0.1'),
    next: (timeoutMs = 1000) => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(read(queued));
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          resolve(null);
        }, timeoutMs);
        waiter = (b) => {
          clearTimeout(timer);
          resolve(read(b));
        };
      });
    },
    clear: () => void queue.splice(0),
    final: () => Promise.resolve(null),
  };
  peer.final = async (timeoutMs = 1000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = await peer.next(Math.max(1, until - Date.now()));
      if (!m) return null;
      if (m.kind === 'response' && m.status >= 200) return m;
    }
  };
  return peer;
}

/** An OPTIONS request from `peer`, to prove a stack still serves. */
export function options(peerPort: number, callId: string): string {
  return (
    `OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=z9hG4bK${callId}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ${callId}\r\n` +
    `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}

/**
 * A raw SIP party for tests that check the wire itself: plain `node:dgram` and stream sockets that parse and
 * timestamp every message they receive, so each retransmission and timer can be seen and measured.
 * (test/helpers/sip-stack.ts has a simpler UDP peer that hands over one datagram at a time.)
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { serialize, type SipMessage, type SipRequest, type SipResponse } from '../../sip/message/message.js';
import { parseMessage } from '../../sip/message/parser.js';
import { createResponse, type ResponseOptions } from '../../sip/message/response.js';
import { StreamFramer } from '../../sip/message/stream-framer.js';

/** Polls `probe` until it gives a truthy value, which it returns; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** A message as the raw party received it: when (`performance.now()`) and from where. */
export interface Arrival {
  msg: SipMessage;
  at: number;
  from: { address: string; port: number };
}

export const isRequest =
  (method: string) =>
  (m: SipMessage): boolean =>
    m.kind === 'request' && m.method === method;
export const isResponse =
  (status: number, method?: string) =>
  (m: SipMessage): boolean =>
    m.kind === 'response' && m.status === status && (method === undefined || m.cseq.method === method);

/** The time between consecutive arrivals, in milliseconds. */
export function gaps(arrivals: Arrival[]): number[] {
  return arrivals.slice(1).map((a, i) => a.at - arrivals[i]!.at);
}

/** What a raw party received, in order. */
export class Inbox {
  readonly items: Arrival[] = [];

  add(data: Buffer, from: { address: string; port: number }, datagram: boolean): Arrival {
    const arrival: Arrival = { msg: parseMessage(data, datagram), at: performance.now(), from };
    this.items.push(arrival);
    return arrival;
  }

  arrivals(pred: (m: SipMessage) => boolean): Arrival[] {
    return this.items.filter((a) => pred(a.msg));
  }

  count(pred: (m: SipMessage) => boolean): number {
    return this.arrivals(pred).length;
  }

  /** The arrivals matching `pred` once there are `count` of them. */
  async wait(what: string, pred: (m: SipMessage) => boolean, count = 1, timeoutMs = 3000): Promise<Arrival[]> {
    return until(what, () => {
      const found = this.arrivals(pred);
      return found.length >= count ? found : undefined;
    }, timeoutMs);
  }

  async request(what: string, method: string, count = 1): Promise<SipRequest> {
    const found = await this.wait(what, isRequest(method), count);
    return found[count - 1]!.msg as SipRequest;
  }

  async response(what: string, status: number, method?: string, count = 1): Promise<SipResponse> {
    const found = await this.wait(what, isResponse(status, method), count);
    return found[count - 1]!.msg as SipResponse;
  }
}

export interface UdpParty {
  socket: UdpSocket;
  port: number;
  inbox: Inbox;
  send(data: string | Buffer, port: number): void;
  /** A response to `req`, sent back to its Via (rport first). */
  reply(req: SipRequest, status: number, opts?: ResponseOptions): void;
  /** Answers every request matching `method` with `status` as it comes. */
  autoAnswer(method: string, status: number, opts?: ResponseOptions): void;
}

/** A raw UDP party on 127.0.0.1 (`port` 0: any free one), closed at the end of the test. */
export async function udpParty(t: Test, port = 0): Promise<UdpParty> {
  const socket = createSocket('udp4');
  const inbox = new Inbox();
  const auto = new Map<string, { status: number; opts: ResponseOptions }>();
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  t.teardown(() => socket.close());
  const party: UdpParty = {
    socket,
    port: socket.address().port,
    inbox,
    send: (data, to) => socket.send(data, to, '127.0.0.1'),
    reply: (req, status, opts = {}) => {
      const via = req.topVia;
      party.send(serialize(createResponse(req, status, opts)), Number(via.params.get('rport')) || via.port || 5060);
    },
    autoAnswer: (method, status, opts = {}) => void auto.set(method, { status, opts }),
  };
  socket.on('message', (data, rinfo) => {
    const { msg } = inbox.add(data, rinfo, true);
    const a = msg.kind === 'request' ? auto.get(msg.method) : undefined;
    if (a && msg.kind === 'request') party.reply(msg, a.status, a.opts);
  });
  return party;
}

/** Frames what a raw stream socket reads into an inbox. */
export function attach(socket: Socket, inbox: Inbox): void {
  const framer = new StreamFramer();
  socket.on('data', (chunk: Buffer) => {
    for (const m of framer.push(chunk).messages) inbox.add(m, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }, false);
  });
}

/**
 * The transport and transaction layers on real sockets of 127.0.0.1 (RFC 3261 §17, §18; RFC 3581; RFC 6026):
 * a real `TransportLayer` and `TransactionLayer` with short timers, and raw `node:dgram` / `node:net` /
 * `node:tls` sockets playing the remote party, so every retransmission and timer is seen on the wire.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import t, { type Test } from 'tap';
import { SipCounters } from '../../sip/counters.js';
import { newBranch, newCallId, newTag } from '../../sip/ids.js';
import { SILENT } from '../../sip/logger.js';
import { Headers } from '../../sip/message/headers.js';
import { serialize, SipRequest, type SipMessage, type SipResponse } from '../../sip/message/message.js';
import type { SipParseError } from '../../sip/message/parser.js';
import { createResponse } from '../../sip/message/response.js';
import { branchOf } from '../../sip/message/via.js';
import type { ClientTransactionUser } from '../../sip/transaction/client-transaction.js';
import type { ServerTransaction } from '../../sip/transaction/server-transaction.js';
import { TransactionLayer, type TransactionUser } from '../../sip/transaction/transaction-layer.js';
import type { Peer, TransportName } from '../../sip/transport/peer.js';
import { TransportLayer, type TransportOptions } from '../../sip/transport/transport-layer.js';
import { freePort } from '../helpers/serve.js';
import { attach, gaps, Inbox, isRequest, isResponse, udpParty, until } from '../helpers/sip-wire.js';

const TIMERS = { T1: 20, T2: 80, T4: 100 };
/** Timer B, F, H, J, L, M. */
const TX_TIMEOUT = 64 * TIMERS.T1;
/**
 * How much earlier than its interval a gap may look: libuv schedules a timer from its cached loop time, and
 * the receiving socket's event may be late, so one gap can look a few milliseconds short. Small beside T1.
 */
const EARLY = 8;

let unique = 0;
const uid = (what: string) => `${what}-${process.pid}-${++unique}`;
const cookieBranch = () => `z9hG4bK-${uid('b')}`;

// ---------------------------------------------------------------------------------------------------------
// The remote party: raw sockets that parse what they receive.

interface StreamPeer {
  server: Server;
  port: number;
  inbox: Inbox;
  /** Accepted connections, in order. */
  sockets: Socket[];
}

async function tcpPeer(t: Test, tls?: { key: Buffer; cert: Buffer }): Promise<StreamPeer> {
  const inbox = new Inbox();
  const sockets: Socket[] = [];
  const onSocket = (s: Socket) => {
    sockets.push(s);
    s.on('error', () => undefined);
    attach(s, inbox);
  };
  const server: Server = tls ? createTlsServer(tls, onSocket) : createServer(onSocket);
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { server, port: (server.address() as AddressInfo).port, inbox, sockets };
}

/** A raw connection to the stack, framing what it reads. */
async function tcpClient(t: Test, port: number): Promise<{ socket: Socket; inbox: Inbox }> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  t.teardown(() => void socket.destroy());
  const inbox = new Inbox();
  attach(socket, inbox);
  return { socket, inbox };
}

interface RequestSpec {
  method: string;
  viaPort: number;
  branch?: string;
  callId: string;
  cseq?: number;
  transport?: 'UDP' | 'TCP' | 'TLS';
  viaHost?: string;
  rport?: boolean;
  toTag?: string;
  body?: string;
}

/** A request as a remote UA writes it. */
function requestText(s: RequestSpec): string {
  const via = `SIP/2.0/${s.transport ?? 'UDP'} ${s.viaHost ?? '127.0.0.1'}:${s.viaPort}${s.branch ? `;branch=${s.branch}` : ''}${s.rport ? ';rport' : ''}`;
  return [
    `${s.method} sip:op1@127.0.0.1 SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: "Caller" <sip:caller@127.0.0.1>;tag=caller-tag',
    `To: <sip:op1@127.0.0.1>${s.toTag ? `;tag=${s.toTag}` : ''}`,
    `Call-ID: ${s.callId}`,
    `CSeq: ${s.cseq ?? 1} ${s.method}`,
    'Contact: <sip:caller@127.0.0.1>',
    `Content-Length: ${Buffer.byteLength(s.body ?? '')}`,
    '',
    s.body ?? '',
  ].join('\r\n');
}

/** A response as the remote UA writes it. */
function answer(req: SipRequest, status: number, toTag?: string): Buffer {
  return serialize(createResponse(req, status, toTag ? { toTag } : {}));
}

// ---------------------------------------------------------------------------------------------------------
// The stack under test.

class RecordingUser implements TransactionUser {
  readonly requests: ServerTransaction[] = [];
  readonly acks: Array<[SipRequest, Peer]> = [];
  readonly strays: SipResponse[] = [];

  request(tx: ServerTransaction): void {
    this.requests.push(tx);
  }

  ack(ack: SipRequest, source: Peer): void {
    this.acks.push([ack, source]);
  }

  strayResponse(res: SipResponse): void {
    this.strays.push(res);
  }
}

class ClientRecorder implements ClientTransactionUser {
  readonly responses: SipResponse[] = [];
  readonly failures: string[] = [];

  response(res: SipResponse): void {
    this.responses.push(res);
  }

  failed(reason: 'timeout' | 'transport'): void {
    this.failures.push(reason);
  }

  get statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

interface Stack {
  port: number;
  transport: TransportLayer;
  layer: TransactionLayer;
  user: RecordingUser;
  counters: SipCounters;
  parseErrors: Array<[SipParseError, Peer]>;
  udp(port: number): Peer;
  tcp(port: number): Peer;
  /** The n-th request the transaction user got (1-based), once it has come. */
  nthRequest(n: number): Promise<ServerTransaction>;
}

/** A transport layer on free ports of 127.0.0.1 and a transaction layer above it, wired as the core does. */
async function stack(t: Test, options: Partial<TransportOptions> = {}): Promise<Stack> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const transport = new TransportLayer({ address: '127.0.0.1', port, transports: ['udp', 'tcp'], ...options });
    try {
      await transport.listen();
    } catch (e) {
      await transport.close();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue; // the UDP port was taken
      throw e;
    }
    const user = new RecordingUser();
    const counters = new SipCounters();
    const layer = new TransactionLayer(transport, user, counters, SILENT, TIMERS);
    const parseErrors: Array<[SipParseError, Peer]> = [];
    transport.on('message', (msg, peer) => (msg.kind === 'request' ? layer.receiveRequest(msg, peer) : layer.receiveResponse(msg, peer)));
    transport.on('parseError', (e, peer) => parseErrors.push([e, peer]));
    transport.on('sendError', (_e, peer, msg) => {
      if (msg.kind === 'request') layer.transportError(peer, branchOf(msg.topVia), msg.method);
    });
    t.teardown(async () => {
      layer.close();
      await transport.close();
    });
    return {
      port,
      transport,
      layer,
      user,
      counters,
      parseErrors,
      udp: (p) => ({ transport: 'udp', address: '127.0.0.1', port: p }),
      tcp: (p) => ({ transport: 'tcp', address: '127.0.0.1', port: p }),
      nthRequest: (n) => until(`request ${n} at the transaction user`, () => user.requests[n - 1]),
    };
  }
}

/** A request the stack sends, its top Via naming the stack's own address for that transport. */
function outgoing(s: Stack, method: string, transport: TransportName = 'udp', body = ''): SipRequest {
  const local = s.transport.local(transport);
  const headers = Headers.of([
    ['Via', `SIP/2.0/${transport.toUpperCase()} ${local.host}:${local.port};branch=${newBranch()}`],
    ['Max-Forwards', 70],
    ['From', `<sip:stack@127.0.0.1>;tag=${newTag()}`],
    ['To', '<sip:remote@127.0.0.1>'],
    ['Call-ID', newCallId('127.0.0.1')],
    ['CSeq', `1 ${method}`],
  ]);
  if (body) headers.append('Content-Type', 'application/sdp');
  return new SipRequest(method, 'sip:remote@127.0.0.1', headers, Buffer.from(body));
}

// ---------------------------------------------------------------------------------------------------------
// INVITE server transactions (§17.2.1, RFC 6026).

t.test('INVITE server: 100 Trying at once; a retransmitted INVITE is absorbed and gets the last provisional again (§17.2.1)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const invite = requestText({ method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') });
  peer.send(invite, s.port);
  const trying = await peer.inbox.response('100 Trying', 100);
  const tx = await s.nthRequest(1);
  t.equal(tx.method, 'INVITE');
  t.equal(trying.toTag, undefined, '100 carries no To tag (§8.2.6.2)');
  t.equal(trying.cseq.method, 'INVITE');
  t.equal(trying.callId, tx.request.callId);
  t.equal(trying.from.params.get('tag'), 'caller-tag');
  t.equal(peer.inbox.items[0]?.from.port, s.port, 'sent from the listening port');

  peer.send(invite, s.port);
  await peer.inbox.response('100 again', 100, 'INVITE', 2);

  tx.respond(180);
  const ringing = await peer.inbox.response('180', 180);
  t.ok(ringing.toTag, '180 carries a To tag');
  peer.send(invite, s.port);
  const again = await peer.inbox.response('180 again', 180, 'INVITE', 2);
  t.equal(again.toTag, ringing.toTag, 'the same response is sent again');
  await sleep(50);
  t.equal(s.user.requests.length, 1, 'the retransmissions never reached the transaction user');
  t.equal(peer.inbox.count(isResponse(100)), 2, 'after the 180 the retransmission gets the 180, not the 100');
  t.equal(s.counters.get('retransmissions'), 2);
  t.equal(s.counters.get('serverTransactions'), 1);
});

t.test('INVITE server: a final 486 is retransmitted over UDP, intervals doubling to T2, until the ACK, which is absorbed (Timer G, I)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const spec = { method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') };
  peer.send(requestText(spec), s.port);
  const tx = await s.nthRequest(1);
  tx.respond(486);
  const busy = await peer.inbox.wait('six transmissions of 486', isResponse(486), 6);
  const g = gaps(busy);
  t.ok(g[0]! >= TIMERS.T1 - EARLY, `first retransmission after T1 (${g[0]!.toFixed(1)} ms)`);
  t.ok(g[1]! >= 2 * TIMERS.T1 - EARLY, `then 2*T1 (${g[1]!.toFixed(1)} ms)`);
  atT2Intervals(t, g);
  t.ok(Math.min(...g.slice(2)) < 1.5 * TIMERS.T2, `capped at T2, not 4*T1, 8*T1 (${g.slice(2).map((x) => x.toFixed(0)).join(', ')})`);
  t.equal(tx.state, 'completed');

  const res = busy[0]!.msg as SipResponse;
  t.ok(res.toTag, '486 carries a To tag');
  t.same(busy.map((a) => (a.msg as SipResponse).toTag), busy.map(() => res.toTag), 'every retransmission is the same response');
  peer.send(requestText({ ...spec, method: 'ACK', toTag: res.toTag }), s.port);
  await until('Confirmed', () => tx.state === 'confirmed');
  await sleep(10); // a retransmission already on its way
  const sent = peer.inbox.count(isResponse(486));
  peer.send(requestText(spec), s.port);
  await sleep(3 * TIMERS.T2);
  t.equal(peer.inbox.count(isResponse(486)), sent, 'no retransmission after the ACK, and a late INVITE is absorbed in Confirmed');
  t.equal(s.user.acks.length, 0, 'the ACK of a non-2xx stays in the transaction');
  await until('Timer I', () => tx.state === 'terminated', TIMERS.T4 * 3);
  t.equal(s.layer.serverCount, 0);
  t.equal(s.counters.get('timeouts'), 0);
});

t.test('INVITE server: Timer H ends a transaction whose ACK never comes (§17.2.1)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  peer.send(requestText({ method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') }), s.port);
  const tx = await s.nthRequest(1);
  let timedOut = 0;
  tx.on('timeout', () => timedOut++);
  const start = performance.now();
  tx.respond(486);
  await until('Timer H', () => tx.state === 'terminated', 3 * TX_TIMEOUT);
  const elapsed = performance.now() - start;
  t.ok(elapsed >= TX_TIMEOUT - EARLY, `after 64*T1 (${elapsed.toFixed(0)} ms)`);
  t.equal(timedOut, 1, 'the transaction user hears of the timeout');
  t.equal(s.counters.get('timeouts'), 1);
  t.equal(s.layer.serverCount, 0);
  await sleep(20);
  const sent = peer.inbox.count(isResponse(486));
  t.ok(sent >= 12, `retransmitted until then (${sent} transmissions)`);
  await sleep(3 * TIMERS.T2);
  t.equal(peer.inbox.count(isResponse(486)), sent, 'and not after');
});

t.test('INVITE server: a 2xx moves to Accepted; INVITE retransmissions absorbed, the ACK goes to the TU (RFC 6026 §8.7, Timer L)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const spec = { method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') };
  peer.send(requestText(spec), s.port);
  const tx = await s.nthRequest(1);
  const start = performance.now();
  const ok = tx.respond(200, { headers: [['Contact', `<sip:op1@127.0.0.1:${s.port}>`]] });
  await peer.inbox.response('200', 200);
  t.equal(tx.state, 'accepted');
  await sleep(4 * TIMERS.T1);
  t.equal(peer.inbox.count(isResponse(200)), 1, 'the transaction does not retransmit a 2xx itself');

  const before = peer.inbox.items.length;
  peer.send(requestText(spec), s.port);
  await sleep(50);
  t.equal(peer.inbox.items.length, before, 'a retransmitted INVITE gets nothing');
  t.equal(s.user.requests.length, 1, 'and does not reach the transaction user');

  tx.send(ok); // the TU's own 2xx retransmission (§13.3.1.4)
  await peer.inbox.response('200 retransmitted by the TU', 200, 'INVITE', 2);

  peer.send(requestText({ ...spec, method: 'ACK', branch: cookieBranch(), toTag: ok.toTag }), s.port);
  await until('the ACK at the TU', () => s.user.acks.length === 1);
  t.equal(s.user.acks[0]![0].callId, spec.callId, 'the ACK of a 2xx (its own transaction, §17.1.1.3) goes to the TU');
  t.equal(s.user.acks[0]![1].port, peer.port, 'with its source');
  peer.send(requestText({ ...spec, method: 'ACK', toTag: ok.toTag }), s.port);
  await until('an ACK matching the transaction, at the TU', () => s.user.acks.length === 2);
  t.equal(tx.state, 'accepted', 'Accepted absorbs nothing of the ACKs');

  await until('Timer L', () => s.layer.serverCount === 0, 3 * TX_TIMEOUT);
  t.ok(performance.now() - start >= TX_TIMEOUT - EARLY, 'after 64*T1');
  peer.send(requestText({ ...spec, method: 'ACK', toTag: ok.toTag }), s.port);
  await until('an ACK after Timer L, at the TU as a stray ACK', () => s.user.acks.length === 3);
  t.equal(s.counters.get('timeouts'), 0, 'Timer L is not a timeout');
});

// ---------------------------------------------------------------------------------------------------------
// Non-INVITE server transactions and CANCEL (§17.2.2, §9.2).

t.test('non-INVITE server: absorbed while Trying, the last response sent again after it (§17.2.2, Timer J)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const options = requestText({ method: 'OPTIONS', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') });
  peer.send(options, s.port);
  const tx = await s.nthRequest(1);
  peer.send(options, s.port);
  await sleep(50);
  t.equal(peer.inbox.items.length, 0, 'no 100 for a non-INVITE, and a retransmission in Trying gets nothing');
  t.equal(s.user.requests.length, 1);

  tx.respond(200);
  const ok = await peer.inbox.response('200', 200);
  t.ok(ok.toTag);
  t.equal(tx.state, 'completed');
  peer.send(options, s.port);
  const again = await peer.inbox.response('200 again', 200, 'OPTIONS', 2);
  t.equal(again.toTag, ok.toTag, 'the same response');
  t.equal(s.user.requests.length, 1);
  t.throws(() => tx.respond(500), /cannot send 500/, 'one final response only');
  await until('Timer J', () => s.layer.serverCount === 0, 3 * TX_TIMEOUT);
  t.equal(tx.state, 'completed', 'the transaction object itself is left behind: the layer keeps only the response');
});

t.test('CANCEL (§9.2): 200 to the CANCEL with the INVITE\'s To tag, the INVITE transaction emits cancel; no match is 481', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const cancels: string[] = [];
  const answerCancel = (tx: ServerTransaction) =>
    tx.on('cancel', (c) => {
      cancels.push(c.callId);
      tx.respond(487);
    });

  t.test('after a 180', async (t) => {
    const spec = { method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') };
    peer.send(requestText(spec), s.port);
    const tx = await s.nthRequest(1);
    answerCancel(tx);
    tx.respond(180);
    const ringing = await peer.inbox.response('180', 180);
    peer.send(requestText({ ...spec, method: 'CANCEL' }), s.port);
    const ok = await peer.inbox.response('200 to the CANCEL', 200, 'CANCEL');
    const terminated = await peer.inbox.response('487', 487, 'INVITE');
    t.equal(ok.toTag, ringing.toTag, 'the CANCEL\'s 200 has the To tag of the INVITE\'s responses');
    t.equal(terminated.toTag, ringing.toTag);
    t.equal(ok.cseq.seq, 1);
    t.same(cancels, [spec.callId], 'the INVITE transaction emitted cancel once');
    t.equal(s.user.requests.length, 1, 'the CANCEL is not a new request for the TU');
    peer.send(requestText({ ...spec, method: 'CANCEL' }), s.port);
    await peer.inbox.response('200 to the retransmitted CANCEL', 200, 'CANCEL', 2);
    t.equal(cancels.length, 1, 'a retransmitted CANCEL does not cancel again');
    peer.send(requestText({ ...spec, method: 'ACK', toTag: terminated.toTag }), s.port);
    await until('Confirmed', () => tx.state === 'confirmed' || tx.state === 'terminated');
  });

  t.test('before any tagged response: the 200 and the 487 still share one To tag', async (t) => {
    const spec = { method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') };
    peer.send(requestText(spec), s.port);
    const tx = await s.nthRequest(2);
    answerCancel(tx);
    await peer.inbox.wait('100', (m) => isResponse(100)(m) && m.callId === spec.callId);
    peer.send(requestText({ ...spec, method: 'CANCEL' }), s.port);
    const sameCall = (status: number, method: string) => (m: SipMessage) => isResponse(status, method)(m) && m.callId === spec.callId;
    const ok = (await peer.inbox.wait('200 to the CANCEL', sameCall(200, 'CANCEL')))[0]!.msg as SipResponse;
    const terminated = (await peer.inbox.wait('487', sameCall(487, 'INVITE')))[0]!.msg as SipResponse;
    t.ok(ok.toTag, 'the 200 to the CANCEL has a To tag');
    t.equal(terminated.toTag, ok.toTag, 'the same as the 487');
  });

  t.test('after the final response: 200, no cancel', async (t) => {
    const spec = { method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') };
    peer.send(requestText(spec), s.port);
    const tx = await s.nthRequest(3);
    answerCancel(tx);
    tx.respond(486);
    peer.send(requestText({ ...spec, method: 'CANCEL' }), s.port);
    await peer.inbox.wait('200 to the CANCEL', (m) => isResponse(200, 'CANCEL')(m) && m.callId === spec.callId);
    t.equal(cancels.length, 2, 'no cancel event for a completed INVITE');
  });

  t.test('a response the TU built itself fixes the To tag as well', async (t) => {
    const spec = { method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') };
    peer.send(requestText(spec), s.port);
    const tx = await s.nthRequest(4);
    answerCancel(tx);
    tx.send(createResponse(tx.request, 183, { toTag: 'tu-made' }));
    peer.send(requestText({ ...spec, method: 'CANCEL' }), s.port);
    const ok = (await peer.inbox.wait('200 to the CANCEL', (m) => isResponse(200, 'CANCEL')(m) && m.callId === spec.callId))[0]!.msg as SipResponse;
    const terminated = (await peer.inbox.wait('487', (m) => isResponse(487)(m) && m.callId === spec.callId))[0]!.msg as SipResponse;
    t.equal(ok.toTag, 'tu-made');
    t.equal(terminated.toTag, 'tu-made');
  });

  t.test('a CANCEL matching no transaction: 481', async (t) => {
    peer.send(requestText({ method: 'CANCEL', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') }), s.port);
    const res = await peer.inbox.response('481', 481, 'CANCEL');
    t.equal(res.reason, 'Call/Transaction Does Not Exist');
    t.equal(s.user.requests.length, 4, 'not passed to the TU');
    t.equal(s.counters.snapshot().responses['481'], 1, 'counted as an error response');
  });
});

// ---------------------------------------------------------------------------------------------------------
// INVITE client transactions (§17.1.1).

t.test('INVITE client: Timer A retransmits over UDP, doubling without cap, until Timer B reports a timeout (§17.1.1.2)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const cu = new ClientRecorder();
  const start = performance.now();
  const tx = s.layer.request(outgoing(s, 'INVITE'), s.udp(peer.port), cu);
  await until('Timer B', () => cu.failures.length > 0, 3 * TX_TIMEOUT);
  const elapsed = performance.now() - start;
  t.same(cu.failures, ['timeout']);
  t.ok(elapsed >= TX_TIMEOUT - EARLY, `after 64*T1 (${elapsed.toFixed(0)} ms)`);
  t.equal(tx.state, 'terminated');
  t.equal(s.layer.clientCount, 0);

  await sleep(20);
  const invites = peer.inbox.arrivals(isRequest('INVITE'));
  // Sent at 0, T1, 3T1, 7T1, 15T1, 31T1, 63T1: 7 with RFC timers; the last may lose the race with Timer B.
  t.ok(invites.length === 6 || invites.length === 7, `6 or 7 transmissions (${invites.length})`);
  const g = gaps(invites);
  g.forEach((gap, i) => {
    const interval = TIMERS.T1 * 2 ** i;
    t.ok(gap >= interval - EARLY && gap <= 1.5 * interval + 25, `gap ${i + 1} is ${interval} ms (${gap.toFixed(1)})`);
  });
  t.ok(g[4]! > 2 * TIMERS.T2, 'Timer A is not capped at T2');
  t.equal(s.counters.get('retransmissions'), invites.length - 1);
  t.same(new Set(invites.map((a) => branchOf((a.msg as SipRequest).topVia))).size, 1, 'one branch: retransmissions, not new requests');
  await sleep(3 * TIMERS.T2);
  t.equal(peer.inbox.count(isRequest('INVITE')), invites.length, 'nothing after Timer B');
});

t.test('INVITE client: a 1xx stops Timer A and Timer B; a non-2xx is ACKed in the transaction, again for each retransmission (§17.1.1.2, §17.1.1.3)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const cu = new ClientRecorder();
  const start = performance.now();
  const tx = s.layer.request(outgoing(s, 'INVITE'), s.udp(peer.port), cu);
  const invite = await peer.inbox.request('INVITE', 'INVITE');
  peer.send(answer(invite, 100), s.port);
  await until('100 at the TU', () => cu.responses.length === 1);
  t.equal(tx.state, 'proceeding');
  await sleep(10);
  const sent = peer.inbox.count(isRequest('INVITE'));
  t.ok(sent <= 3, 'Timer A ran until the 100 came');
  await sleep(TX_TIMEOUT + 150 - (performance.now() - start));
  t.equal(peer.inbox.count(isRequest('INVITE')), sent, 'no retransmission in Proceeding');
  t.same(cu.failures, [], 'Timer B does not fire in Proceeding: a call may ring longer than 64*T1');
  t.equal(tx.state, 'proceeding');

  peer.send(answer(invite, 486, 'callee-tag'), s.port);
  const ack = await peer.inbox.request('ACK', 'ACK');
  t.same(cu.statuses, [100, 486]);
  t.equal(tx.state, 'completed');
  t.equal(ack.uri, invite.uri, 'same Request-URI');
  t.equal(ack.headers.get('via'), invite.headers.get('via'), 'same top Via, so the same branch');
  t.equal(ack.toTag, 'callee-tag', 'To with the tag of the response');
  t.equal(ack.headers.get('from'), invite.headers.get('from'));
  t.equal(ack.callId, invite.callId);
  t.same(ack.cseq, { seq: invite.cseq.seq, method: 'ACK' });
  t.equal(ack.maxForwards, 70);

  peer.send(answer(invite, 486, 'callee-tag'), s.port);
  await peer.inbox.request('a second ACK', 'ACK', 2);
  await sleep(20);
  t.same(cu.statuses, [100, 486], 'the retransmitted 486 is not passed up again');
  t.equal(s.layer.clientCount, 1, 'Timer D keeps it (at least 32 s on UDP)');
});

t.test('INVITE client: a 2xx moves to Accepted; no ACK from the transaction; retransmitted 2xx go to the TU until Timer M (RFC 6026 §8.4)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const cu = new ClientRecorder();
  const tx = s.layer.request(outgoing(s, 'INVITE'), s.udp(peer.port), cu);
  const invite = await peer.inbox.request('INVITE', 'INVITE');
  peer.send(answer(invite, 200, 'callee'), s.port);
  await until('200 at the TU', () => cu.responses.length === 1);
  t.equal(tx.state, 'accepted');
  peer.send(answer(invite, 200, 'callee'), s.port);
  await until('the retransmitted 200 at the TU', () => cu.responses.length === 2);
  await sleep(3 * TIMERS.T2);
  t.equal(peer.inbox.count(isRequest('ACK')), 0, 'the ACK of a 2xx is the TU\'s (§13.2.2.4)');
  t.equal(peer.inbox.count(isRequest('INVITE')), 1, 'no retransmission after the 2xx');
  await until('Timer M', () => tx.state === 'terminated', 3 * TX_TIMEOUT);
  peer.send(answer(invite, 200, 'callee'), s.port);
  await until('a stray 200', () => s.user.strays.length === 1);
  t.equal(cu.responses.length, 2, 'after Timer M a 2xx is a stray for the core');
});

/**
 * The retransmissions after the first two come T2 apart. Judged by the time since the first transmission,
 * not gap by gap: a timer never fires early, but the receiving side may read one datagram late, which
 * lengthens one gap and shortens the next without moving the ones after it.
 */
function atT2Intervals(t: Test, g: number[]): void {
  let at = g[0]! + g[1]!;
  let due = 3 * TIMERS.T1;
  for (const gap of g.slice(2)) {
    at += gap;
    due += TIMERS.T2;
    t.ok(at >= due - EARLY, `then T2 (${gap.toFixed(1)} ms; ${at.toFixed(0)} ms after the first, due ${due})`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Non-INVITE client transactions (§17.1.2).

t.test('non-INVITE client: Timer E doubles up to T2, Timer F reports a timeout (§17.1.2.2)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const cu = new ClientRecorder();
  const start = performance.now();
  s.layer.request(outgoing(s, 'OPTIONS'), s.udp(peer.port), cu);
  await until('Timer F', () => cu.failures.length > 0, 3 * TX_TIMEOUT);
  t.same(cu.failures, ['timeout']);
  t.ok(performance.now() - start >= TX_TIMEOUT - EARLY, 'after 64*T1');
  await sleep(20);
  const sent = peer.inbox.arrivals(isRequest('OPTIONS'));
  const g = gaps(sent);
  t.ok(sent.length >= 12, `${sent.length} transmissions`);
  t.ok(g[0]! >= TIMERS.T1 - EARLY, 'T1');
  t.ok(g[1]! >= 2 * TIMERS.T1 - EARLY, '2*T1');
  atT2Intervals(t, g);
  t.ok(Math.min(...g.slice(2)) < 1.5 * TIMERS.T2, 'capped at T2');
  t.equal(s.layer.clientCount, 0);
});

t.test('non-INVITE client: after a 1xx every retransmission waits T2; a final response ends them, Timer K absorbs its repeats', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const cu = new ClientRecorder();
  const tx = s.layer.request(outgoing(s, 'OPTIONS'), s.udp(peer.port), cu);
  const options = await peer.inbox.request('OPTIONS', 'OPTIONS');
  peer.send(answer(options, 100), s.port);
  await until('100 at the TU', () => cu.responses.length === 1);
  t.equal(tx.state, 'proceeding');
  const before = peer.inbox.count(isRequest('OPTIONS'));
  const after = (await peer.inbox.wait('three more', isRequest('OPTIONS'), before + 4)).slice(before);
  for (const gap of gaps(after)) t.ok(gap >= TIMERS.T2 - EARLY && gap < 1.5 * TIMERS.T2 + 25, `T2 in Proceeding (${gap.toFixed(1)})`);

  peer.send(answer(options, 200, 'remote'), s.port);
  await until('200 at the TU', () => cu.responses.length === 2);
  const completedAt = performance.now();
  t.equal(tx.state, 'completed');
  peer.send(answer(options, 200, 'remote'), s.port);
  await sleep(10);
  const total = peer.inbox.count(isRequest('OPTIONS'));
  await until('Timer K', () => tx.state === 'terminated', 10 * TIMERS.T4);
  t.ok(performance.now() - completedAt >= TIMERS.T4 - EARLY, 'Timer K is T4 on UDP');
  t.same(cu.statuses, [100, 200], 'the repeated 200 was absorbed');
  await sleep(2 * TIMERS.T2);
  t.equal(peer.inbox.count(isRequest('OPTIONS')), total, 'no retransmission after the final response');
  t.same(cu.failures, []);
});

// ---------------------------------------------------------------------------------------------------------
// Reliable transports, RFC 2543 peers, rport, the MTU rule, bad input.

t.test('over TCP nothing is retransmitted; Timers I, J, K are zero (§17.1.1.2, §17.2.1, §17.2.2)', async (t) => {
  const s = await stack(t);

  t.test('server INVITE and OPTIONS', async (t) => {
    const { socket, inbox } = await tcpClient(t, s.port);
    const spec = { method: 'INVITE', viaPort: socket.localPort!, branch: cookieBranch(), callId: uid('call'), transport: 'TCP' as const };
    socket.write(requestText(spec));
    await inbox.response('100', 100);
    const tx = await s.nthRequest(1);
    t.equal(tx.source.transport, 'tcp');
    const res = tx.respond(486);
    await inbox.response('486', 486);
    await sleep(5 * TIMERS.T2);
    t.equal(inbox.count(isResponse(486)), 1, 'no Timer G over TCP');
    t.equal(tx.state, 'completed');
    socket.write(requestText({ ...spec, method: 'ACK', toTag: res.toTag }));
    await until('Timer I = 0', () => tx.state === 'terminated', 200);

    const options = { method: 'OPTIONS', viaPort: socket.localPort!, branch: cookieBranch(), callId: uid('call'), transport: 'TCP' as const };
    socket.write(requestText(options));
    const otx = await s.nthRequest(2);
    otx.respond(200);
    await inbox.response('200', 200, 'OPTIONS');
    await until('Timer J = 0', () => s.layer.serverCount === 0, 200);
  });

  t.test('client OPTIONS', async (t) => {
    const peer = await tcpPeer(t);
    const cu = new ClientRecorder();
    const tx = s.layer.request(outgoing(s, 'OPTIONS', 'tcp'), s.tcp(peer.port), cu);
    const options = await peer.inbox.request('OPTIONS', 'OPTIONS');
    t.match(options.headers.get('via'), /^SIP\/2\.0\/TCP /);
    await sleep(5 * TIMERS.T2);
    t.equal(peer.inbox.count(isRequest('OPTIONS')), 1, 'no Timer E over TCP');
    peer.sockets[0]!.write(answer(options, 200, 'r'));
    await until('200 at the TU', () => cu.responses.length === 1);
    await until('Timer K = 0', () => tx.state === 'terminated', 200);
  });

  t.test('client INVITE: no Timer A, Timer B still applies', async (t) => {
    const peer = await tcpPeer(t);
    const cu = new ClientRecorder();
    s.layer.request(outgoing(s, 'INVITE', 'tcp'), s.tcp(peer.port), cu);
    await until('Timer B', () => cu.failures.length > 0, 3 * TX_TIMEOUT);
    t.same(cu.failures, ['timeout']);
    t.equal(peer.inbox.count(isRequest('INVITE')), 1);
  });
});

t.test('§18.2.2: when the request\'s connection is gone, the response opens a connection to sent-by (not to rport)', async (t) => {
  const s = await stack(t);
  const ua = await tcpPeer(t);
  const { socket, inbox } = await tcpClient(t, s.port);
  socket.write(requestText({ method: 'INVITE', viaPort: ua.port, branch: cookieBranch(), callId: uid('call'), transport: 'TCP', rport: true }));
  await inbox.response('100', 100);
  const tx = await s.nthRequest(1);
  t.equal(tx.request.topVia.params.get('rport'), String(socket.localPort), 'rport was filled all the same');
  socket.destroy();
  await until('the stack saw the close', () => s.transport.openConnections === 0);
  tx.respond(486);
  const busy = await ua.inbox.response('486 on a new connection', 486);
  t.equal(busy.cseq.method, 'INVITE');
  t.equal(inbox.count(isResponse(486)), 0);
});

t.test('RFC 2543 peers: without the magic cookie, Call-ID, CSeq, From tag and Via identify the transaction (§17.2.3)', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const spec = { method: 'INVITE', viaPort: peer.port, branch: 'old-style-1', callId: uid('call') };
  peer.send(requestText(spec), s.port);
  const tx = await s.nthRequest(1);
  peer.send(requestText(spec), s.port);
  await peer.inbox.response('100 twice', 100, 'INVITE', 2);
  t.equal(s.user.requests.length, 1, 'a retransmission');

  const other = { ...spec, callId: uid('call') };
  peer.send(requestText(other), s.port);
  await s.nthRequest(2);
  t.pass('the same non-cookie branch with another Call-ID is another transaction');

  const res = tx.respond(486);
  await peer.inbox.wait('486 retransmitted', (m) => isResponse(486)(m) && m.callId === spec.callId, 2);
  peer.send(requestText({ ...spec, method: 'ACK', cseq: 2, toTag: res.toTag }), s.port);
  await until('an ACK of another CSeq at the TU', () => s.user.acks.length === 1);
  t.equal(tx.state, 'completed', 'does not match');
  peer.send(requestText({ ...spec, method: 'ACK', toTag: res.toTag }), s.port);
  await until('Confirmed', () => tx.state === 'confirmed');
  t.equal(s.user.acks.length, 1, 'the matching ACK was absorbed');
  await sleep(10);
  const sent = peer.inbox.count((m) => isResponse(486)(m) && m.callId === spec.callId);
  await sleep(3 * TIMERS.T2);
  t.equal(peer.inbox.count((m) => isResponse(486)(m) && m.callId === spec.callId), sent, 'retransmissions stopped');

  const noBranch = { method: 'OPTIONS', viaPort: peer.port, callId: uid('call') };
  peer.send(requestText(noBranch), s.port);
  const otx = await s.nthRequest(3);
  otx.respond(200);
  peer.send(requestText(noBranch), s.port);
  await peer.inbox.response('200 again to a request without branch', 200, 'OPTIONS', 2);
  t.equal(s.user.requests.length, 3);
});

t.test('rport (RFC 3581 §4) and received (§18.2.1): where a UDP response goes', async (t) => {
  const s = await stack(t);
  const sender = await udpParty(t);
  const viaTarget = await udpParty(t);
  t.not(sender.port, viaTarget.port);

  t.test('with rport: back to the packet\'s source, received and rport filled', async (t) => {
    sender.send(requestText({ method: 'OPTIONS', viaPort: viaTarget.port, branch: cookieBranch(), callId: uid('call'), rport: true }), s.port);
    const tx = await s.nthRequest(1);
    const top = tx.request.topVia;
    t.equal(top.params.get('rport'), String(sender.port), 'the TU sees the filled rport');
    t.equal(top.params.get('received'), '127.0.0.1', 'and received, though it equals sent-by (RFC 3581 §4)');
    tx.respond(200);
    const ok = await sender.inbox.response('200 at the source port', 200);
    t.equal(ok.topVia.params.get('rport'), String(sender.port));
    t.equal(ok.topVia.params.get('received'), '127.0.0.1');
    t.equal(ok.topVia.port, viaTarget.port, 'sent-by is unchanged');
    await sleep(30);
    t.equal(viaTarget.inbox.items.length, 0, 'nothing went to sent-by');
  });

  t.test('without rport: to sent-by', async (t) => {
    sender.send(requestText({ method: 'OPTIONS', viaPort: viaTarget.port, branch: cookieBranch(), callId: uid('call') }), s.port);
    const tx = await s.nthRequest(2);
    t.equal(tx.request.topVia.params.has('received'), false, 'sent-by host is the source address: no received');
    tx.respond(200);
    await viaTarget.inbox.response('200 at sent-by', 200);
    t.equal(sender.inbox.count(isResponse(200)), 1, 'only the first one came to the sender');
  });

  t.test('a host name in sent-by: received added, the response goes to that address', async (t) => {
    sender.send(requestText({ method: 'OPTIONS', viaPort: viaTarget.port, viaHost: 'ua.invalid', branch: cookieBranch(), callId: uid('call') }), s.port);
    const tx = await s.nthRequest(3);
    t.equal(tx.request.topVia.params.get('received'), '127.0.0.1');
    tx.respond(200);
    const ok = await viaTarget.inbox.response('200 at received:sent-by port', 200, 'OPTIONS', 2);
    t.equal(ok.topVia.host, 'ua.invalid');
  });
});

t.test('§18.1.1: a UDP request over 1300 octets goes over TCP, its top Via saying so', async (t) => {
  const s = await stack(t);
  const peer = await tcpPeer(t);
  const udp = await udpParty(t, peer.port); // the same port for UDP, as a SIP peer listens
  const cu = new ClientRecorder();
  const req = outgoing(s, 'INVITE', 'udp', `v=0\r\n${'a=x-padding\r\n'.repeat(110)}`);
  t.ok(serialize(req).length > 1300, 'the request is large');
  const tx = s.layer.request(req, s.udp(peer.port), cu);
  const invite = await peer.inbox.request('INVITE over TCP', 'INVITE');
  t.match(invite.headers.get('via'), /^SIP\/2\.0\/TCP 127\.0\.0\.1:/, 'top Via transport rewritten');
  t.equal(branchOf(invite.topVia), branchOf(req.topVia), 'same branch');
  t.equal(tx.destination.transport, 'tcp');
  t.equal(invite.body.length, req.body.length);
  await sleep(5 * TIMERS.T1);
  t.equal(udp.inbox.items.length, 0, 'nothing over UDP');
  t.equal(peer.inbox.count(isRequest('INVITE')), 1, 'no Timer A on the reliable transport');
  peer.sockets[0]!.write(answer(invite, 486, 'busy'));
  const ack = await peer.inbox.request('ACK over TCP', 'ACK');
  t.match(ack.headers.get('via'), /^SIP\/2\.0\/TCP /);
  t.same(cu.statuses, [486]);

  const small = s.layer.request(outgoing(s, 'OPTIONS'), s.udp(peer.port), new ClientRecorder());
  await udp.inbox.request('a small request over UDP', 'OPTIONS');
  t.equal(small.destination.transport, 'udp');
});

t.test('malformed datagrams: parseError with what is known, and the layer keeps serving', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  const noFrom = requestText({ method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') }).replace(/From: [^\r]*\r\n/, '');
  peer.send(noFrom, s.port);
  peer.send('hello, world\r\n\r\n', s.port);
  peer.send('SIP/2.0 999 Odd\r\nContent-Length: 0\r\n\r\n', s.port);
  peer.send('\r\n\r\n', s.port); // a keep-alive (RFC 5626 §3.5.1), not an error
  await until('three parse errors', () => s.parseErrors.length >= 3);
  const [first, second, third] = s.parseErrors;
  t.equal(first![0].status, 400);
  t.equal(first![0].partial?.method, 'INVITE', 'a request keeps its method and headers to answer with');
  t.equal(first![0].partial?.headers.lines('via').length, 1);
  t.same(first![1], { transport: 'udp', address: '127.0.0.1', port: peer.port }, 'and where it came from');
  t.equal(second![0].partial, undefined, 'garbage has nothing to answer with');
  t.equal(third![0].partial, undefined, 'nor a bad response');

  const options = requestText({ method: 'OPTIONS', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') });
  peer.send(options, s.port);
  const tx = await s.nthRequest(1);
  tx.respond(200);
  await peer.inbox.response('200', 200);
  t.equal(s.parseErrors.length, 3, 'the keep-alive was no error');
  t.equal(s.user.requests.length, 1, 'nothing malformed reached the TU');
});

t.test('TCP: one connection per peer, reused, and closed after idleCloseMs; keep-alive pings are answered (RFC 5626 §4.4.1)', async (t) => {
  const IDLE = 300;
  const s = await stack(t, { idleCloseMs: IDLE });
  const peer = await tcpPeer(t);
  s.transport.send(outgoing(s, 'OPTIONS', 'tcp'), s.tcp(peer.port));
  s.transport.send(outgoing(s, 'OPTIONS', 'tcp'), s.tcp(peer.port));
  await peer.inbox.wait('two requests', isRequest('OPTIONS'), 2);
  t.equal(peer.sockets.length, 1, 'one connection carried both');
  t.equal(s.transport.openConnections, 1);
  await sleep(IDLE / 2);
  s.transport.send(outgoing(s, 'OPTIONS', 'tcp'), s.tcp(peer.port));
  const lastUse = performance.now();
  await peer.inbox.wait('a third request', isRequest('OPTIONS'), 3);
  t.equal(peer.sockets.length, 1, 'still the same connection');
  const closed = once(peer.sockets[0]!, 'close');
  await closed;
  t.ok(performance.now() - lastUse >= IDLE - EARLY, 'closed only after idleCloseMs without traffic');
  await until('the stack forgets it', () => s.transport.openConnections === 0);

  const { socket } = await tcpClient(t, s.port);
  const pong = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  socket.write('\r\n');
  await sleep(20); // so the stack reads the ping in two parts
  socket.write('\r\n');
  t.equal(await pong, '\r\n', 'a CRLFCRLF ping, even in two writes, gets a CRLF pong');
});

t.test('TLS with a self-signed certificate carries messages both ways', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1',
  ], { stdio: 'ignore' });
  const key = readFileSync(join(dir, 'key.pem'));
  const cert = readFileSync(join(dir, 'cert.pem'));
  const s = await stack(t, { transports: ['udp', 'tcp', 'tls'], tlsPort: await freePort(), tls: { key, cert, ca: cert } });
  const remote = await tcpPeer(t, { key, cert });

  t.test('the stack sends a request and gets its response', async (t) => {
    const cu = new ClientRecorder();
    const tx = s.layer.request(outgoing(s, 'OPTIONS', 'tls'), { transport: 'tls', address: '127.0.0.1', port: remote.port }, cu);
    const options = await remote.inbox.request('OPTIONS over TLS', 'OPTIONS');
    t.match(options.headers.get('via'), new RegExp(`^SIP/2\\.0/TLS 127\\.0\\.0\\.1:${s.transport.local('tls').port};`));
    t.ok((remote.sockets[0] as TLSSocket).encrypted, 'the connection is TLS');
    remote.sockets[0]!.write(answer(options, 200, 'tls-remote'));
    await until('200 at the TU', () => cu.responses.length === 1);
    await until('Timer K = 0', () => tx.state === 'terminated', 200);
  });

  t.test('the stack answers a request', async (t) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: s.transport.local('tls').port, ca: cert });
    t.teardown(() => void socket.destroy());
    await once(socket, 'secureConnect');
    t.ok(socket.authorized, 'the stack\'s certificate verified');
    const inbox = new Inbox();
    attach(socket, inbox);
    socket.write(requestText({ method: 'OPTIONS', viaPort: socket.localPort!, branch: cookieBranch(), callId: uid('call'), transport: 'TLS' }));
    const tx = await s.nthRequest(1);
    t.equal(tx.source.transport, 'tls');
    tx.respond(200);
    const ok = await inbox.response('200 over TLS', 200);
    t.equal(ok.cseq.method, 'OPTIONS');
  });

  t.test('an untrusted certificate is a transport error for the client transaction (§17.1.4)', async (t) => {
    const untrusting = await stack(t, { transports: ['udp', 'tcp', 'tls'], tlsPort: await freePort(), tls: { key, cert } });
    const cu = new ClientRecorder();
    const before = remote.inbox.items.length;
    untrusting.layer.request(outgoing(untrusting, 'OPTIONS', 'tls'), { transport: 'tls', address: '127.0.0.1', port: remote.port }, cu);
    await until('the transport failure', () => cu.failures.length > 0);
    t.same(cu.failures, ['transport']);
    t.equal(untrusting.layer.clientCount, 0);
    await sleep(50);
    t.equal(remote.inbox.items.length, before, 'nothing was sent in clear or to an unverified peer');
  });
});

t.test('closing: no timer sends on the closed transport, and a late send is a sendError, not a throw', async (t) => {
  const s = await stack(t);
  const peer = await udpParty(t);
  peer.send(requestText({ method: 'INVITE', viaPort: peer.port, branch: cookieBranch(), callId: uid('call') }), s.port);
  (await s.nthRequest(1)).respond(486); // Timer G running
  s.layer.request(outgoing(s, 'INVITE'), s.udp(peer.port), new ClientRecorder()); // Timer A running
  await peer.inbox.wait('a 486 retransmission', isResponse(486), 2);
  await peer.inbox.wait('an INVITE retransmission', isRequest('INVITE'), 2);
  s.layer.close();
  await sleep(10);
  const seen = peer.inbox.items.length;
  await sleep(4 * TIMERS.T2);
  t.equal(peer.inbox.items.length, seen, 'closing the transaction layer stops its timers, server ones included');
  await s.transport.close();
  t.equal(peer.inbox.items.length, seen, 'nothing sent after close');
  const errors: Error[] = [];
  s.transport.on('sendError', (e) => errors.push(e));
  t.doesNotThrow(() => s.transport.send(outgoing(s, 'OPTIONS'), s.udp(peer.port)));
  t.equal(errors.length, 1, 'reported as a sendError');
});

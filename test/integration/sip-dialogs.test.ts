/**
 * Dialogs and the B2BUA on real stacks of 127.0.0.1 (RFC 3261 §12-§15, RFC 3264, RFC 3311, RFC 3515,
 * RFC 4028): a caller stack calls a B2BUA stack which calls a callee stack (a fourth answers transfers),
 * with the timers of test/helpers/sip-stack.ts; raw sockets play the far end where the wire itself is
 * what is checked (2xx retransmission, CANCEL timing, session refreshes).
 */
import { once, type EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { DigestServer } from '../../sip/auth/digest-server.js';
import { ha1 } from '../../sip/auth/digest.js';
import type { B2BUA } from '../../sip/core/b2bua.js';
import type { IncomingRequest } from '../../sip/core/incoming-request.js';
import type { SipStack, StackOptions } from '../../sip/core/stack.js';
import { SipError, type DestroyCause, type Dialog } from '../../sip/dialog/dialog.js';
import type { SipRequest, SipResponse } from '../../sip/message/message.js';
import { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import { effectiveDirection, parseSdp, type SdpDirection } from '../../sip/sdp/sdp.js';
import { startStack, TEST_TIMERS } from '../helpers/sip-stack.js';
import { attach, gaps, Inbox, isRequest, isResponse, udpParty, until } from '../helpers/sip-wire.js';

const T1 = TEST_TIMERS.T1;
const T2 = TEST_TIMERS.T2;

let unique = 0;
const uid = (what: string) => `${what}-${process.pid}-${++unique}`;

/** The next emission of an event, as `once` gives it; a failure rather than a hang when it never comes. */
function next(emitter: EventEmitter, event: string, timeoutMs = 3000): Promise<unknown[]> {
  return once(emitter, event, { signal: AbortSignal.timeout(timeoutMs) });
}

/** A rejection as a value, to assert on. */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Session descriptions: one audio stream each, told apart by owner and port.

function sdp(owner: string, port: number, dir: SdpDirection = 'sendrecv', version = 1): string {
  return ['v=0', `o=${owner} 1000 ${version} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', `a=${dir}`, ''].join('\r\n');
}

const CALLER_SDP = sdp('caller', 20000);
const CALLEE_SDP = sdp('callee', 30000);
const TARGET_SDP = sdp('target', 40000);
const EARLY_SDP = sdp('announcement', 31000, 'sendonly');

const direction = (text: string | undefined) => (text === undefined ? undefined : effectiveDirection(parseSdp(text), 0));
const owner = (text: string | undefined) => (text === undefined ? undefined : parseSdp(text).origin.username);
const version = (text: string | undefined) => (text === undefined ? undefined : parseSdp(text).origin.sessVersion);

// ---------------------------------------------------------------------------------------------------------
// The stacks: caller -> B2BUA -> callee (and a transfer target).

type InviteHandler = (req: IncomingRequest) => Promise<void>;

interface Trio {
  caller: SipStack;
  b2b: SipStack;
  callee: SipStack;
  /** Request-URI of the B2BUA (what the caller dials). */
  b2bUri: string;
  /** Request-URI of the callee (the B2BUA's B leg). */
  calleeUri: string;
  b2buas: B2BUA[];
  /** Why createB2BUA failed, per call. */
  b2bFailures: unknown[];
  /** INVITEs the callee received, and the dialogs it answered. */
  calleeInvites: IncomingRequest[];
  calleeDialogs: Dialog[];
}

interface TrioOptions {
  transport?: 'udp' | 'tcp';
  stack?: Partial<StackOptions>;
  /** How the callee answers; by default 200 with CALLEE_SDP. */
  callee?: (req: IncomingRequest, x: Trio) => Promise<void>;
  /** Where the B leg goes instead of the callee stack. */
  bLegUri?: string;
}

const uriOf = (user: string, stack: SipStack, transport: 'udp' | 'tcp' = 'udp') =>
  `sip:${user}@127.0.0.1:${stack.transport.local(transport).port}${transport === 'tcp' ? ';transport=tcp' : ''}`;

async function trio(t: Test, opts: TrioOptions = {}): Promise<Trio> {
  const [caller, b2b, callee] = await Promise.all([startStack(t, opts.stack), startStack(t, opts.stack), startStack(t, opts.stack)]);
  const x: Trio = {
    caller,
    b2b,
    callee,
    b2bUri: uriOf('b2b', b2b, opts.transport),
    calleeUri: uriOf('callee', callee, opts.transport),
    b2buas: [],
    b2bFailures: [],
    calleeInvites: [],
    calleeDialogs: [],
  };
  b2b.onRequest('INVITE', async (req) => {
    try {
      x.b2buas.push(await b2b.createB2BUA(req, { uri: opts.bLegUri ?? x.calleeUri }));
    } catch (e) {
      x.b2bFailures.push(e);
      throw e;
    }
  });
  const answer: InviteHandler = opts.callee ? (req) => opts.callee!(req, x) : async (req) => void x.calleeDialogs.push(await callee.createUAS(req, { sdp: CALLEE_SDP }));
  callee.onRequest('INVITE', (req) => {
    x.calleeInvites.push(req);
    return answer(req);
  });
  return x;
}

interface Call {
  a: Dialog;
  bua: B2BUA;
  c: Dialog;
}

/** A call from the caller through the B2BUA to the callee, confirmed on all four dialogs. */
async function call(x: Trio): Promise<Call> {
  const [joined, answered] = [x.b2buas.length, x.calleeDialogs.length];
  const a = await x.caller.createUAC({ uri: x.b2bUri, sdp: CALLER_SDP });
  const bua = await until('the B2BUA joined', () => x.b2buas[joined]);
  const c = await until('the callee answered', () => x.calleeDialogs[answered]);
  return { a, bua, c };
}

/** Records each dialog's destroy cause. */
function causes(dialogs: Record<string, Dialog>): Record<string, DestroyCause | undefined> {
  const seen: Record<string, DestroyCause | undefined> = {};
  for (const [name, d] of Object.entries(dialogs)) {
    seen[name] = undefined;
    d.once('destroy', (cause) => (seen[name] = cause));
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------------------
// What a raw UDP party (test/helpers/sip-wire.ts) sends, for what must be seen on the wire.

interface RawInvite {
  port: number;
  stackPort: number;
  callId: string;
  branch?: string;
  transport?: 'UDP' | 'TCP';
  headers?: string[];
  body?: string;
}

/** An INVITE as a plain UA writes it: no Supported: timer unless `headers` say so. */
function rawInvite(s: RawInvite): string {
  const body = s.body ?? CALLER_SDP;
  return [
    `INVITE sip:callee@127.0.0.1:${s.stackPort} SIP/2.0`,
    `Via: SIP/2.0/${s.transport ?? 'UDP'} 127.0.0.1:${s.port};branch=${s.branch ?? `z9hG4bK-${uid('b')}`};rport`,
    'Max-Forwards: 70',
    'From: <sip:raw@127.0.0.1>;tag=raw-tag',
    `To: <sip:callee@127.0.0.1:${s.stackPort}>`,
    `Call-ID: ${s.callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:raw@127.0.0.1:${s.port}${s.transport === 'TCP' ? ';transport=tcp' : ''}>`,
    ...(s.headers ?? []),
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** The ACK of a 2xx (§13.2.2.4): a new transaction, To with the 2xx's tag, the INVITE's CSeq number. */
function rawAck(res: SipResponse, s: { port: number; stackPort: number; transport?: 'UDP' | 'TCP' }): string {
  return [
    `ACK ${res.contacts[0]?.uriText ?? `sip:callee@127.0.0.1:${s.stackPort}`} SIP/2.0`,
    `Via: SIP/2.0/${s.transport ?? 'UDP'} 127.0.0.1:${s.port};branch=z9hG4bK-${uid('ack')};rport`,
    'Max-Forwards: 70',
    `From: ${res.headers.get('from')!}`,
    `To: ${res.headers.get('to')!}`,
    `Call-ID: ${res.callId}`,
    `CSeq: ${res.cseq.seq} ACK`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A request of the raw UAC inside the dialog its INVITE's 2xx set up. */
function rawInDialog(method: string, res: SipResponse, cseq: number, s: { port: number; stackPort: number }, headers: string[] = []): string {
  return [
    `${method} ${res.contacts[0]!.uriText} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${s.port};branch=z9hG4bK-${uid('in')};rport`,
    'Max-Forwards: 70',
    `From: ${res.headers.get('from')!}`,
    `To: ${res.headers.get('to')!}`,
    `Call-ID: ${res.callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:raw@127.0.0.1:${s.port}>`,
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

// =========================================================================================================
// Basic calls.

t.test('a call through the B2BUA: dialog ids match leg by leg, SDP crosses both ways, BYE from the caller ends all four dialogs', async (t) => {
  const x = await trio(t);
  const { a, bua, c } = await call(x);
  const ba = bua.a;
  const bb = bua.b;

  t.equal(a.role, 'uac');
  t.equal(ba.role, 'uas');
  t.equal(bb.role, 'uac');
  t.equal(c.role, 'uas');
  t.equal(a.state, 'confirmed');
  t.equal(c.state, 'confirmed');
  // A leg: one dialog seen from both ends (§12.1: Call-ID, local tag, remote tag crosswise).
  t.equal(a.callId, ba.callId, 'A leg Call-ID');
  t.equal(a.s.localTag, ba.s.remoteTag, "caller's From tag is the B2BUA's remote tag");
  t.equal(a.s.remoteTag, ba.s.localTag, "B2BUA's To tag is the caller's remote tag");
  t.ok(a.s.localTag && a.s.remoteTag && a.s.localTag !== a.s.remoteTag, 'two distinct tags');
  t.equal(a.id, `${a.callId}|${a.s.localTag}|${a.s.remoteTag}`);
  // B leg: its own Call-ID.
  t.equal(bb.callId, c.callId, 'B leg Call-ID');
  t.equal(bb.s.localTag, c.s.remoteTag);
  t.equal(bb.s.remoteTag, c.s.localTag);
  t.not(bb.callId, a.callId, 'the B2BUA starts a new call');
  // Offer and answer.
  t.equal(a.localSdp, CALLER_SDP);
  t.equal(ba.remoteSdp, CALLER_SDP, "the caller's offer reached the B2BUA");
  t.equal(c.remoteSdp, CALLER_SDP, '... and the callee');
  t.equal(c.localSdp, CALLEE_SDP);
  t.equal(bb.remoteSdp, CALLEE_SDP);
  t.equal(a.remoteSdp, CALLEE_SDP, "the callee's answer reached the caller");
  t.equal(x.caller.dialogCount, 1);
  t.equal(x.b2b.dialogCount, 2);
  t.equal(x.callee.dialogCount, 1);

  const seen = causes({ a, ba, bb, c });
  let byeAtCallee: SipRequest | undefined;
  c.once('destroy', (_cause, req) => (byeAtCallee = req));
  const ended = next(bua, 'end');
  await a.destroy();
  t.same(await ended, ['a', 'remote'], 'the B2BUA says the A leg hung up');
  await until('the callee hung up', () => c.state === 'terminated');
  t.same(seen, { a: 'local', ba: 'remote', bb: 'local', c: 'remote' }, 'destroy causes');
  t.equal(byeAtCallee?.method, 'BYE', 'the callee got a BYE');
  t.equal(byeAtCallee?.callId, c.callId);
  await until('all dialogs gone', () => x.caller.dialogCount + x.b2b.dialogCount + x.callee.dialogCount === 0);
  t.pass('no dialog left on any stack');
});

t.test('BYE from the callee ends the call back to the caller', async (t) => {
  const x = await trio(t);
  const { a, bua, c } = await call(x);
  const seen = causes({ a, ba: bua.a, bb: bua.b, c });
  let byeAtCaller: SipRequest | undefined;
  a.once('destroy', (_cause, req) => (byeAtCaller = req));
  const ended = next(bua, 'end');
  await c.destroy();
  t.same(await ended, ['b', 'remote'], 'the B2BUA says the B leg hung up');
  await until('the caller hung up', () => a.state === 'terminated');
  t.same(seen, { a: 'remote', ba: 'local', bb: 'remote', c: 'local' }, 'destroy causes');
  t.equal(byeAtCaller?.method, 'BYE');
  t.equal(byeAtCaller?.callId, a.callId);
  t.equal(x.caller.dialogCount + x.b2b.dialogCount + x.callee.dialogCount, 0);
  t.equal(await failure(a.request('INFO')).then((e) => (e as SipError).status), 481, 'an ended dialog sends nothing but says 481');
});

t.test('over TCP: the whole call, in-dialog requests and BYE on the connections', async (t) => {
  const x = await trio(t, { transport: 'tcp' });
  const { a, bua, c } = await call(x);
  t.equal(a.s.destination.transport, 'tcp');
  t.equal(bua.a.s.destination.transport, 'tcp');
  t.equal(bua.b.s.destination.transport, 'tcp');
  t.equal(c.s.destination.transport, 'tcp');
  t.match(x.calleeInvites[0]!.msg.headers.get('via'), /^SIP\/2\.0\/TCP /, 'the B leg INVITE came over TCP');
  t.equal(c.remoteSdp, CALLER_SDP);
  t.equal(a.remoteSdp, CALLEE_SDP);
  const answer = await a.modify(sdp('caller', 20000, 'sendonly', 2));
  t.equal(direction(answer), 'recvonly', 're-INVITE over TCP');
  t.equal(x.caller.transport.openConnections > 0, true, 'the caller holds a connection');
  const ended = next(bua, 'end');
  await c.destroy();
  t.same(await ended, ['b', 'remote']);
  await until('the caller hung up', () => a.state === 'terminated');
  t.pass('BYE crossed over TCP');
});

// =========================================================================================================
// 2xx retransmission (§13.3.1.4).

t.test('UDP: the UAS retransmits its 2xx T1, 2T1, 4T1 ... capped at T2 until the ACK; none within 64*T1 means BYE and createUAS rejects', async (t) => {
  const callee = await startStack(t);
  const stackPort = callee.transport.local('udp').port;
  const raw = await udpParty(t);
  raw.autoAnswer('BYE', 200);
  let result: unknown = 'pending';
  let cause: DestroyCause | undefined;
  callee.on('dialog', (d) => d.once('destroy', (c) => (cause = c)));
  callee.onRequest('INVITE', async (req) => {
    result = await callee.createUAS(req, { sdp: CALLEE_SDP }).catch((e: unknown) => e);
  });
  const callId = uid('noack');
  raw.send(rawInvite({ port: raw.port, stackPort, callId }), stackPort);
  const [bye] = await raw.inbox.wait('the BYE for the missing ACK', isRequest('BYE'), 1, 64 * T1 + 2000);
  const oks = raw.inbox.arrivals(isResponse(200, 'INVITE')).filter((a) => a.at < bye!.at);
  const g = gaps(oks);
  t.ok(oks.length >= 8 && oks.length <= 12, `the 2xx went ${oks.length} times in 64*T1 (11 expected)`);
  t.ok(g[0]! >= T1 - 10 && g[0]! < 2 * T1, `first retransmission after T1 (${g[0]!.toFixed(0)} ms)`);
  t.ok(g[1]! > 1.5 * g[0]! && g[2]! > 1.5 * g[1]!, `intervals double (${g.slice(0, 4).map((v) => v.toFixed(0)).join(', ')} ms)`);
  t.ok(g[4]! >= T2 - 20 && g[4]! < T2 * 1.5 && g[5]! < T2 * 1.5, `capped at T2 (${g.slice(3, 7).map((v) => v.toFixed(0)).join(', ')} ms)`);
  t.ok(bye!.at - oks[0]!.at >= 64 * T1 - 20, `BYE after 64*T1 (${(bye!.at - oks[0]!.at).toFixed(0)} ms)`);
  const byeMsg = bye!.msg as SipRequest;
  t.equal(byeMsg.callId, callId);
  t.equal(byeMsg.toTag, 'raw-tag', 'the BYE is in the dialog: To is our From');
  t.equal(byeMsg.fromTag, (oks[0]!.msg as SipResponse).toTag, 'From carries the tag of the 2xx');
  t.equal(byeMsg.cseq.method, 'BYE');
  await until('createUAS settled', () => result !== 'pending');
  t.ok(result instanceof SipError && result.status === 408, `createUAS rejected with 408 (${String(result)})`);
  t.equal(cause, 'no-ack', "the dialog's destroy cause");
  t.equal(callee.dialogCount, 0);
  await sleep(3 * T2);
  t.equal(raw.inbox.arrivals(isResponse(200, 'INVITE')).length, oks.length, 'no 2xx after the BYE');
});

t.test('UDP: the ACK stops the 2xx retransmissions and createUAS resolves', async (t) => {
  const callee = await startStack(t);
  const stackPort = callee.transport.local('udp').port;
  const raw = await udpParty(t);
  let dialog: Dialog | undefined;
  callee.onRequest('INVITE', async (req) => {
    dialog = await callee.createUAS(req, { sdp: CALLEE_SDP });
  });
  raw.send(rawInvite({ port: raw.port, stackPort, callId: uid('ack') }), stackPort);
  const oks = await raw.inbox.wait('three 2xx', isResponse(200, 'INVITE'), 3);
  raw.send(rawAck(oks[2]!.msg as SipResponse, { port: raw.port, stackPort }), stackPort);
  await until('createUAS resolved', () => dialog);
  const count = raw.inbox.arrivals(isResponse(200, 'INVITE')).length;
  await sleep(2.5 * T2);
  t.equal(raw.inbox.arrivals(isResponse(200, 'INVITE')).length, count, 'no 2xx after the ACK');
  t.equal(dialog!.state, 'confirmed');
  t.equal(dialog!.remoteSdp, CALLER_SDP);
  t.equal(raw.inbox.arrivals(isRequest('BYE')).length, 0, 'no BYE');
});

t.test('TCP: the 2xx is sent once (§13.3.1.4 retransmits over unreliable transports only)', async (t) => {
  const callee = await startStack(t);
  const stackPort = callee.transport.local('tcp').port;
  let dialog: Dialog | undefined;
  callee.onRequest('INVITE', async (req) => {
    dialog = await callee.createUAS(req, { sdp: CALLEE_SDP });
  });
  const socket = connect({ host: '127.0.0.1', port: stackPort });
  await once(socket, 'connect');
  t.teardown(() => void socket.destroy());
  const inbox = new Inbox();
  attach(socket, inbox);
  const local = socket.localPort!;
  socket.write(rawInvite({ port: local, stackPort, callId: uid('tcp'), transport: 'TCP' }));
  const ok = await inbox.response('the 2xx', 200, 'INVITE');
  await sleep(12 * T1);
  t.equal(inbox.count(isResponse(200, 'INVITE')), 1, 'one 2xx in 12*T1');
  socket.write(rawAck(ok, { port: local, stackPort, transport: 'TCP' }));
  await until('createUAS resolved', () => dialog);
  t.equal(dialog!.state, 'confirmed');
  t.equal(dialog!.s.destination.transport, 'tcp');
});

// =========================================================================================================
// CANCEL (§9).

t.test('CANCEL after 180: the caller gets 487, the callee INVITE is cancelled through the B2BUA', async (t) => {
  let cancelled = false;
  let lateAnswer: unknown;
  const x = await trio(t, {
    callee: async (req) => {
      req.respond(180);
      req.onCancel(() => (cancelled = true));
      await until('the CANCEL', () => cancelled).catch(() => undefined);
      lateAnswer = await x.callee.createUAS(req, { sdp: CALLEE_SDP }).catch((e: unknown) => e);
    },
  });
  const ac = new AbortController();
  const provisional: number[] = [];
  const err = await failure(
    x.caller.createUAC({
      uri: x.b2bUri,
      sdp: CALLER_SDP,
      signal: ac.signal,
      onProvisional: (res) => {
        provisional.push(res.status);
        if (res.status === 180) ac.abort();
      },
    }),
  );
  t.ok(err instanceof SipError && err.status === 487, `the caller got 487 (${String(err)})`);
  t.same(provisional, [180], 'the 180 was relayed');
  await until('the callee saw the CANCEL', () => cancelled);
  await until('the callee tried to answer', () => lateAnswer);
  t.ok(lateAnswer instanceof SipError && lateAnswer.status === 487, 'createUAS after the CANCEL rejects with 487');
  t.equal(x.calleeInvites[0]!.tx.lastResponse?.status, 487, 'the callee answered its INVITE 487');
  await until('the B2BUA gave up', () => x.b2bFailures.length);
  t.ok(x.b2bFailures[0] instanceof SipError && (x.b2bFailures[0] as SipError).status === 487, 'createB2BUA rejected with 487');
  t.equal(x.caller.dialogCount + x.b2b.dialogCount + x.callee.dialogCount, 0, 'no dialog anywhere');
  t.equal(x.calleeDialogs.length, 0);
});

t.test('abort before any provisional: CANCEL waits for the first provisional, even 100 Trying (§9.1)', async (t) => {
  const caller = await startStack(t);
  const raw = await udpParty(t);
  const ac = new AbortController();
  const result = failure(caller.createUAC({ uri: `sip:raw@127.0.0.1:${raw.port}`, sdp: CALLER_SDP, signal: ac.signal }));
  const [first] = await raw.inbox.wait('the INVITE', isRequest('INVITE'));
  const invite = first!.msg as SipRequest;
  ac.abort();
  await sleep(6 * T1);
  t.equal(raw.inbox.arrivals(isRequest('CANCEL')).length, 0, 'no CANCEL before a provisional');
  raw.reply(invite, 100);
  const [c] = await raw.inbox.wait('the CANCEL', isRequest('CANCEL'), 1, 1000);
  const cancel = c!.msg as SipRequest;
  t.equal(cancel.uri, invite.uri, 'same Request-URI');
  t.equal(cancel.callId, invite.callId, 'same Call-ID');
  t.equal(cancel.headers.get('from'), invite.headers.get('from'), 'same From');
  t.equal(cancel.headers.get('to'), invite.headers.get('to'), 'same To');
  t.same(cancel.cseq, { seq: invite.cseq.seq, method: 'CANCEL' }, 'same CSeq number');
  t.equal(cancel.topVia.params.get('branch'), invite.topVia.params.get('branch'), 'same branch');
  raw.reply(cancel, 200, { toTag: 'callee-tag' });
  raw.reply(invite, 487, { toTag: 'callee-tag' });
  const err = await result;
  t.ok(err instanceof SipError && err.status === 487, `createUAC rejected with 487 (${String(err)})`);
  const [ack] = await raw.inbox.wait('the ACK of the 487', isRequest('ACK'));
  t.equal((ack!.msg as SipRequest).topVia.params.get('branch'), invite.topVia.params.get('branch'), 'the 487 is ACKed in its transaction');
  t.equal(caller.dialogCount, 0);
});

t.test('a CANCEL whose INVITE never gets its 487: the INVITE counts as cancelled after 64*T1 (§9.1)', async (t) => {
  const caller = await startStack(t);
  const raw = await udpParty(t);
  raw.autoAnswer('CANCEL', 200, { toTag: 'callee-tag' });
  const ac = new AbortController();
  const result = failure(caller.createUAC({ uri: `sip:raw@127.0.0.1:${raw.port}`, sdp: CALLER_SDP, signal: ac.signal }));
  const [first] = await raw.inbox.wait('the INVITE', isRequest('INVITE'));
  raw.reply(first!.msg as SipRequest, 180, { toTag: 'callee-tag' });
  await sleep(T1);
  ac.abort();
  const [cancel] = await raw.inbox.wait('the CANCEL', isRequest('CANCEL'));
  const err = await Promise.race([result, sleep(64 * T1 + 1500).then(() => 'still waiting')]);
  const took = performance.now() - cancel!.at;
  t.ok(err instanceof SipError && err.status === 487, `createUAC rejected with 487 (${String(err)})`);
  t.ok(took >= 64 * T1 - 20, `64*T1 after the CANCEL (${took.toFixed(0)} ms)`);
  await until('the CANCEL transaction ended', () => caller.stats().clientTransactions === 0, 2 * TEST_TIMERS.T4).catch(() => undefined);
  t.equal(caller.stats().clientTransactions, 0, 'the INVITE transaction is gone too');
});

t.test('a caller giving up on a callee that never rings: both CANCELs go after 100 Trying, through the B2BUA', async (t) => {
  let cancelled = false;
  const x = await trio(t, {
    callee: async (req) => {
      req.onCancel(() => (cancelled = true)); // no 180: the B leg hears only the stack's 100 Trying
    },
  });
  const ac = new AbortController();
  const provisional: number[] = [];
  const result = failure(x.caller.createUAC({ uri: x.b2bUri, sdp: CALLER_SDP, signal: ac.signal, onProvisional: (res) => provisional.push(res.status) }));
  await until('the callee has the INVITE', () => x.calleeInvites.length);
  ac.abort();
  const err = await Promise.race([result, sleep(2000).then(() => 'no answer within 2 s')]);
  t.ok(err instanceof SipError && err.status === 487, `the caller got 487 (${String(err)})`);
  t.same(provisional, [], 'nothing but 100 Trying reached the caller');
  await until('the CANCEL reached the callee', () => cancelled, 1000).catch(() => undefined);
  t.ok(cancelled, 'the callee saw the CANCEL');
  await until('the callee answered 487', () => x.calleeInvites[0]!.tx.lastResponse?.status === 487, 1000).catch(() => undefined);
  t.equal(x.calleeInvites[0]!.tx.lastResponse?.status, 487, 'the callee INVITE ended with 487');
  await until('the B2BUA gave up', () => x.b2bFailures.length, 1000).catch(() => undefined);
  t.ok(x.b2bFailures[0] instanceof SipError && (x.b2bFailures[0] as SipError).status === 487, 'createB2BUA rejected with 487');
});

t.test('an already aborted signal sends nothing and rejects with 487', async (t) => {
  const caller = await startStack(t);
  const raw = await udpParty(t);
  const err = await failure(caller.createUAC({ uri: `sip:raw@127.0.0.1:${raw.port}`, sdp: CALLER_SDP, signal: AbortSignal.abort() }));
  t.ok(err instanceof SipError && err.status === 487);
  await sleep(4 * T1);
  t.equal(raw.inbox.items.length, 0, 'no INVITE went out');
});

// =========================================================================================================
// Early media.

t.test('183 with SDP is relayed through the B2BUA to the caller (early media)', async (t) => {
  const x = await trio(t, {
    callee: async (req, x) => {
      req.respond(180);
      req.respond(183, { body: Buffer.from(EARLY_SDP) });
      await sleep(2 * T1);
      x.calleeDialogs.push(await x.callee.createUAS(req, { sdp: CALLEE_SDP }));
    },
  });
  const provisional: SipResponse[] = [];
  const a = await x.caller.createUAC({ uri: x.b2bUri, sdp: CALLER_SDP, onProvisional: (res) => provisional.push(res) });
  t.same(provisional.map((r) => r.status), [180, 183], '180 then 183');
  const early = provisional[1]!;
  t.equal(early.text, EARLY_SDP, 'the early SDP is intact');
  t.equal(early.contentType, 'application/sdp');
  t.equal(provisional[0]!.body.length, 0, 'the 180 has no body');
  t.equal(early.toTag, a.s.remoteTag, 'the early dialog has the To tag of the final one');
  t.equal(provisional[0]!.contacts.length, 1, 'a 180 with a To tag sets up an early dialog: it has a Contact (§12.1.1)');
  t.match(early.contacts[0]?.uriText, new RegExp(`@127\\.0\\.0\\.1:${x.b2b.transport.local('udp').port}$`), "the 183's Contact is the B2BUA's");
  t.equal(a.remoteSdp, CALLEE_SDP, 'the 200 has the final answer');
});

// =========================================================================================================
// Hold and unhold (RFC 3264 §8.4) across the B2BUA.

t.test('re-INVITE hold and unhold cross the B2BUA; the callee mirrors the direction', async (t) => {
  const x = await trio(t);
  const { a, bua, c } = await call(x);
  const calleeModified: Array<string | undefined> = [];
  const b2bModified: Array<string | undefined> = [];
  c.on('modified', (sdp) => calleeModified.push(sdp));
  bua.a.on('modified', (sdp) => b2bModified.push(sdp));
  const hold = sdp('caller', 20000, 'sendonly', 2);
  const held = await a.modify(hold);
  t.equal(direction(held), 'recvonly', 'the caller is answered recvonly');
  t.equal(owner(held), 'callee', "the answer is the callee's");
  t.ok(version(held)! > version(CALLEE_SDP)!, 'a changed answer has a higher o= version (RFC 3264 §8)');
  t.equal(a.remoteSdp, held);
  t.equal(a.localSdp, hold);
  await until('modified at the callee', () => calleeModified.length === 1);
  t.equal(calleeModified[0], hold, "the callee's modified event has the offer");
  t.equal(c.remoteSdp, hold);
  t.equal(direction(c.localSdp), 'recvonly');
  await until('modified at the B2BUA', () => b2bModified.length === 1);
  t.same(b2bModified, [hold], 'the A leg saw it too');

  const unhold = sdp('caller', 20000, 'sendrecv', 3);
  const resumed = await a.modify(unhold);
  t.equal(direction(resumed), 'sendrecv', 'back to sendrecv');
  t.ok(version(resumed)! > version(held)!, 'version up again');
  await until('second modified', () => calleeModified.length === 2);
  t.equal(calleeModified[1], unhold);
  t.equal(direction(c.localSdp), 'sendrecv');
  // The same offer again changes nothing: the answer keeps its version.
  const same = await a.modify(unhold);
  t.equal(version(same), version(resumed), 'an unchanged answer keeps its version');
  t.equal(a.state, 'confirmed');
  t.equal(c.state, 'confirmed');
});

t.test('UPDATE hold (RFC 3311) crosses the B2BUA as UPDATE', async (t) => {
  const x = await trio(t);
  const { a, bua, c } = await call(x);
  const methods: string[] = [];
  const base = c.onModify;
  c.onModify = (offer, method) => {
    methods.push(method);
    return base(offer, method);
  };
  const modified = next(c, 'modified');
  const held = await a.modify(sdp('caller', 20000, 'inactive', 2), 'UPDATE');
  t.equal(direction(held), 'inactive', 'inactive mirrors inactive');
  t.same(methods, ['UPDATE'], 'the callee got an UPDATE');
  t.equal(direction((await modified)[0] as string), 'inactive');
  t.equal(direction(bua.b.remoteSdp), 'inactive');
  const resumed = await a.modify(CALLER_SDP, 'UPDATE');
  t.equal(direction(resumed), 'sendrecv');
  t.same(methods, ['UPDATE', 'UPDATE']);
});

t.test('glare: both ends re-INVITE at once; 491 for the loser(s) and the call survives (§14.1)', async (t) => {
  const x = await trio(t);
  const { a, c } = await call(x);
  const results = await Promise.allSettled([a.modify(sdp('caller', 20000, 'sendonly', 2)), c.modify(sdp('callee', 30000, 'sendonly', 2))]);
  const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  t.ok(rejected.length >= 1, `at least one side lost (${rejected.length})`);
  t.ok(rejected.every((e) => e instanceof SipError && e.status === 491), `every loser got 491 (${rejected.map(String).join(', ')})`);
  t.equal(a.state, 'confirmed');
  t.equal(c.state, 'confirmed');
  // A retry afterwards goes through.
  const answer = await a.modify(sdp('caller', 20000, 'sendonly', 3));
  t.equal(direction(answer), 'recvonly', 'a later re-INVITE succeeds');
  const back = await c.modify(sdp('callee', 30000, 'sendrecv', 3));
  t.equal(direction(back), 'sendrecv', 'from the other end too');
  t.equal(x.b2b.dialogCount, 2);
});

// =========================================================================================================
// Other in-dialog requests.

t.test('in-dialog INFO crosses the B2BUA intact; OPTIONS 200; unknown dialog 481; a lower CSeq 500', async (t) => {
  const x = await trio(t);
  const { a, c } = await call(x);
  const infos: IncomingRequest[] = [];
  c.on('info', (req) => {
    infos.push(req);
    req.respond(infos.length === 1 ? 200 : 488);
  });
  const dtmf = 'Signal=5\r\nDuration=160\r\n';
  const res = await a.request('INFO', { body: dtmf, contentType: 'application/dtmf-relay' });
  t.equal(res.status, 200);
  t.equal(infos.length, 1, 'the callee got the INFO');
  t.equal(infos[0]!.msg.text, dtmf, 'body intact');
  t.equal(infos[0]!.msg.headers.get('content-type'), 'application/dtmf-relay', 'content type intact');
  t.equal(infos[0]!.msg.callId, c.callId, 'in the B leg dialog');
  const refused = await failure(a.request('INFO', { body: 'x', contentType: 'text/plain' }));
  t.ok(refused instanceof SipError && refused.status === 488, `the callee's refusal comes back (${String(refused)})`);
  t.equal(a.state, 'confirmed', 'a refused INFO leaves the dialog up');

  const options = await a.request('OPTIONS');
  t.equal(options.status, 200, 'OPTIONS in the dialog');
  t.match(options.headers.get('allow'), /INFO/);

  const stray = await x.caller.request('INFO', { uri: x.b2bUri, to: `<${x.b2bUri}>;tag=no-such-dialog` });
  t.equal(stray.status, 481, 'a To tag of no dialog gets 481 (§12.2.2)');

  const seq = a.s.localSeq;
  a.s.localSeq = 0; // the next request goes out with CSeq 1, below what the B2BUA has seen
  const low = await failure(a.request('INFO'));
  t.ok(low instanceof SipError && low.status === 500, `a lower CSeq gets 500 (${String(low)})`);
  a.s.localSeq = seq + 1;
  t.equal(a.state, 'confirmed', 'the dialog survives the 500');
  t.equal((await a.request('OPTIONS')).status, 200, 'and keeps working');
});

// =========================================================================================================
// Transfer (RFC 3515, RFC 5589).

async function transferTarget(t: Test) {
  const target = await startStack(t);
  const dialogs: Dialog[] = [];
  target.onRequest('INVITE', async (req) => {
    if (req.msg.requestUri.scheme === 'sip' && req.msg.uri.startsWith('sip:busy@')) {
      req.respond(486);
      return;
    }
    dialogs.push(await target.createUAS(req, { sdp: TARGET_SDP }));
  });
  return { target, dialogs };
}

interface Notified {
  frag: string;
  event: string | undefined;
  state: string | undefined;
  contentType: string | undefined;
}

function collectNotifies(d: Dialog): Notified[] {
  const got: Notified[] = [];
  d.on('notify', (req) => {
    got.push({
      frag: req.msg.text.trim(),
      event: req.msg.headers.get('event'),
      state: req.msg.headers.get('subscription-state'),
      contentType: req.msg.contentType,
    });
    req.respond(200);
  });
  return got;
}

t.test('blind transfer: the callee REFERs the caller to a fourth party; NOTIFY 100 then 200; the referrer leaves, the call goes on', async (t) => {
  const x = await trio(t);
  const { target, dialogs } = await transferTarget(t);
  const { a, bua, c } = await call(x);
  const notifies = collectNotifies(c);
  const transferred = next(bua, 'transferred');
  const callerModified = next(a, 'modified');
  let ended: unknown[] | undefined;
  bua.on('end', (...args) => (ended = args));
  const targetUri = uriOf('agent', target);

  const accepted = await c.refer(targetUri);
  t.equal(accepted.status, 202, 'REFER accepted');
  await until('the final NOTIFY', () => notifies.length >= 2);
  t.same(notifies.map((n) => n.frag), ['SIP/2.0 100 Trying', 'SIP/2.0 200 OK'], 'sipfrag 100 then 200');
  t.ok(notifies.every((n) => n.event === 'refer'), 'Event: refer');
  t.ok(notifies.every((n) => n.contentType === 'message/sipfrag'), 'message/sipfrag');
  t.match(notifies[0]!.state, /^active/, 'the subscription is active at first');
  t.match(notifies[1]!.state, /^terminated/, 'and terminated by the final NOTIFY');
  t.same(await transferred, [200, targetUri], 'transferred event');
  const [newSdp] = await callerModified;
  t.equal(newSdp, TARGET_SDP, "the caller was re-INVITEd with the new party's SDP");
  t.equal(a.remoteSdp, TARGET_SDP);
  const n = await until('the target answered', () => dialogs[0]);
  t.equal(n.remoteSdp, CALLER_SDP, "the new party got the caller's SDP");
  t.equal(bua.a.callId, a.callId, 'the A leg stays');
  t.equal(bua.b.callId, n.callId, 'the B leg is now the new party');

  // The referrer hangs up: the call between the caller and the new party stays.
  await c.destroy();
  await sleep(6 * T1);
  t.equal(a.state, 'confirmed', 'the caller is still connected');
  t.equal(n.state, 'confirmed', 'the new party is still connected');
  t.equal(ended, undefined, 'the B2BUA call did not end');
  t.equal((await a.request('OPTIONS')).status, 200);

  // The caller hangs up: the BYE reaches the new party.
  const targetBye = next(n, 'destroy');
  await a.destroy();
  t.same((await targetBye)[0], 'remote', 'the new party got the BYE');
  t.same(ended, ['a', 'remote']);
  await until('no dialog left', () => x.b2b.dialogCount + target.dialogCount === 0);
  t.pass('every dialog ended');
});

t.test('blind transfer by the caller: the callee is re-INVITEd toward the new party, whose BYE reaches the callee', async (t) => {
  const x = await trio(t);
  const { target, dialogs } = await transferTarget(t);
  const { a, bua, c } = await call(x);
  const notifies = collectNotifies(a);
  const calleeModified = next(c, 'modified');
  t.equal((await a.refer(uriOf('agent', target))).status, 202);
  await until('the final NOTIFY', () => notifies.length >= 2);
  t.same(notifies.map((n) => n.frag), ['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
  t.equal((await calleeModified)[0], TARGET_SDP, "the callee was re-INVITEd with the new party's SDP");
  const n = await until('the target answered', () => dialogs[0]);
  t.equal(n.remoteSdp, CALLEE_SDP, "the new party got the callee's SDP");
  t.equal(bua.a.callId, n.callId, 'the A leg is now the new party');
  await a.destroy();
  await sleep(6 * T1);
  t.equal(c.state, 'confirmed', "the caller's BYE leaves the callee connected");
  const calleeBye = next(c, 'destroy');
  await n.destroy();
  t.equal((await calleeBye)[0], 'remote', "the new party's BYE reached the callee");
});

t.test('a referrer that hangs up right after the 202 does not stop the transfer (RFC 5589 §6)', async (t) => {
  const x = await trio(t);
  const { target, dialogs } = await transferTarget(t);
  const { a, bua, c } = await call(x);
  let ended: unknown[] | undefined;
  bua.on('end', (...args) => (ended = args));
  const callerModified = next(a, 'modified');
  const transferred = next(bua, 'transferred');
  t.equal((await c.refer(uriOf('agent', target))).status, 202);
  await c.destroy();
  t.equal((await transferred)[0], 200, 'the transfer completed');
  t.equal((await callerModified)[0], TARGET_SDP, 'the caller was moved to the new party');
  const n = await until('the target answered', () => dialogs[0]);
  t.equal(a.state, 'confirmed', 'the caller was not hung up with the referrer');
  t.equal(ended, undefined);
  const targetBye = next(n, 'destroy');
  await a.destroy();
  t.equal((await targetBye)[0], 'remote', "the caller's BYE reaches the new party");
  t.same(ended, ['a', 'remote']);
});

t.test('a referrer gone and the transfer failed: the other party is hung up', async (t) => {
  const x = await trio(t);
  const { target } = await transferTarget(t);
  const { a, bua, c } = await call(x);
  const ended = next(bua, 'end');
  const callerBye = next(a, 'destroy');
  t.equal((await c.refer(uriOf('busy', target))).status, 202);
  await c.destroy();
  t.same(await ended, ['b', 'remote'], 'the call ends as the referrer left it: its BYE');
  t.equal((await callerBye)[0], 'remote', 'the caller got a BYE');
});

t.test('a transfer the remaining party refuses (488 to the re-INVITE): NOTIFY 488, the new party is hung up, the call stays', async (t) => {
  const x = await trio(t);
  const { target, dialogs } = await transferTarget(t);
  const { a, bua, c } = await call(x);
  a.onModify = async () => {
    throw new SipError(488, 'Not Acceptable Here');
  };
  const notifies = collectNotifies(c);
  t.equal((await c.refer(uriOf('agent', target))).status, 202);
  await until('the final NOTIFY', () => notifies.length >= 2);
  t.same(notifies.map((n) => n.frag), ['SIP/2.0 100 Trying', 'SIP/2.0 488 Not Acceptable Here']);
  const n = await until('the target answered', () => dialogs[0]);
  await until('the new party hung up', () => n.state === 'terminated', 1000).catch(() => undefined);
  t.equal(n.state, 'terminated', 'the new party is not left connected to nobody');
  t.equal(target.dialogCount, 0);
  t.equal(a.state, 'confirmed');
  t.equal(c.state, 'confirmed');
  t.equal(bua.b.callId, c.callId, 'the B leg is unchanged');
});

t.test('transfer to a busy target: NOTIFY 486 and the original call stays up (the caller REFERs)', async (t) => {
  const x = await trio(t);
  const { target } = await transferTarget(t);
  const { a, bua, c } = await call(x);
  const notifies = collectNotifies(a);
  const transferred = next(bua, 'transferred');
  const targetUri = uriOf('busy', target);
  t.equal((await a.refer(targetUri)).status, 202);
  await until('the final NOTIFY', () => notifies.length >= 2);
  t.same(notifies.map((n) => n.frag), ['SIP/2.0 100 Trying', 'SIP/2.0 486 Busy Here'], 'sipfrag 100 then 486');
  t.match(notifies[1]!.state, /^terminated/);
  t.same(await transferred, [486, targetUri]);
  t.equal(a.state, 'confirmed');
  t.equal(c.state, 'confirmed');
  t.equal(a.remoteSdp, CALLEE_SDP, 'the caller still talks to the callee');
  t.equal(bua.b.callId, c.callId, 'the B leg is unchanged');
  const infos: string[] = [];
  c.on('info', (req) => {
    infos.push(req.msg.text);
    req.respond(200);
  });
  t.equal((await a.request('INFO', { body: 'still here', contentType: 'text/plain' })).status, 200);
  t.same(infos, ['still here'], 'requests still cross to the callee');
});

// =========================================================================================================
// Session timers (RFC 4028).

const SHORT_TIMER = { sessionTimer: { sessionExpires: 2, minSE: 1 } };

t.test('session timer: the UAS refreshes when the UAC lacks the extension, by UPDATE every half interval', async (t) => {
  const callee = await startStack(t, SHORT_TIMER);
  const stackPort = callee.transport.local('udp').port;
  const raw = await udpParty(t);
  raw.autoAnswer('UPDATE', 200, { toTag: 'raw-tag' });
  raw.autoAnswer('BYE', 200);
  let dialog: Dialog | undefined;
  callee.onRequest('INVITE', async (req) => {
    dialog = await callee.createUAS(req, { sdp: CALLEE_SDP });
  });
  raw.send(rawInvite({ port: raw.port, stackPort, callId: uid('st-uas'), headers: ['Allow: INVITE, ACK, BYE, CANCEL, UPDATE'] }), stackPort);
  const [ok] = await raw.inbox.wait('the 2xx', isResponse(200, 'INVITE'));
  const res = ok!.msg as SipResponse;
  t.match(res.headers.get('session-expires'), /^2;refresher=uas$/, 'the UAS is the refresher (§9)');
  t.notOk(res.headers.values('require').includes('timer'), 'no Require: timer to a UAC without the extension');
  raw.send(rawAck(res, { port: raw.port, stackPort }), stackPort);
  await until('confirmed', () => dialog);
  const updates = await raw.inbox.wait('two refreshes', isRequest('UPDATE'), 2, 3000);
  const first = updates[0]!.at - ok!.at;
  const between = updates[1]!.at - updates[0]!.at;
  t.ok(first >= 950 && first < 1400, `first refresh at half the interval (${first.toFixed(0)} ms)`);
  t.ok(between >= 950 && between < 1400, `then every half interval (${between.toFixed(0)} ms)`);
  const update = updates[0]!.msg as SipRequest;
  t.equal(update.text, CALLEE_SDP, 'the refresh re-offers the current session');
  t.equal(update.headers.get('session-expires'), '2;refresher=uac', 'the refresh states the interval, the refresher being its UAC (§7.4)');
  t.ok(update.headers.values('supported').includes('timer'), 'Supported: timer (§7.1)');
  t.equal(dialog!.state, 'confirmed');
  t.equal(raw.inbox.arrivals(isRequest('BYE')).length, 0, 'no BYE while refreshed');
  await dialog!.destroy();
});

t.test('session timer: the UAC refreshes through the B2BUA, and the callee sees the refreshes', async (t) => {
  const x = await trio(t, { stack: SHORT_TIMER });
  const { a, bua, c } = await call(x);
  t.equal(a.sessionInterval, 2);
  t.equal(bua.a.sessionInterval, 2);
  t.equal(c.sessionInterval, 2);
  const refreshes: string[] = [];
  const base = c.onModify;
  c.onModify = (offer, method) => {
    refreshes.push(method);
    return base(offer, method);
  };
  let aRefreshes = 0;
  bua.a.on('modified', () => aRefreshes++);
  await sleep(2300);
  t.ok(aRefreshes >= 2, `the caller refreshed the A leg ${aRefreshes} times in 2.3 s`);
  t.ok(refreshes.length >= 2, `the callee was refreshed ${refreshes.length} times`);
  t.ok(refreshes.every((m) => m === 'UPDATE'), 'by UPDATE, which both allow');
  t.equal(a.state, 'confirmed');
  t.equal(c.state, 'confirmed');
  await a.destroy();
});

t.test('session timer: when the refresher dies, the other side sends BYE before the interval ends and says session-expired', async (t) => {
  const x = await trio(t, { stack: SHORT_TIMER });
  const { a, bua, c } = await call(x);
  const seen = causes({ ba: bua.a, bb: bua.b, c });
  const ended = next(bua, 'end');
  const closedAt = performance.now();
  await x.caller.close(); // the caller's stack dies without a BYE: nothing refreshes the A leg any more
  t.equal(a.state, 'terminated');
  t.same(await ended, ['a', 'session-expired'], 'the B2BUA ended the call for the expired A leg');
  const after = performance.now() - closedAt;
  t.ok(after < 2000, `within the interval (${after.toFixed(0)} ms)`);
  await until('the callee got the BYE', () => c.state === 'terminated');
  t.same(seen, { ba: 'session-expired', bb: 'local', c: 'remote' });
});

t.test('session timer: a UAC refresher that never refreshes gets a BYE with a Reason (§10)', async (t) => {
  const callee = await startStack(t, SHORT_TIMER);
  const stackPort = callee.transport.local('udp').port;
  const raw = await udpParty(t);
  raw.autoAnswer('BYE', 200);
  let dialog: Dialog | undefined;
  let cause: DestroyCause | undefined;
  callee.onRequest('INVITE', async (req) => {
    dialog = await callee.createUAS(req, { sdp: CALLEE_SDP });
    dialog.once('destroy', (c) => (cause = c));
  });
  raw.send(
    rawInvite({ port: raw.port, stackPort, callId: uid('st-dead'), headers: ['Supported: timer', 'Session-Expires: 2;refresher=uac'] }),
    stackPort,
  );
  const [ok] = await raw.inbox.wait('the 2xx', isResponse(200, 'INVITE'));
  const res = ok!.msg as SipResponse;
  t.match(res.headers.get('session-expires'), /^2;refresher=uac$/, 'the UAC stays the refresher');
  t.ok(res.headers.values('require').includes('timer'), 'Require: timer when the UAC refreshes (§9)');
  raw.send(rawAck(res, { port: raw.port, stackPort }), stackPort);
  // One refresh by UPDATE at the half interval, then silence.
  await sleep(1000);
  raw.send(rawInDialog('UPDATE', res, 2, { port: raw.port, stackPort }, ['Supported: timer', 'Session-Expires: 2;refresher=uac']), stackPort);
  const [refreshed] = await raw.inbox.wait('the 2xx of the refresh', isResponse(200, 'UPDATE'));
  const answer = refreshed!.msg as SipResponse;
  t.equal(answer.headers.get('session-expires'), '2;refresher=uac', 'the 2xx of the refresh keeps the timer on (§9)');
  t.ok(answer.headers.values('require').includes('timer'), 'with Require: timer, the UAC refreshing');
  const [bye] = await raw.inbox.wait('the BYE', isRequest('BYE'), 1, 3000);
  const at = bye!.at - refreshed!.at;
  t.ok(at >= 1200 && at < 2000, `BYE before the session expires, counted from the refresh: interval - interval/3 (${at.toFixed(0)} ms)`);
  t.match((bye!.msg as SipRequest).headers.get('reason'), /Session expired/i);
  await until('destroyed', () => cause);
  t.equal(cause, 'session-expired');
});

t.test('session timer: a refresh answered 481 ends the call with BYE and session-expired (§10)', async (t) => {
  const x = await trio(t, { stack: SHORT_TIMER });
  const { a, bua, c } = await call(x);
  // The B2BUA forgets the A leg without a word: the caller's next refresh is answered 481.
  const seen = causes({ a, bb: bua.b, c });
  bua.a.removeAllListeners('destroy');
  bua.a.terminate('local');
  await until('the caller gave up', () => a.state === 'terminated', 2000);
  t.equal(seen.a, 'session-expired', "the refresher's dialog ends as session-expired");
  await until('the BYE answered', () => (x.b2b.stats().responses as Record<string, number>)['481'] === 2, 1000).catch(() => undefined);
  t.equal((x.b2b.stats().responses as Record<string, number>)['481'], 2, 'the refresh and then a BYE were answered 481 by the B2BUA');
  t.equal(c.state, 'confirmed', 'the B leg is its own dialog');
  await c.destroy();
});

t.test('session timer: a refresh refused for another reason (491) does not end the call', async (t) => {
  const caller = await startStack(t, SHORT_TIMER);
  const callee = await startStack(t, SHORT_TIMER);
  let c: Dialog | undefined;
  callee.onRequest('INVITE', async (req) => {
    c = await callee.createUAS(req, { sdp: CALLEE_SDP });
  });
  const a = await caller.createUAC({ uri: uriOf('callee', callee), sdp: CALLER_SDP });
  await until('answered', () => c);
  let refused = 0;
  let accepted = 0;
  const base = c!.onModify;
  c!.onModify = async (offer, method) => {
    if (refused === 0) {
      refused++;
      throw new SipError(491, 'Request Pending');
    }
    accepted++;
    return base(offer, method);
  };
  let cause: DestroyCause | undefined;
  a.once('destroy', (cz) => (cause = cz));
  c!.once('destroy', (cz) => (cause ??= cz));
  await until('a refresh after the refused one', () => accepted >= 1, 3000);
  t.equal(refused, 1);
  t.equal(cause, undefined, 'neither side ended the call');
  t.equal(a.state, 'confirmed');
  t.equal(c!.state, 'confirmed');
  await a.destroy();
});

t.test('session timer: 422 with Min-SE, and createUAC tries again with the larger interval (§6, §7.4)', async (t) => {
  const caller = await startStack(t, { sessionTimer: { sessionExpires: 1, minSE: 1 } });
  const callee = await startStack(t, { sessionTimer: { sessionExpires: 3, minSE: 3 } });
  const invites: SipRequest[] = [];
  let c: Dialog | undefined;
  callee.onRequest('INVITE', async (req) => {
    invites.push(req.msg);
    c = await callee.createUAS(req, { sdp: CALLEE_SDP });
  });
  const a = await caller.createUAC({ uri: uriOf('callee', callee), sdp: CALLER_SDP });
  await until('answered', () => c);
  t.equal(invites.length, 1, 'the 422 went out before the application');
  t.equal(invites[0]!.cseq.seq, 2, 'the retry has the next CSeq');
  t.equal(invites[0]!.headers.get('session-expires'), '3', 'and Session-Expires raised to Min-SE');
  t.equal(invites[0]!.headers.get('min-se'), '3', 'and Min-SE too');
  t.equal((callee.stats().responses as Record<string, number>)['422'], 1, 'one 422 answered');
  t.equal(a.sessionInterval, 3);
  t.equal(c!.sessionInterval, 3);
  t.equal(a.callId, c!.callId);
  await a.destroy();
});

// =========================================================================================================
// Delayed offer (§13.2.1) through the B2BUA.

t.test("delayed offer: the callee's 200 offer reaches the caller, the caller's ACK answer reaches the callee", async (t) => {
  const x = await trio(t);
  const a = await x.caller.createUAC({ uri: x.b2bUri, deferAck: true });
  t.equal(a.remoteSdp, CALLEE_SDP, "the caller got the callee's offer in the 200");
  t.equal(x.calleeInvites[0]!.msg.body.length, 0, 'the callee got an INVITE without SDP');
  a.ack(CALLER_SDP);
  const c = await until('the callee confirmed', () => x.calleeDialogs[0]);
  await until('the answer in the ACK', () => c.remoteSdp);
  t.equal(c.remoteSdp, CALLER_SDP, "the caller's answer reached the callee in the ACK");
  const bua = await until('joined', () => x.b2buas[0]);
  t.equal(bua.a.remoteSdp, CALLER_SDP);
  t.equal(bua.b.localSdp, CALLER_SDP);
  t.equal(a.localSdp, CALLER_SDP);
  await a.destroy();
  await until('ended', () => c.state === 'terminated');
});

// =========================================================================================================
// Digest (RFC 3261 §22.2).

t.test('createUAC answers a 407 with credentials; a wrong password ends in 407', async (t) => {
  const caller = await startStack(t);
  const callee = await startStack(t);
  const digest = new DigestServer({ realm: 'setagaya', lookup: async (u, r, alg) => (u === 'alice' ? ha1(alg, u, r, 'secret') : undefined) });
  const authenticator = new RequestAuthenticator(digest, callee.counters);
  const users: string[] = [];
  callee.onRequest('INVITE', async (req) => {
    const user = await authenticator.authenticate(req);
    if (!user) return;
    users.push(user);
    await callee.createUAS(req, { sdp: CALLEE_SDP });
  });
  const uri = uriOf('callee', callee);
  const a = await caller.createUAC({ uri, sdp: CALLER_SDP, auth: { user: 'alice', password: 'secret' } });
  t.equal(a.state, 'confirmed');
  t.same(users, ['alice'], 'the callee saw alice');
  const wrong = await failure(caller.createUAC({ uri, sdp: CALLER_SDP, auth: { user: 'alice', password: 'wrong' } }));
  t.ok(wrong instanceof SipError && wrong.status === 407, `wrong password: ${String(wrong)}`);
  const none = await failure(caller.createUAC({ uri, sdp: CALLER_SDP }));
  t.ok(none instanceof SipError && none.status === 407, 'no credentials: 407');
  t.equal(users.length, 1);
  t.equal(callee.counters.get('authFailures'), 1, 'one failed answer counted');
  await a.destroy();
});

// =========================================================================================================
// B leg failures.

t.test('a busy B leg is relayed to the caller as 486', async (t) => {
  const x = await trio(t, { callee: async (req) => void req.respond(486) });
  const err = await failure(x.caller.createUAC({ uri: x.b2bUri, sdp: CALLER_SDP }));
  t.ok(err instanceof SipError && err.status === 486, `the caller got 486 (${String(err)})`);
  t.equal((x.callee.stats().responses as Record<string, number>)['486'], 1, 'the callee counted its 486');
  t.equal((x.b2b.stats().responses as Record<string, number>)['486'], 1, 'the B2BUA counted its 486');
  t.equal(x.b2b.dialogCount, 0);
});

t.test('a B leg that never answers: 408 to the caller after 64*T1', async (t) => {
  const raw = await udpParty(t);
  const x = await trio(t, { bLegUri: `sip:nobody@127.0.0.1:${raw.port}` });
  const started = performance.now();
  const err = await failure(x.caller.createUAC({ uri: x.b2bUri, sdp: CALLER_SDP }));
  const took = performance.now() - started;
  t.ok(err instanceof SipError && err.status === 408, `the caller got 408 (${String(err)})`);
  t.ok(took >= 64 * T1 - 20, `after Timer B (${took.toFixed(0)} ms)`);
  t.ok(raw.inbox.arrivals(isRequest('INVITE')).length > 3, 'the B leg INVITE was retransmitted');
  t.equal(x.b2b.dialogCount, 0);
});

// =========================================================================================================
// Counters.

t.test('stats(): dialogs and transactions are counted on every stack', async (t) => {
  const x = await trio(t);
  const { a, c } = await call(x);
  t.equal(x.caller.stats().dialogs, 1, 'one live dialog at the caller');
  t.equal(x.b2b.stats().dialogs, 2, 'two at the B2BUA');
  t.equal(x.callee.stats().dialogs, 1, 'one at the callee');
  await a.destroy();
  await until('ended', () => c.state === 'terminated');
  const counters = (s: SipStack) => (s.stats().counters as Record<string, number>);
  t.equal(x.caller.stats().dialogs, 0, 'none live after the BYE');
  t.equal(x.b2b.stats().dialogs, 0);
  t.equal(counters(x.caller).dialogs, 1, 'one dialog counted at the caller');
  t.equal(counters(x.b2b).dialogs, 2, 'two at the B2BUA');
  t.equal(counters(x.callee).dialogs, 1, 'one at the callee');
  t.equal(counters(x.caller).clientTransactions, 2, 'caller: INVITE and BYE');
  t.equal(counters(x.b2b).serverTransactions, 2, 'B2BUA: INVITE and BYE in');
  t.equal(counters(x.b2b).clientTransactions, 2, 'B2BUA: INVITE and BYE out');
  t.equal(counters(x.callee).serverTransactions, 2, 'callee: INVITE and BYE');
  t.ok((counters(x.callee).messagesIn ?? 0) >= 3, 'messages in (INVITE, ACK, BYE)');
  t.ok(x.b2b.stats().clientTransactions !== undefined && x.b2b.stats().serverTransactions !== undefined, 'live transaction counts are reported');
});

/**
 * Our stack against sipp (issue 3, real peers on 127.0.0.1): sipp's built-in uac, uas, branchc/branchs and
 * 3pcc scenarios and our own XML scenarios (test/sipp/) through our B2BUA or against it as UAS and UAC:
 * CANCEL before answer, re-INVITE hold and unhold, REFER transfer, BYE from either side, REGISTER with
 * digest against accounts in a real SQLite file, and retransmissions under packet loss.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { AccountService } from '../../apps/accounts/account-service.js';
import { sipHa1Lookup } from '../../apps/accounts/sip-directory.js';
import { ManualClock } from '../../apps/time/clock.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { DigestServer } from '../../sip/auth/digest-server.js';
import type { B2BUA } from '../../sip/core/b2bua.js';
import type { SipStack } from '../../sip/core/stack.js';
import type { Dialog } from '../../sip/dialog/dialog.js';
import { isSipUri } from '../../sip/message/uri.js';
import { LocationService } from '../../sip/registrar/location.js';
import { Registrar } from '../../sip/registrar/registrar.js';
import { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import { migratedDb } from '../helpers/data.js';
import { freeUdpPort, runSipp, startSipp, type SippHandle, type SippOptions, type SippResult } from '../helpers/sipp.js';
import { startStack } from '../helpers/sip-stack.js';

const SDP = 'v=0\r\no=- 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n';

/** A B2BUA that routes by the Request-URI's user (sipp's -s service) to a sipp listening on 127.0.0.1. */
async function b2bua(t: Test, routes: Record<string, number>): Promise<{ stack: SipStack; target: string; calls: B2BUA[] }> {
  const stack = await startStack(t, { timers: { T1: 500, T2: 4000, T4: 5000 } });
  const calls: B2BUA[] = [];
  stack.onRequest('INVITE', async (req) => {
    const uri = req.msg.requestUri;
    const port = isSipUri(uri) && uri.user !== undefined ? routes[uri.user] : undefined;
    if (!port) {
      req.respond(404);
      return;
    }
    calls.push(await stack.createB2BUA(req, { uri: `sip:${isSipUri(uri) ? uri.user : ''}@127.0.0.1:${port}` }));
  });
  return { stack, target: `127.0.0.1:${stack.transport.local('udp').port}`, calls };
}

async function peer(t: Test, opts: Omit<SippOptions, 'localPort'>): Promise<SippHandle> {
  const handle = await startSipp({ ...opts, localPort: await freeUdpPort() });
  t.teardown(() => handle.stop(0));
  return handle;
}

async function caller(opts: Omit<SippOptions, 'localPort'>): Promise<SippResult> {
  return runSipp({ ...opts, localPort: await freeUdpPort() });
}

function allGood(t: Test, r: SippResult, calls: number, what: string): void {
  t.equal(r.successful, calls, `${what}: ${calls} calls succeed (${r.successful} ok, ${r.failed} failed${r.errors ? `: ${r.errors.slice(0, 300)}` : ''})`);
  t.equal(r.failed, 0, `${what}: none fail`);
}

t.test('built-in uac through our B2BUA to the built-in uas', async (t) => {
  const uas = await peer(t, { scenario: 'uas' });
  const { target, stack } = await b2bua(t, { service: uas.port });
  const r = await caller({ scenario: 'uac', target, rate: 50, calls: 100 });
  allGood(t, r, 100, 'uac');
  allGood(t, await uas.stop(), 100, 'uas');
  t.equal(stack.stats().dialogs, 0, 'every leg ended');
  t.equal(stack.counters.get('dialogs'), 200, 'two dialogs a call');
});

t.test('built-in uac against our UAS, our UAC against the built-in uas', async (t) => {
  const stack = await startStack(t, { timers: { T1: 500, T2: 4000, T4: 5000 } });
  stack.onRequest('INVITE', async (req) => void (await stack.createUAS(req, { sdp: SDP })));
  allGood(t, await caller({ scenario: 'uac', target: `127.0.0.1:${stack.transport.local('udp').port}`, rate: 20, calls: 20 }), 20, 'sipp uac to our UAS');

  const uas = await peer(t, { scenario: 'uas' });
  for (let i = 0; i < 10; i++) {
    const d: Dialog = await stack.createUAC({ uri: `sip:service@127.0.0.1:${uas.port}`, sdp: SDP });
    t.match(d.remoteSdp, /m=audio \d+ RTP\/AVP 0/, `call ${i + 1}: the uas answered with SDP`);
    await d.destroy();
  }
  allGood(t, await uas.stop(), 10, 'sipp uas answering our UAC');
});

t.test('built-in branchc against our stack as registrar-less UAS, our stack as client of branchs', async (t) => {
  const stack = await startStack(t, { timers: { T1: 500, T2: 4000, T4: 5000 } });
  stack.onRequest('REGISTER', (req) => void req.respond(200, { headers: [['Contact', req.msg.headers.get('contact') ?? '*'], ['Expires', '3600']] }));
  stack.onRequest('INVITE', async (req) => void (await stack.createUAS(req, { sdp: SDP })));
  allGood(t, await caller({ scenario: 'branchc', target: `127.0.0.1:${stack.transport.local('udp').port}`, rate: 10, calls: 10 }), 10, 'branchc');

  // branchs takes a REGISTER and an INVITE of one Call-ID as one call, and answers only callers named ua2.
  const branchs = await peer(t, { scenario: 'branchs' });
  for (let i = 0; i < 3; i++) {
    const callId = `branchs-${i}@127.0.0.1`;
    const reg = await stack.request('REGISTER', { uri: `sip:127.0.0.1:${branchs.port}`, callId, headers: [['Contact', `<sip:ua2@127.0.0.1:${stack.transport.local('udp').port}>`]] });
    t.equal(reg.status, 200, `branchs: REGISTER ${i + 1} answered 200`);
    const d = await stack.createUAC({ uri: `sip:ua2@127.0.0.1:${branchs.port}`, from: '<sip:ua2@127.0.0.1>', callId, sdp: SDP });
    await d.destroy();
  }
  allGood(t, await branchs.stop(), 3, 'branchs');
});

t.test('3pcc: the controller sets up a call between A and B through our B2BUA (INVITE without SDP, SDP in ACK)', async (t) => {
  const a = await peer(t, { scenario: '3pcc-A' });
  const b = await peer(t, { scenario: '3pcc-B' });
  const { target, stack } = await b2bua(t, { a: a.port, b: b.port });
  const twin = `127.0.0.1:${await freeUdpPort()}`;
  const controllerB = startSipp({ scenario: '3pcc-C-B', target, service: 'b', localPort: await freeUdpPort(), extraArgs: ['-3pcc', twin], calls: 1 });
  const cb = await controllerB;
  t.teardown(() => cb.stop(0));
  const ca = await caller({ scenario: '3pcc-C-A', target, service: 'a', calls: 1, extraArgs: ['-3pcc', twin] });
  allGood(t, ca, 1, '3pcc controller, A side');
  allGood(t, await cb.done, 1, '3pcc controller, B side');
  allGood(t, await a.stop(), 1, '3pcc A');
  allGood(t, await b.stop(), 1, '3pcc B');
  t.equal(stack.stats().dialogs, 0, 'every leg ended');
});

t.test('CANCEL before answer crosses the B2BUA: 487 to the caller, the callee cancelled', async (t) => {
  const uas = await peer(t, { scenario: 'uas-ring' });
  const { target, stack } = await b2bua(t, { service: uas.port });
  allGood(t, await caller({ scenario: 'uac-cancel', target, rate: 5, calls: 5 }), 5, 'uac-cancel');
  allGood(t, await uas.stop(), 5, 'uas-ring');
  t.equal(stack.stats().dialogs, 0, 'no dialog left');
});

t.test('re-INVITE hold and unhold relayed through the B2BUA', async (t) => {
  const uas = await peer(t, { scenario: 'uas-hold' });
  const { target } = await b2bua(t, { service: uas.port });
  allGood(t, await caller({ scenario: 'uac-hold', target, rate: 5, calls: 5 }), 5, 'uac-hold');
  allGood(t, await uas.stop(), 5, 'uas-hold');
});

t.test('BYE from the callee, relayed to the caller', async (t) => {
  const uas = await peer(t, { scenario: 'uas-bye-first' });
  const { target } = await b2bua(t, { service: uas.port });
  allGood(t, await caller({ scenario: 'uac-bye-by-uas', target, rate: 5, calls: 5 }), 5, 'uac-bye-by-uas');
  allGood(t, await uas.stop(), 5, 'uas-bye-first');
});

t.test('REFER: the caller transfers the callee to another party through the B2BUA', async (t) => {
  const callee = await peer(t, { scenario: 'uas-transferred' });
  const agent2 = await peer(t, { scenario: 'uas' });
  const { target, calls } = await b2bua(t, { service: callee.port, agent2: agent2.port });
  const r = await caller({ scenario: 'uac-refer', target, calls: 1, keys: { refer_to: `sip:agent2@${target}` } });
  allGood(t, r, 1, 'uac-refer (202, NOTIFY 100 and 200, BYE)');
  allGood(t, await callee.stop(), 1, 'the transferred callee (re-INVITE, then its BYE)');
  allGood(t, await agent2.stop(), 1, 'the transfer target (answered, then hung up by the callee)');
  t.equal(calls.length, 2, "the call to the transfer target went through the B2BUA's own routing too");
});

t.test('REGISTER with digest against accounts in SQLite (sipp answers MD5)', async (t) => {
  const db = await migratedDb(t);
  const accounts = new AccountService(db, new ManualClock('2027-06-01T09:00:00+09:00'), { minPasswordLength: 10, sipRealm: 'setagaya-call' });
  await accounts.create({ username: 'op01', displayName: 'オペレーター01', roles: ['operator'], password: 'console-pass-op01', sipPassword: 'sip-pass-op01' }, { id: null, name: 'test' });
  const stack = await startStack(t);
  const location = new LocationService();
  t.teardown(() => location.stop());
  const digest = new DigestServer({ realm: 'setagaya-call', algorithms: ['MD5', 'SHA-256'], lookup: sipHa1Lookup(new UsersRepository(db)) });
  stack.onRequest('REGISTER', new Registrar(location, new RequestAuthenticator(digest, stack.counters), stack.counters).handle);
  const target = `127.0.0.1:${stack.transport.local('udp').port}`;
  allGood(t, await caller({ scenario: 'uac-register-digest', target, service: 'op01', authPass: 'sip-pass-op01', calls: 1 }), 1, 'register and unregister');
  t.equal(stack.counters.get('registrations'), 2, 'one registration and one removal');
  t.equal(location.lookup('op01').length, 0, 'unregistered at the end');
  const wrong = await caller({ scenario: 'uac-register-digest', target, service: 'op01', authPass: 'wrong-password', calls: 1 });
  t.equal(wrong.successful, 0, 'a wrong password does not register');
  t.ok(stack.counters.get('authFailures') >= 1, 'and is counted');
});

t.test('calls survive 10% packet loss through the B2BUA (retransmissions)', async (t) => {
  const uas = await peer(t, { scenario: 'uas' });
  // sipp's uac takes any 200 after its BYE for the BYE's: when its BYE is lost and our retransmitted 2xx
  // arrives, it ends the call without ever sending the BYE again. We then end it ourselves when no ACK came
  // within 64*T1 (§13.3.1.4, 32 s), which the test waits for.
  const { target, stack } = await b2bua(t, { service: uas.port });
  const r = await caller({ scenario: 'uac', target, rate: 10, calls: 40, lostPercent: 10, timeoutMs: 180_000 });
  // Every call completes; sipp may still count a late retransmission of ours to a call it already finished as
  // a failed "dead call", so its failure counter is not the measure here.
  t.equal(r.successful, 40, `uac with -lost 10: every call completes (${r.successful}${r.successful < 40 ? `: ${r.errors.slice(0, 600)}` : ""})`);
  t.ok(r.retransmissions > 0, `sipp retransmitted what it lost (${r.retransmissions})`);
  t.ok(stack.counters.get('retransmissions') > 0, `and so did we (${stack.counters.get('retransmissions')})`);
  // Legs still waiting for an ACK end within 64*T1, and sipp writes its counters once a second: both are
  // waited for before the uas is asked for its figures.
  for (let i = 0; i < 800 && stack.dialogCount; i++) await sleep(50);
  t.equal(stack.dialogCount, 0, 'every leg ended');
  await sleep(1500);
  allGood(t, await uas.stop(), 40, 'uas');
});

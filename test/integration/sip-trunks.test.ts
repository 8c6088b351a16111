/**
 * Trunk monitoring (T1, T12) on real sockets of 127.0.0.1: stacks play the carriers, answering (or not) the
 * monitor's OPTIONS pings. Short pings and T1 = 10 ms (Timer F = 640 ms), so an unanswered ping times out fast.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { SipStack } from '../../sip/core/stack.js';
import type { SipRequest } from '../../sip/message/message.js';
import type { Peer } from '../../sip/transport/peer.js';
import { TrunkMonitor, type Trunk } from '../../sip/trunk/trunks.js';
import { startStack, udpPeer } from '../helpers/sip-stack.js';

const FAST = { T1: 10, T2: 40, T4: 50 };
const TIMER_F = 64 * FAST.T1;

interface Carrier {
  stack: SipStack;
  peer: Peer;
  pings: SipRequest[];
}

/**
 * A carrier on its own port; `answer` picks the status of its reply to OPTIONS (200 by default), or undefined
 * to stay silent, so the monitor's transaction times out.
 */
async function carrier(t: Test, answer: (req: SipRequest) => number | undefined | Promise<number | undefined> = () => 200, port?: number): Promise<Carrier> {
  let stack: SipStack;
  if (port === undefined) stack = await startStack(t, { timers: FAST });
  else {
    stack = new SipStack({ address: '127.0.0.1', port, transports: ['udp', 'tcp'], timers: FAST });
    await stack.listen();
    t.teardown(() => stack.close());
  }
  const pings: SipRequest[] = [];
  stack.onRequest('OPTIONS', async (req) => {
    pings.push(req.msg);
    const status = await answer(req.msg);
    if (status !== undefined) req.respond(status);
  });
  return { stack, pings, peer: { transport: 'udp', address: '127.0.0.1', port: stack.transport.local('udp').port } };
}

async function monitor(t: Test, trunks: Trunk[], intervalMs = 100, failuresToDown = 2): Promise<{ monitor: TrunkMonitor; events: string[] }> {
  const stack = await startStack(t, { timers: FAST });
  const m = new TrunkMonitor(stack, trunks, { intervalS: 30, intervalMs, failuresToDown });
  t.teardown(() => m.stop());
  const events: string[] = [];
  m.on('up', (trunk) => events.push(`${trunk.name} up`));
  m.on('down', (trunk) => events.push(`${trunk.name} down`));
  return { monitor: m, events };
}

/** The next `event` of the monitor, or a rejection after `ms`. */
function next(m: TrunkMonitor, event: 'up' | 'down', ms = 5000): Promise<unknown> {
  return once(m, event, { signal: AbortSignal.timeout(ms) });
}

t.test('a trunk starts down, is up once a ping is answered, down after silent pings, and up when the carrier returns', async (t) => {
  const main = await carrier(t);
  const { monitor: m, events } = await monitor(t, [{ name: 't12', peer: main.peer }]);
  t.notOk(m.isUp('t12'), 'unknown until a ping is answered: down');
  t.same(m.available(), []);
  t.equal(main.pings.length, 0, 'nothing is sent before start()');

  m.start();
  await next(m, 'up');
  t.ok(m.isUp('t12'));
  t.same(events, ['t12 up']);
  const [ping] = main.pings;
  t.equal(ping?.uri, `sip:127.0.0.1:${main.peer.port}`, "OPTIONS to the carrier's address");
  t.equal(ping?.headers.get('max-forwards'), '70');
  await sleep(350);
  t.ok(main.pings.length >= 3, `pinged every 100 ms (${main.pings.length} pings)`);
  t.same(events, ['t12 up'], 'answered pings raise no further event');

  const closedAt = Date.now();
  await main.stack.close();
  await next(m, 'down');
  const silentFor = Date.now() - closedAt;
  t.ok(silentFor >= TIMER_F, `down only when a ping went unanswered for Timer F (${silentFor} ms)`);
  t.notOk(m.isUp('t12'));
  t.same(m.available(), []);
  t.same(events, ['t12 up', 't12 down']);

  const back = await carrier(t, () => 200, main.peer.port);
  await next(m, 'up');
  t.ok(m.isUp('t12'), 'up again when the carrier answers');
  t.ok(back.pings.length >= 1);
  // Pings sent while the carrier was away are still timing out (the interval is shorter than Timer F): their
  // silence is older than the answer and must not take the trunk down again.
  await sleep(TIMER_F + 300);
  t.same(events, ['t12 up', 't12 down', 't12 up'], 'no flapping from the pings sent while it was away');
  t.ok(m.isUp('t12'));
});

t.test('one silent ping is not enough when failuresToDown is 2, and a lone answer resets the count', async (t) => {
  let silent = false;
  const c = await carrier(t, () => (silent ? undefined : 200));
  const { monitor: m, events } = await monitor(t, [{ name: 't12', peer: c.peer }], 60_000, 2);
  await m.pingAll();
  t.same(events, ['t12 up']);
  silent = true;
  await m.pingAll();
  t.ok(m.isUp('t12'), 'one silent ping: still up');
  silent = false;
  await m.pingAll();
  silent = true;
  await m.pingAll();
  t.ok(m.isUp('t12'), 'the answer in between started the count again');
  await m.pingAll();
  t.notOk(m.isUp('t12'), 'two silent pings in a row: down');
  t.same(events, ['t12 up', 't12 down']);

  // Pings overlap when the interval is shorter than Timer F: silence that ends after a newer ping was
  // answered is old news and must not take the trunk down again.
  silent = false;
  await m.pingAll();
  silent = true;
  const older = [m.pingAll(), m.pingAll()];
  await sleep(20);
  silent = false;
  await m.pingAll();
  t.ok(m.isUp('t12'), 'up on the newest answer');
  await Promise.all(older);
  t.ok(m.isUp('t12'), 'and still up when the two older pings time out after it');
  t.same(events, ['t12 up', 't12 down', 't12 up']);
});

t.test('any response proves the carrier alive, even 404, 503 or a challenge; only silence does not', async (t) => {
  const notFound = await carrier(t, () => 404);
  const unavailable = await carrier(t, () => 503);
  const challenging = await carrier(t, () => 401);
  const silentPeer = await udpPeer(t);
  const { monitor: m, events } = await monitor(t, [
    { name: 'nf', peer: notFound.peer },
    { name: 'busy', peer: unavailable.peer },
    { name: 'auth', peer: challenging.peer },
    { name: 'mute', peer: { transport: 'udp', address: '127.0.0.1', port: silentPeer.port } },
  ]);
  const started = Date.now();
  await m.pingAll();
  t.ok(Date.now() - started >= TIMER_F, 'pingAll waits for the silent one to time out');
  t.same(m.available().map((x) => x.name), ['nf', 'busy', 'auth']);
  t.same(events.sort(), ['auth up', 'busy up', 'nf up'], 'the silent one raises no event: it never was up');
  t.ok((await silentPeer.next(10)) !== null, 'the silent one was pinged all the same');
  t.equal(unavailable.pings.length, 1, 'one ping each');
});

t.test('available() keeps the configured order, the main line (T12) first, whichever answered first', async (t) => {
  let mainAlive = true;
  const main = await carrier(t, async () => {
    await sleep(150); // the main line answers late
    return mainAlive ? 200 : 503;
  });
  const backup = await carrier(t);
  const { monitor: m, events } = await monitor(t, [
    { name: 't12', peer: main.peer },
    { name: 't1', peer: backup.peer },
  ]);
  m.start();
  await next(m, 'up');
  await next(m, 'up');
  t.same(events, ['t1 up', 't12 up'], 'the backup answered first');
  t.same(m.available().map((x) => x.name), ['t12', 't1'], 'yet the main line comes first');
  mainAlive = false;
  await sleep(400);
  t.same(m.available().map((x) => x.name), ['t12', 't1'], 'a 503 from the main line keeps it up: it answers');
  await main.stack.close();
  await next(m, 'down');
  t.same(m.available().map((x) => x.name), ['t1'], 'down, the backup alone is left');
  t.same(events, ['t1 up', 't12 up', 't12 down']);
});

t.test('a TCP trunk is pinged over TCP with transport=tcp in the Request-URI', async (t) => {
  const c = await carrier(t);
  const peer: Peer = { transport: 'tcp', address: '127.0.0.1', port: c.stack.transport.local('tcp').port };
  const { monitor: m } = await monitor(t, [{ name: 't12', peer }]);
  const arrived: Peer[] = [];
  c.stack.onRequest('OPTIONS', (req) => {
    arrived.push(req.source);
    c.pings.push(req.msg);
    req.respond(200);
  });
  await m.pingAll();
  t.ok(m.isUp('t12'));
  t.equal(c.pings[0]?.uri, `sip:127.0.0.1:${peer.port};transport=tcp`);
  t.equal(arrived[0]?.transport, 'tcp');
});

t.test('stop() ends the pings, and a ping under way no longer changes anything', async (t) => {
  const c = await carrier(t, async () => {
    await sleep(100);
    return 200;
  });
  const { monitor: m, events } = await monitor(t, [{ name: 't12', peer: c.peer }], 50);
  m.start();
  m.start(); // a second start() does not double the pings
  await next(m, 'up');
  await sleep(500);
  const sent = c.pings.length;
  t.ok(sent >= 6 && sent <= 14, `one ping every 50 ms, not two (${sent} in about 600 ms)`);
  m.stop();
  await sleep(150);
  const afterStop = c.pings.length;
  await c.stack.close();
  await sleep(TIMER_F + 200);
  t.equal(c.pings.length, afterStop, 'no ping after stop()');
  t.same(events, ['t12 up'], 'and no event, though the carrier went away');
  t.ok(m.isUp('t12'), 'the last known state stays');

  // Stopped while a ping is on its way: its answer is dropped.
  const slow = await carrier(t, async () => {
    await sleep(200);
    return 200;
  });
  const { monitor: m2, events: events2 } = await monitor(t, [{ name: 't1', peer: slow.peer }]);
  m2.start();
  await sleep(50);
  m2.stop();
  await sleep(400);
  t.equal(slow.pings.length, 1);
  t.same(events2, [], 'the answer after stop() raised nothing');
  t.notOk(m2.isUp('t1'));
});

t.test('match() recognises a trunk by address, by port over UDP, and by transport', async (t) => {
  const stack = await startStack(t);
  const trunks: Trunk[] = [
    { name: 't12', peer: { transport: 'udp', address: '192.0.2.1', port: 5060 } },
    { name: 't1', peer: { transport: 'tcp', address: '192.0.2.2', port: 5060 }, digestUser: 'carrier01' },
    { name: 'tls', peer: { transport: 'tls', address: '192.0.2.3', port: 5061 } },
    { name: 'v6', peer: { transport: 'udp', address: '2001:db8::1', port: 5060 } },
  ];
  const m = new TrunkMonitor(stack, trunks);
  const name = (transport: Peer['transport'], address: string, port: number) => m.match({ transport, address, port })?.name;
  t.equal(name('udp', '192.0.2.1', 5060), 't12');
  t.equal(name('udp', '192.0.2.1', 5062), undefined, 'over UDP the port must match');
  t.equal(name('tcp', '192.0.2.1', 41234), 't12', 'a UDP trunk over TCP (large requests, §18.1.1): any source port');
  t.equal(name('udp', '192.0.2.9', 5060), undefined, 'another address');
  t.equal(name('tcp', '192.0.2.2', 52345), 't1', 'a TCP trunk from an ephemeral port');
  t.equal(name('udp', '192.0.2.2', 5060), undefined, 'a TCP trunk is not recognised over UDP');
  t.equal(name('tls', '192.0.2.3', 50000), 'tls');
  t.equal(name('tcp', '192.0.2.3', 50000), undefined, 'a TLS trunk is not recognised over plain TCP');
  t.equal(name('udp', '2001:DB8:0:0::1', 5060), 'v6', 'IPv6 in another spelling');
  t.equal(name('udp', '::ffff:192.0.2.1', 5060), 't12', 'IPv4-mapped IPv6, as a dual-stack socket reports it');
  t.equal(name('udp', '127.0.0.1', 5060), undefined);
  t.equal(m.match({ transport: 'tcp', address: '192.0.2.2', port: 1 })?.digestUser, 'carrier01');
});

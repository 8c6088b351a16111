/** The location service (RFC 3261 §10.3) with a hand-moved clock: bindings, their order, expiry and events. */
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { LocationService, type Binding } from '../../sip/registrar/location.js';

const SOURCE = { transport: 'udp' as const, address: '192.0.2.50', port: 40000 };

function setup(t: Test, sweepMs = 60_000) {
  const clock = { now: 1_000_000 };
  const location = new LocationService(() => clock.now, sweepMs);
  t.teardown(() => location.stop());
  const changes: Array<[string, string[]]> = [];
  location.on('change', (user, bindings) => changes.push([user, bindings.map((b) => b.contact)]));
  const put = (user: string, contact: string, expires: number, more: Partial<Binding> = {}) =>
    location.put({ user, contact, callId: `call-${user}`, cseq: 1, source: SOURCE, q: 1, ...more }, expires);
  return { clock, location, changes, put };
}

const contacts = (bindings: readonly Binding[]) => bindings.map((b) => b.contact);

t.test('bindings are added, refreshed in place and removed, each change announced', async (t) => {
  const { clock, location, changes, put } = setup(t);
  put('op01', 'sip:op01@192.0.2.1', 60);
  put('op01', 'sip:op01@192.0.2.2', 120);
  t.same(contacts(location.lookup('op01')), ['sip:op01@192.0.2.2', 'sip:op01@192.0.2.1']);
  t.equal(location.lookup('op01')[1]?.expiresAt, clock.now + 60_000, 'expiry from the clock');

  put('op01', 'SIP:op01@192.0.2.1;transport=udp', 300, { cseq: 2 });
  t.equal(location.size, 2, 'the same URI with the scheme in other case and a parameter only it has refreshes the binding');
  t.match(location.find('op01', 'sip:op01@192.0.2.1'), { contact: 'SIP:op01@192.0.2.1;transport=udp', cseq: 2, expiresAt: clock.now + 300_000 });
  put('op01', 'sip:op01@192.0.2.1:5062', 300);
  t.equal(location.size, 3, 'another port is another contact');

  put('op01', 'sip:op01@192.0.2.2', 0);
  t.same(contacts(location.lookup('op01')).sort(), ['SIP:op01@192.0.2.1;transport=udp', 'sip:op01@192.0.2.1:5062']);
  t.equal(location.find('op01', 'sip:op01@192.0.2.2'), undefined);
  put('op01', 'sip:op01@192.0.2.99', 0);
  t.equal(location.size, 2, 'removing an unknown contact changes nothing');
  t.equal(changes.length, 6, 'one change per put');
  t.same(changes[0], ['op01', ['sip:op01@192.0.2.1']]);

  location.removeAll('op01');
  t.same(location.lookup('op01'), []);
  t.same(location.users(), [], 'a user without bindings is gone');
  t.same(changes.at(-1), ['op01', []]);
});

t.test('contacts compare as URIs do (§19.1.4): the user part by case, maddr and user parameters strictly', async (t) => {
  const { location, put } = setup(t);
  put('op03', 'sip:op03@192.0.2.1', 60);
  put('op03', 'sip:OP03@192.0.2.1', 60);
  t.equal(location.size, 2, 'a user part in other case is another contact');
  put('op03', 'sip:op03@192.0.2.1;maddr=192.0.2.9', 60);
  t.equal(location.size, 3, 'maddr in one only is another contact');
  put('op03', 'sip:%6Fp03@192.0.2.1;ob', 120);
  t.equal(location.size, 3, 'an escaped user part and a parameter in one only match the first');
  t.equal(location.find('op03', 'sip:op03@192.0.2.1')?.contact, 'sip:%6Fp03@192.0.2.1;ob');
});

t.test('lookup: highest q first, and among equal q the latest registration first', async (t) => {
  const { location, put, clock } = setup(t);
  put('op02', 'sip:op02@192.0.2.1', 600, { q: 0.5 });
  put('op02', 'sip:op02@192.0.2.2', 600, { q: 1 });
  put('op02', 'sip:op02@192.0.2.3', 600, { q: 0.5 });
  put('op02', 'sip:op02@192.0.2.4', 600, { q: 0 });
  t.same(contacts(location.lookup('op02')), ['sip:op02@192.0.2.2', 'sip:op02@192.0.2.3', 'sip:op02@192.0.2.1', 'sip:op02@192.0.2.4']);
  clock.now += 1000;
  put('op02', 'sip:op02@192.0.2.1', 600, { q: 0.5 });
  t.equal(location.lookup('op02')[1]?.contact, 'sip:op02@192.0.2.1', 'a refresh makes it the latest');
  t.same(location.lookup('nobody'), []);
});

t.test('expired bindings vanish from lookup, users and size at once, before the sweep', async (t) => {
  const { clock, location, changes, put } = setup(t);
  put('op01', 'sip:op01@192.0.2.1', 60);
  put('op01', 'sip:op01@192.0.2.2', 120);
  put('op02', 'sip:op02@192.0.2.3', 60);
  clock.now += 60_000;
  t.same(contacts(location.lookup('op01')), ['sip:op01@192.0.2.2'], 'an expiry at this very instant is expired');
  t.same(location.users(), ['op01']);
  t.equal(location.size, 1);
  t.equal(changes.length, 3, 'nothing announced until the sweep');
  t.ok(location.find('op02', 'sip:op02@192.0.2.3'), 'find still sees it, for the CSeq check');

  // Contact: * keeping a binding a later request of the same Call-ID made.
  put('op03', 'sip:op03@192.0.2.4', 600, { callId: 'a', cseq: 5 });
  put('op03', 'sip:op03@192.0.2.5', 600, { callId: 'b', cseq: 1 });
  location.removeAll('op03', (b) => b.callId === 'a' && b.cseq >= 3);
  t.same(contacts(location.lookup('op03')), ['sip:op03@192.0.2.4']);
});

t.test('the sweep drops expired bindings and announces each user once', async (t) => {
  const { clock, location, changes, put } = setup(t, 5);
  put('op01', 'sip:op01@192.0.2.1', 60);
  put('op01', 'sip:op01@192.0.2.2', 120);
  put('op02', 'sip:op02@192.0.2.3', 60);
  put('op03', 'sip:op03@192.0.2.4', 600);
  changes.length = 0;
  await sleep(30);
  t.same(changes, [], 'nothing to sweep');
  clock.now += 61_000;
  await sleep(30);
  t.same(changes, [
    ['op01', ['sip:op01@192.0.2.2']],
    ['op02', []],
  ]);
  t.same(location.users().sort(), ['op01', 'op03']);
  location.stop();
  clock.now += 600_000;
  await sleep(30);
  t.equal(changes.length, 2, 'no sweep after stop()');
  t.equal(location.size, 0, 'though lookups still see the time');
});

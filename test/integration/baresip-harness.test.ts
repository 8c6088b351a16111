/**
 * The softphone harness proven on itself: two headless baresip instances register (digest authentication)
 * with kamailio as registrar and proxy, one calls the other, both see the call established and closed.
 */
import t, { type Test } from 'tap';
import { startBaresip, type Baresip } from '../helpers/baresip.js';
import { startKamailio } from '../helpers/kamailio.js';
import { freeUdpPort } from '../helpers/sipp.js';

const PASSWORD = 'op-pass';

async function setup(t: Test, calleeAnswers: 'auto' | 'manual'): Promise<{ alice: Baresip; bob: Baresip }> {
  const port = await freeUdpPort();
  const registrar = await startKamailio({ port, registrar: true, authPassword: PASSWORD });
  t.teardown(() => registrar.stop());
  const phone = async (user: string, answerMode: 'auto' | 'manual') => {
    const p = await startBaresip({ user, password: PASSWORD, registrar: `127.0.0.1:${port}`, answerMode });
    // Phones go before the registrar (teardowns run in reverse): they unregister on SIGTERM.
    t.teardown(() => p.stop());
    return p;
  };
  const alice = await phone('alice', 'manual');
  const bob = await phone('bob', calleeAnswers);
  for (const p of [alice, bob]) {
    const registered = await p.waitFor('REGISTER_OK');
    t.equal(registered.accountaor, p.aor, `${p.user} registered`);
  }
  return { alice, bob };
}

t.test('a call answered automatically, hung up by the caller', async (t) => {
  const { alice, bob } = await setup(t, 'auto');
  await alice.dial(bob.aor);
  const outgoing = await alice.waitFor('CALL_ESTABLISHED');
  const incoming = await bob.waitFor('CALL_ESTABLISHED');
  t.equal(outgoing.direction, 'outgoing');
  t.equal(incoming.direction, 'incoming');
  t.match(incoming.peeruri, /^sip:alice@/, 'bob sees alice calling');
  t.equal(incoming.id, outgoing.id, 'one call, seen from both ends (same Call-ID)');
  // RTP from the other end has arrived at each phone: the tone file is being sent both ways.
  await alice.waitFor('CALL_RTPESTAB');
  await bob.waitFor('CALL_RTPESTAB');
  await alice.hangup();
  await alice.waitFor('CALL_CLOSED');
  const closed = await bob.waitFor('CALL_CLOSED');
  t.equal(closed.id, incoming.id, 'bob sees the same call closed');
});

t.test('a call answered by hand, hung up by the callee', async (t) => {
  const { alice, bob } = await setup(t, 'manual');
  await alice.dial(bob.aor);
  const ringing = await bob.waitFor('CALL_INCOMING');
  t.match(ringing.peeruri, /^sip:alice@/);
  await alice.waitFor('CALL_RINGING');
  await bob.answer();
  await bob.waitFor('CALL_ESTABLISHED');
  await alice.waitFor('CALL_ESTABLISHED');
  await bob.hangup();
  await bob.waitFor('CALL_CLOSED');
  await alice.waitFor('CALL_CLOSED');
});

t.test('a wrong password fails registration; failures are reported', async (t) => {
  const port = await freeUdpPort();
  const registrar = await startKamailio({ port, registrar: true, authPassword: PASSWORD });
  t.teardown(() => registrar.stop());
  const phone = await startBaresip({ user: 'mallory', password: 'guess', registrar: `127.0.0.1:${port}` });
  t.teardown(() => phone.stop());
  const failed = await phone.waitFor('REGISTER_FAIL');
  t.match(failed.param, /401|403/, 'the registrar refused the credentials');
  const unknown = await phone.command('nosuchcommand');
  t.equal(unknown.ok, false, 'an unknown command is answered ok: false');
  await phone.dial(`sip:nobody@127.0.0.1:${port}`);
  const closed = await phone.waitFor('CALL_CLOSED');
  t.match(closed.param, /404/, 'a call to an unknown user ends with the 404 in CALL_CLOSED');
});

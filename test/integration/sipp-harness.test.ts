/**
 * The SIP test harness proven on itself: every scenario of test/sipp played sipp against sipp, directly and
 * through kamailio (a record-routing stateful proxy, as our stack will stand between them), REGISTER with
 * digest authentication against kamailio as registrar, and the sipp helper's own reporting.
 */
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { startKamailio } from '../helpers/kamailio.js';
import { freeUdpPort, runSipp, startSipp, type SippOptions, type SippResult } from '../helpers/sipp.js';

const CALLS = 3;

function summary(r: SippResult): string {
  return `code ${r.code}, ${r.successful} ok, ${r.failed} failed\n${r.errors.slice(0, 2000)}${r.stderr.slice(-1000)}`;
}

/** A uas scenario on a fresh port, the uac scenario against it (or against `via`, which relays to it), CALLS calls. */
async function pair(
  t: Test,
  uac: string,
  uas: string,
  options: { via?: (uasPort: number) => Promise<string>; uacExtra?: Partial<SippOptions> } = {},
): Promise<void> {
  const uasPort = await freeUdpPort();
  const far = await startSipp({ scenario: uas, localPort: uasPort, timeoutMs: 120_000 });
  t.teardown(() => far.stop(0));
  const target = options.via ? await options.via(uasPort) : `127.0.0.1:${uasPort}`;
  const near = await runSipp({
    scenario: uac,
    target,
    localPort: await freeUdpPort(),
    calls: CALLS,
    rate: 10,
    timeoutMs: 60_000,
    ...options.uacExtra,
  });
  t.equal(near.successful, CALLS, `${uac}: every call succeeded (${summary(near)})`);
  t.equal(near.failed, 0, `${uac}: no call failed`);
  t.equal(near.code, 0, `${uac}: sipp exit code 0`);
  const farResult = await far.stop();
  t.equal(farResult.successful, CALLS, `${uas}: every call succeeded (${summary(farResult)})`);
  t.equal(farResult.failed, 0, `${uas}: no call failed`);
}

const scenarioPairs: Array<[string, string, Partial<SippOptions>]> = [
  ['uac-proxied', 'uas-proxied', {}],
  ['uac-cancel', 'uas-ring', {}],
  ['uac-hold', 'uas-hold', {}],
  ['uac-bye-by-uas', 'uas-bye-first', {}],
  ['uac-refer', 'uas-refer', { keys: { refer_to: 'sip:agent2@127.0.0.1' } }],
];

t.test('built-in uac against built-in uas', async (t) => {
  await pair(t, 'uac', 'uas');
});

t.test('scenario pairs, sipp against sipp', async (t) => {
  for (const [uac, uas, uacExtra] of scenarioPairs) {
    await t.test(`${uac} / ${uas}`, (t) => pair(t, uac, uas, { uacExtra }));
  }
});

t.test('scenario pairs through kamailio as a record-routing proxy', async (t) => {
  const via = (t: Test) => async (uasPort: number) => {
    const port = await freeUdpPort();
    const proxy = await startKamailio({ port, nextHop: `127.0.0.1:${uasPort}` });
    t.teardown(() => proxy.stop());
    return `127.0.0.1:${port}`;
  };
  for (const [uac, uas, uacExtra] of scenarioPairs) {
    await t.test(`${uac} / ${uas}`, (t) => pair(t, uac, uas, { via: via(t), uacExtra }));
  }
});

t.test('REGISTER with digest authentication against kamailio', async (t) => {
  const port = await freeUdpPort();
  const registrar = await startKamailio({ port, registrar: true, authPassword: 's3cret' });
  t.teardown(() => registrar.stop());
  const localPort = await freeUdpPort();
  const register = (authPass: string) =>
    runSipp({
      scenario: 'uac-register-digest',
      target: `127.0.0.1:${port}`,
      localPort,
      service: 'op01',
      authUser: 'op01',
      authPass,
      calls: 1,
      timeoutMs: 30_000,
    });
  const ok = await register('s3cret');
  t.equal(ok.successful, 1, `registered and unregistered with the right password (${summary(ok)})`);
  t.equal(ok.failed, 0);
  const refused = await register('wrong');
  t.equal(refused.successful, 0, 'a wrong password does not register');
  t.equal(refused.failed, 1, 'and sipp reports the call as failed');
  t.match(refused.errors, /401/, 'the error log shows the second 401');
});

t.test('the sipp helper', async (t) => {
  await t.test('reports failed calls and the error log', async (t) => {
    // uas-hold does not expect a REFER and drops the call: uac-refer waits for its 202 until -recv_timeout.
    const uasPort = await freeUdpPort();
    const far = await startSipp({ scenario: 'uas-hold', localPort: uasPort });
    t.teardown(() => far.stop(0));
    const near = await runSipp({
      scenario: 'uac-refer',
      target: `127.0.0.1:${uasPort}`,
      localPort: await freeUdpPort(),
      keys: { refer_to: 'sip:agent2@127.0.0.1' },
      calls: 1,
      extraArgs: ['-recv_timeout', '2000'],
      timeoutMs: 20_000,
    });
    t.equal(near.successful, 0);
    t.equal(near.failed, 1, summary(near));
    t.equal(near.code, 1, 'exit code 1: some calls failed');
    t.match(near.errors, /timeout/i, 'the error log says why');
    t.equal(near.stats['FailedCall(C)'], '1', 'the stats row is keyed by CSV column');
  });

  await t.test('startSipp resolves only once the port is bound, and fails when it cannot bind', async (t) => {
    const port = await freeUdpPort();
    const first = await startSipp({ scenario: 'uas', localPort: port });
    t.teardown(() => first.stop(0));
    t.match(readFileSync('/proc/net/udp', 'utf8'), new RegExp(`:${port.toString(16).toUpperCase().padStart(4, '0')} `), 'the port is in /proc/net/udp');
    await t.rejects(startSipp({ scenario: 'uas', localPort: port }), /exited before binding/);
  });

  await t.test('durationS ends a run that has no call limit', async (t) => {
    const uasPort = await freeUdpPort();
    const far = await startSipp({ scenario: 'uas', localPort: uasPort });
    t.teardown(() => far.stop(0));
    const started = Date.now();
    const near = await runSipp({ scenario: 'uac', target: `127.0.0.1:${uasPort}`, localPort: await freeUdpPort(), rate: 20, durationS: 2 });
    t.ok(Date.now() - started < 15_000, 'ended soon after 2 s');
    t.ok(near.successful >= 30, `about 40 calls placed (${near.successful})`);
    t.equal(near.failed, 0, summary(near));
  });
});

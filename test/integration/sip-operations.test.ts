/**
 * Operations of the stack (issue 3): overload answered 503 with Retry-After instead of falling over, calls
 * already set up still served meanwhile, counters of responses by code, and a debug log line for every
 * transaction.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { SipLogger } from '../../sip/logger.js';
import { options, startStack, udpPeer } from '../helpers/sip-stack.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=sendrecv\r\n';

t.test('a flood of new requests gets 503 with Retry-After; an existing call still ends cleanly', async (t) => {
  const stack = await startStack(t, { flood: { ratePerSecond: 20, burst: 10, retryAfter: 7 } });
  const caller = await startStack(t);
  stack.onRequest('INVITE', async (req) => void (await stack.createUAS(req, { sdp: SDP })));
  const port = stack.transport.local('udp').port;
  const call = await caller.createUAC({ uri: `sip:ops@127.0.0.1:${port}`, sdp: SDP });

  const peer = await udpPeer(t);
  for (let i = 0; i < 200; i++) peer.send(options(peer.port, `flood-${i}`), port);
  const statuses: number[] = [];
  const retryAfter = new Set<string>();
  for (;;) {
    const res = await peer.final(500);
    if (!res) break;
    statuses.push(res.status);
    if (res.status === 503) retryAfter.add(res.headers.get('retry-after') ?? '');
  }
  const refused = statuses.filter((s) => s === 503).length;
  const served = statuses.filter((s) => s === 200).length;
  t.equal(statuses.length, 200, 'every request got an answer');
  t.ok(served >= 5 && served < 60, `the burst and the rate were served (${served})`);
  t.ok(refused > 100, `the rest was refused (${refused})`);
  t.same([...retryAfter], ['7'], 'with Retry-After');
  t.equal(stack.counters.get('floodRejected'), refused, 'counted as flood rejections');
  t.match(stack.stats(), { responses: { '503': refused } }, '503s by code in the stats');

  await call.destroy();
  for (let i = 0; i < 50 && stack.dialogCount; i++) await sleep(20);
  t.equal(stack.dialogCount, 0, 'the BYE of the call in progress was served during the flood');

  await sleep(1000);
  peer.send(options(peer.port, 'after-flood'), port);
  t.equal((await peer.final())?.status, 200, 'new requests are served again once the rate allows');
});

t.test('every transaction is logged at debug level, start and end', async (t) => {
  const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const capture = (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields });
  const logger: SipLogger = { debug: capture, info: capture, warn: capture, error: capture };
  const stack = await startStack(t, { logger });
  const peer = await udpPeer(t);
  peer.send(options(peer.port, 'logged-1'), stack.transport.local('udp').port);
  t.equal((await peer.final())?.status, 200, 'answered');
  peer.send('garbage\r\n\r\n', stack.transport.local('udp').port);
  await sleep(100);
  t.match(lines, [
    { msg: 'transaction', fields: { side: 'server', method: 'OPTIONS', callId: 'logged-1' } },
    { msg: 'transaction ended', fields: { side: 'server', method: 'OPTIONS', status: 200 } },
    { msg: 'bad message' },
  ], 'in order, with what identifies the transaction');
});

/**
 * More fuzzing than CI runs (issue 3): `node dist/test/bench/sip-fuzz.js [--cases 1000000] [--seed N]`.
 * Prints cases per second, how many parsed and were refused, the stack's memory afterwards, and whether it
 * still answers OPTIONS; exits 1 if it does not.
 */
import { parseArgs } from 'node:util';
import t from 'tap';
import { fuzz, serveLikeTheAppliance } from '../helpers/sip-fuzz-run.js';
import { options, startStack, udpPeer } from '../helpers/sip-stack.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000000' }, seed: { type: 'string' } } });
const cases = Number(values.cases);
const seed = Number(values.seed ?? Date.now() % 2 ** 31);

t.test('fuzz benchmark', async (t) => {
  const stack = await startStack(t);
  serveLikeTheAppliance(stack, t);
  const peer = await udpPeer(t);
  const started = performance.now();
  const r = await fuzz(stack, peer, seed, cases);
  const seconds = (performance.now() - started) / 1000;
  peer.clear();
  peer.send(options(peer.port, `bench-${seed}`), stack.transport.local('udp').port);
  const alive = (await peer.final(3000))?.status === 200;
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(`sip-fuzz: seed ${seed}: ${cases} cases in ${seconds.toFixed(1)} s (${Math.round(cases / seconds)}/s), ${r.parsed} parsed, ${r.refused} refused, RSS ${rss} MiB, OPTIONS afterwards: ${alive ? '200' : 'NO ANSWER'}`);
  t.ok(alive, 'the stack still answers OPTIONS');
});

/**
 * Kamailio as a stateful proxy in front of a sipp uas: the C baseline our SIP stack is measured against.
 * Run: `npm run build && node dist/test/bench/kamailio-baseline.js [--rate 500] [--duration 60]
 *   [--start 100] [--step 100] [--step-duration 10] [--max-rate 3000] [--shm 1024]`
 * Prints the sustained figures at --rate, then ramps from --start by --step until calls fail.
 * --shm is kamailio's shared memory in MB: every transaction lives there until its wait timer ends (about
 * 5 s), so 256 MB ran out near 2000 calls/s; the default leaves memory out of the measurement.
 */
import { parseArgs } from 'node:util';
import { startKamailio } from '../helpers/kamailio.js';
import { freeUdpPort } from '../helpers/sipp.js';
import { findFailureRate, sustained, type LoadTarget } from './sip-load.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '60' },
    start: { type: 'string', default: '100' },
    step: { type: 'string', default: '100' },
    'step-duration': { type: 'string', default: '10' },
    'max-rate': { type: 'string', default: '3000' },
    shm: { type: 'string', default: '1024' },
  },
});
const number = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const rate = number('rate');
const durationS = number('duration');

const proxyPort = await freeUdpPort();
const target: LoadTarget = { proxy: `127.0.0.1:${proxyPort}`, uasPort: await freeUdpPort(), uacPort: await freeUdpPort() };
const kamailio = await startKamailio({ port: proxyPort, nextHop: `127.0.0.1:${target.uasPort}`, shmMb: number('shm') });
try {
  const run = await sustained({ ...target, rate, durationS });
  console.log(
    `kamailio: ${rate} cps for ${durationS} s: ${run.successful} ok, ${run.failed} failed, ${run.retransmissions} retransmissions` +
      ` (${run.elapsedS.toFixed(1)} s)`,
  );
  const search = await findFailureRate({
    ...target,
    startRate: number('start'),
    step: number('step'),
    stepDurationS: number('step-duration'),
    maxRate: number('max-rate'),
  });
  for (const step of search.steps) {
    console.log(`  ${step.rate} cps: ${step.successful} ok, ${step.failed} failed, ${step.retransmissions} retransmissions`);
  }
  const failing = search.steps.at(-1);
  if (search.firstFailing !== null && failing) console.log(`  first errors at ${failing.rate} cps:\n${failing.errors}`);
  console.log(
    search.firstFailing === null
      ? `kamailio: no failures up to ${search.lastClean} cps`
      : `kamailio: failures start at ${search.firstFailing} cps (last clean: ${search.lastClean} cps)`,
  );
} finally {
  await kamailio.stop();
}

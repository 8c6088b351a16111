/**
 * B2BUA call setups against the C baseline (issue 3): sipp places calls (INVITE/200/ACK, then BYE) through
 * our B2BUA, in its own process, to a sipp uas; then the same through Kamailio as a stateful proxy.
 * Prints the sustained run at --rate for --duration, where failures start when the rate is ramped, and our
 * figures beside Kamailio's as a ratio.
 * Run: `npm run build && node dist/test/bench/sip-b2bua.js [--rate 500] [--duration 60] [--start 300]
 *   [--step 100] [--step-duration 10] [--max-rate 3000] [--only ours|kamailio]`
 * Kamailio gets 1 GiB of shared memory: each transaction stays about 5 s after it ends, and 256 MB ran out
 * near 2000 calls/s; memory is not what is measured.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startKamailio } from '../helpers/kamailio.js';
import { endChild, freeUdpPort } from '../helpers/sipp.js';
import { findFailureRate, sustained, type FailureSearch, type LoadTarget, type SustainedResult } from './sip-load.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '60' },
    start: { type: 'string', default: '300' },
    step: { type: 'string', default: '100' },
    'step-duration': { type: 'string', default: '10' },
    'max-rate': { type: 'string', default: '3000' },
    only: { type: 'string' },
  },
});
const number = (name: 'rate' | 'duration' | 'start' | 'step' | 'step-duration' | 'max-rate'): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};

interface Figures {
  run: SustainedResult;
  search: FailureSearch;
}

async function measure(name: string, start: (target: LoadTarget, port: number) => Promise<() => Promise<void>>): Promise<Figures> {
  const port = await freeUdpPort();
  const target: LoadTarget = { proxy: `127.0.0.1:${port}`, uasPort: await freeUdpPort(), uacPort: await freeUdpPort() };
  const stop = await start(target, port);
  try {
    const run = await sustained({ ...target, rate: number('rate'), durationS: number('duration') });
    console.log(`${name}: ${run.rate} cps for ${run.durationS} s: ${run.successful} ok, ${run.failed} failed, ${run.retransmissions} retransmissions (${run.elapsedS.toFixed(1)} s)`);
    const search = await findFailureRate({ ...target, startRate: number('start'), step: number('step'), stepDurationS: number('step-duration'), maxRate: number('max-rate') });
    for (const s of search.steps) console.log(`  ${name} ${s.rate} cps: ${s.successful} ok, ${s.failed} failed, ${s.retransmissions} retransmissions`);
    console.log(search.firstFailing === null ? `${name}: no failures up to ${search.lastClean} cps` : `${name}: failures start at ${search.firstFailing} cps (last clean ${search.lastClean} cps)`);
    return { run, search };
  } finally {
    await stop();
  }
}

async function ours(target: LoadTarget, port: number): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, [new URL('./b2bua-server.js', import.meta.url).pathname, String(port), String(target.uasPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => ['exited'])])) as string[];
  if (first !== 'ready') throw new Error(`b2bua-server did not start: ${first}`);
  return async () => {
    lines.on('line', (l) => console.log(`  ours, counters: ${l}`));
    await endChild(child, 'SIGTERM', 5000);
  };
}

async function kamailio(target: LoadTarget, port: number): Promise<() => Promise<void>> {
  const k = await startKamailio({ port, nextHop: `127.0.0.1:${target.uasPort}`, shmMb: 1024 });
  return () => k.stop();
}

const only = values.only;
const a = only === 'kamailio' ? undefined : await measure('ours', ours);
const b = only === 'ours' ? undefined : await measure('kamailio', kamailio);
if (a && b) {
  const rate = (f: Figures) => f.search.firstFailing ?? f.search.lastClean;
  console.log(`ratio ours/kamailio: failures start at ${rate(a)} vs ${rate(b)} cps = ${(rate(a) / rate(b)).toFixed(2)}`);
}

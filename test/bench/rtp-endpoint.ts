/**
 * CPU and timing of our RTP endpoints: N endpoints in pairs over loopback, every one playing a looped tone
 * and receiving the other's (so each sends and receives 50 packets a second), on one shared frame clock.
 * Prints CPU per 100 endpoints, event-loop delay, loss and late ticks; optionally a mixer per three pairs.
 * Run: `npm run build && node dist/test/bench/rtp-endpoint.js [endpoints=100] [seconds=20]`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { sineTone } from '../../media/rtp/tone.js';
import { parseSdp, serializeSdp } from '../../sip/sdp/sdp.js';
import { freeUdpPort } from '../helpers/sipp.js';

const count = 2 * Math.ceil(Number(process.argv[2] ?? 100) / 2);
const seconds = Number(process.argv[3] ?? 20);

const first = await freeUdpPort(2 * count + 2);
const min = first + (first % 2);
const ports = new PortPool({ portMin: min, portMax: min + 2 * count });
const clock = new FrameClock();
const endpoints: RtpEndpoint[] = [];
for (let i = 0; i < count; i += 2) {
  const a = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  const b = await RtpEndpoint.open({ address: '127.0.0.1', ports, clock });
  a.applyAnswer(parseSdp(serializeSdp(b.answer(parseSdp(serializeSdp(a.offer()))))));
  endpoints.push(a, b);
}
const tone = sineTone(440, 1000);
for (const e of endpoints) void e.play(tone, { loop: true });
let frames = 0;
for (const e of endpoints) e.on('frame', () => frames++);

await new Promise((r) => setTimeout(r, 1000)); // settle: jitter buffers fill
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const skipped0 = clock.skipped;
const frames0 = frames;
const before = endpoints.map((e) => e.stats());
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
loop.disable();

const totals = endpoints
  .map((e, i) => ({ now: e.stats(), then: before[i]! }))
  .reduce(
    (s, { now, then }) => ({
      sent: s.sent + now.sent - then.sent,
      received: s.received + now.received - then.received,
      lost: s.lost + now.lost - then.lost,
      late: s.late + now.late - then.late,
      underruns: s.underruns + now.underruns - then.underruns,
      jitter: Math.max(s.jitter, now.jitterMs),
    }),
    { sent: 0, received: 0, lost: 0, late: 0, underruns: 0, jitter: 0 },
  );
const cpuPct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
console.log(`${count} endpoints (${count / 2} pairs over loopback), ${seconds} s measured, Node ${process.version}`);
console.log(`CPU: ${cpuPct.toFixed(1)}% of one core (${((cpuPct * 100) / count).toFixed(1)}% per 100 endpoints; user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms)`);
console.log(`frames delivered: ${frames - frames0} (expected ${Math.round((count * wall) / 20)}), clock ticks skipped: ${clock.skipped - skipped0}`);
console.log(`event-loop delay: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
console.log(`packets: sent ${totals.sent}, received ${totals.received}, lost ${totals.lost}, late ${totals.late}, jitter-buffer underruns ${totals.underruns}, max jitter ${totals.jitter} ms`);
console.log(`RSS: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
for (const e of endpoints) e.close();

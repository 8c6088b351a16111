/**
 * Calls through the media plane with recording (issue 4): sipp as the carrier places --calls calls at --rate
 * per second into the IVR of the call-control process; each caller talks for 60 s (Debian's G.711 A-law
 * speech, test/sipp/uac-ivr-talk.xml) while the IVR greets it and plays queue music, so rtpengine relays and
 * records both directions of every call. All of them are up at once for most of the minute.
 * Prints: sipp's outcome, the most calls up at once, packets rtpengine received from the callers against what
 * sipp sent, rtpengine's errors, what our endpoints lost, recordings complete, and CPU and memory of call
 * control and rtpengine (and sipp, the load generator, on the same two cores).
 * Run: `npm run build && node dist/test/bench/media-calls.js [--calls 300] [--rate 25]`
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { captureDir } from '../../media/rtpengine/daemon-config.js';
import { startCallControl } from '../helpers/callcontrol.js';
import { tempDataDir } from '../helpers/data.js';
import { startRtpengine } from '../helpers/rtpengine.js';
import { Teardowns } from '../helpers/scope.js';
import { freeEvenRange, freeUdpPort, startSipp } from '../helpers/sipp.js';
import { UdpDropWatch, UsageSampler } from './process-usage.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' }, rate: { type: 'string', default: '25' } } });
const calls = Number(values.calls);
const rate = Number(values.rate);
if (!(calls > 0 && rate > 0)) throw new Error('--calls and --rate must be positive numbers');

/** g711a.pcap holds 236 RTP packets; the scenario plays it 8 times. */
const SENT_PER_CALL = 236 * 8;

interface Ended {
  outcome: string;
  media?: { fromCaller?: number; fromEndpoint?: number; rtpengineErrors?: number; endpoint?: { sent: number; received: number; ignored: number; lost: number; late: number; jitterMs: number } };
}

const scope = new Teardowns();
try {
  const dataDir = tempDataDir(scope);
  // Four ports a call (RTP and RTCP on each side), with room to spare.
  const rtpengine = await startRtpengine(scope, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort(), portCount: calls * 8 + 100, logLevel: 5 });
  const sippPort = await freeUdpPort();
  const ours = await freeEvenRange(calls * 2 + 100);
  const cc = await startCallControl(scope, {
    clock: '2027-06-01T10:00:00+09:00',
    rtpengine,
    trunkPorts: [sippPort],
    dataDir,
    config: { media: { rtpengine: { ngPort: rtpengine.ngPort, dtmfLogPort: rtpengine.dtmfPort, portMin: rtpengine.portMin, portMax: rtpengine.portMax, pingMs: 1000 }, rtp: { portMin: ours, portMax: ours + calls * 2 + 99 } } },
  });
  const load: { sippPid?: number } = {};
  const usage = new UsageSampler(() => ({ callcontrol: cc.child.pid, rtpengine: rtpengine.pid, sipp: load.sippPid }));
  let peak = 0;
  const watch = setInterval(() => {
    void cc.health().then((h) => {
      const c = h?.parts.media?.calls as { trunk: number } | undefined;
      if (c) peak = Math.max(peak, c.trunk);
    });
  }, 1000);
  // rtpengine's sockets and our endpoints'; sipp's media socket is left out: it never reads what it is sent.
  const drops = new UdpDropWatch((p) => (p >= rtpengine.portMin && p <= rtpengine.portMax) || (p >= ours && p < ours + calls * 2 + 100));
  const started = performance.now();
  const sipp = await startSipp({
    scenario: 'uac-ivr-talk',
    target: `127.0.0.1:${cc.sipPort}`,
    localPort: sippPort,
    service: '0354323333',
    keys: { caller: '0312345678' },
    calls,
    rate,
    extraArgs: ['-l', String(calls)],
    timeoutMs: (calls / rate + 120) * 1000,
  });
  load.sippPid = sipp.pid;
  const result = await sipp.done;
  const wall = (performance.now() - started) / 1000;
  // Recordings are written after each hang-up: wait for all of them.
  let recordings = { n: 0, complete: 0 };
  for (let i = 0; i < 600; i++) {
    const r = (await cc.db('recordings').select(cc.db.raw('count(*) as n'), cc.db.raw('sum(complete) as complete')).first()) as { n: number; complete: number | null };
    recordings = { n: Number(r.n), complete: Number(r.complete ?? 0) };
    if (recordings.n >= result.successful) break;
    await sleep(200);
  }
  clearInterval(watch);
  const figures = usage.stop();
  const udpDropped = drops.stop();

  const rows = cc.log()
    .split('\n')
    .filter((l) => l.includes('"msg":"call ended"'))
    .map((l) => JSON.parse(l) as Ended);
  const sum = (f: (e: Ended) => number | undefined) => rows.reduce((n, e) => n + (f(e) ?? 0), 0);
  const fromCallers = sum((e) => e.media?.fromCaller);
  const lostByEndpoints = sum((e) => e.media?.endpoint?.lost);
  const maxJitter = Math.max(0, ...rows.map((e) => e.media?.endpoint?.jitterMs ?? 0));

  const mib = (n: number) => `${n.toFixed(0)} MiB`;
  const pct = (n: number) => `${n.toFixed(0)}%`;
  console.log(`media-calls: ${calls} calls of 60 s at ${rate}/s into the IVR, through rtpengine with recording (${wall.toFixed(0)} s)`);
  console.log(`  sipp                 ${result.successful} ok, ${result.failed} failed, ${result.retransmissions} retransmissions`);
  console.log(`  calls up at once     ${peak} (highest seen by call control's /healthz, sampled each second)`);
  console.log(`  packets from callers ${fromCallers} received by rtpengine; sipp's scenario plays at most ${SENT_PER_CALL * rows.length} (${rows.length} calls)`);
  console.log(`  packets from the IVR ${sum((e) => e.media?.fromEndpoint)} received by rtpengine of ${sum((e) => e.media?.endpoint?.sent)} our endpoints sent`);
  console.log(`  rtpengine errors     ${sum((e) => e.media?.rtpengineErrors)}`);
  console.log(`  kernel UDP drops     ${udpDropped} on rtpengine's and our endpoints' sockets (receive buffers full)`);
  console.log(`  to our endpoints     ${sum((e) => e.media?.endpoint?.received)} received (${sum((e) => e.media?.endpoint?.ignored)} ignored) of ${fromCallers} rtpengine took from the callers; ${lostByEndpoints} frames lost, ${sum((e) => e.media?.endpoint?.late)} late; highest jitter ${maxJitter.toFixed(1)} ms`);
  console.log(`  recordings           ${recordings.complete} complete of ${recordings.n}`);
  for (const [name, u] of Object.entries(figures)) {
    console.log(`  ${name.padEnd(20)} CPU mean ${pct(u.cpuMeanPct)}, peak ${pct(u.cpuPeakPct)} of one core; RSS peak ${mib(u.rssPeakMiB)}`);
  }
} finally {
  await scope.run();
}

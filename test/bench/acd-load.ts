/**
 * The ACD under the issue-5 load, end to end: rtpengine (recording) and the call-control process; 100
 * operators registered with digest and logged in through the ACD API, each a light user agent in this
 * process (acd-operators.ts) that answers after a short ring, sends audio, talks 10-40 s and hangs up; sipp
 * as the carrier placing 20 calls a second (test/sipp/uac-acd-caller.xml: it speaks, then waits for our BYE
 * or gives up after its patience, 8-40 s from the IVR's answer for nine callers in ten), so that some 300 callers wait at the peak
 * and most of them abandon. The general queue rings for 5 s and wraps up for 3 s; every caller goes straight
 * to it (no language menu). Prompts are built beforehand, as `sc prompts build` does on an appliance, with
 * the Japanese position prompts up to --prompts-ahead callers ahead.
 * Runs --minutes of arrivals, then lets the calls drain, and prints: arrivals (as sipp placed them), answered,
 * abandoned and failed from the calls rows, arrivals refused before they got a row (call control's overload
 * 503s), the check answered + abandoned == arrivals (exit 1 if not, or if any failed), the
 * live figures beside it, the most callers waiting (sampled each second), the ACD's distribution decisions
 * (p50/p99/max from /healthz), call control's RSS and heap each minute and their growth from minute 2 to the
 * last, CPU of call control, rtpengine, sipp and this process, and the load average (other work on the
 * machine shows there).
 * Run: `npm run build && node dist/test/bench/acd-load.js [--minutes 10] [--rate 20] [--operators 100]`
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AccountService } from '../../apps/accounts/account-service.js';
import type { LiveFigures } from '../../apps/acd/figures.js';
import { parseQueue } from '../../apps/acd/queue-definition.js';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import { buildPrompts } from '../../apps/callflow/prompt-build.js';
import { promptAudio } from '../../apps/callflow/prompt-catalogue.js';
import { ManualClock } from '../../apps/time/clock.js';
import { parseInstant } from '../../apps/time/jst.js';
import { acdApiTokenFile } from '../../appliance/acd-api-token.js';
import { loadConfig } from '../../appliance/config.js';
import type { Db } from '../../db/connection.js';
import { AcdAgentsRepository } from '../../db/repositories/acd-agents.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';
import { captureDir } from '../../media/rtpengine/daemon-config.js';
import { directFlows } from '../helpers/acd.js';
import { startCallControl } from '../helpers/callcontrol.js';
import { tempDataDir } from '../helpers/data.js';
import { startRtpengine } from '../helpers/rtpengine.js';
import { Teardowns } from '../helpers/scope.js';
import { freeEvenRange, freeUdpPort, startSipp } from '../helpers/sipp.js';
import { Operators } from './acd-operators.js';
import { UsageSampler } from './process-usage.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20' },
    operators: { type: 'string', default: '100' },
    'prompts-ahead': { type: 'string', default: '400' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const operatorCount = Number(values.operators);
const promptsAhead = Number(values['prompts-ahead']);
if (!(minutes > 0 && rate > 0 && Number.isInteger(operatorCount) && operatorCount > 0 && operatorCount <= 999 && Number.isInteger(promptsAhead) && promptsAhead >= 0)) {
  throw new Error('--minutes and --rate must be positive numbers, --operators a whole number 1-999, --prompts-ahead a whole number >= 0');
}

const OPEN = '2027-06-01T10:00:00+09:00';
const CENTRE = '0354323333';
/** How long the calls may take to end after the arrivals stop (patient callers wait up to 10 minutes). */
const DRAIN_MS = 11 * 60_000;
const user = (i: number) => `op${String(i + 1).padStart(3, '0')}`;
const sipPassword = (u: string) => `sip-pass-${u}`;
const users = Array.from({ length: operatorCount }, (_, i) => user(i));
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
const elapsed = (from: number) => `${((performance.now() - from) / 1000).toFixed(0)} s`;

/** Operators, their skills, the general queue's short timers and the prompts, before call control starts. */
async function prepare(dataDir: string, db: Db): Promise<void> {
  const started = performance.now();
  await directFlows(db);
  const config = loadConfig({ SC_DATA_DIR: dataDir, SC_CONFIG: join(dataDir, 'config.yaml') });
  const clock = new ManualClock(parseInstant(OPEN)!);
  const accounts = new AccountService(db, clock, { minPasswordLength: config.auth.minPasswordLength, sipRealm: config.sip.realm });
  const agents = new AcdAgentsRepository(db);
  for (const u of users) {
    await accounts.create({ username: u, displayName: `ベンチ ${u}`, roles: ['operator'], password: `bench-pass-${u}`, sipPassword: sipPassword(u) }, { id: null, name: 'acd-load' });
    await agents.put(u, { ja: 3 }, {}, clock.now());
  }
  const queues = new AcdQueuesRepository(db);
  const general = (await queues.current()).find((q) => q.queue === 'general');
  if (!general) throw new Error('no general queue in the seed');
  await queues.save('general', parseQueue({ ...(general.definition as object), ringTimeoutS: 5, wrapUpS: 3 }), 'acd-load', clock.now());
  const store = new PromptStore({ dataDir });
  const built = await buildPrompts(store, clock.now());
  const values = Array.from({ length: Math.max(0, promptsAhead - 30) }, (_, i) => i + 31);
  const worker = async () => {
    for (let ahead = values.shift(); ahead !== undefined; ahead = values.shift()) {
      await promptAudio(store, 'busy', 'ja', { ahead });
      await promptAudio(store, 'hold-position', 'ja', { ahead });
    }
  };
  await Promise.all([worker(), worker()]);
  console.log(`acd-load: ${operatorCount} operators and their skills stored, prompts built (${built.files} + Japanese position prompts up to ${promptsAhead} ahead) in ${elapsed(started)}`);
}

interface MinuteMark {
  minute: number;
  rssMiB: number;
  heapUsedMiB: number;
  waiting: number;
  load: string;
}

interface HealthParts {
  sip?: { floodRejected?: number; loopDelayMs?: number };
  acd?: { waiting: number; calls: number; decisions: { count: number; p50Ms: number; p99Ms: number; maxMs: number } };
  memory?: { rssMiB: number; heapUsedMiB: number; externalMiB: number };
}

const scope = new Teardowns();
let ok = false;
try {
  console.log(`acd-load: load average at start ${load()} (2 cores; other work on the machine shows here)`);
  const dataDir = tempDataDir(scope);
  // rtpengine: four ports per call (two sides, RTP and RTCP): each caller's call and each operator leg.
  const rtpengine = await startRtpengine(scope, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort(), portCount: 3000, logLevel: 5 });
  const sippPort = await freeUdpPort();
  // Our endpoints: one per caller and one per operator leg, each an even port and its odd partner.
  const ours = await freeEvenRange(1600);
  const cc = await startCallControl(scope, {
    clock: OPEN,
    rtpengine,
    trunkPorts: [sippPort],
    dataDir,
    config: { media: { rtpengine: { ngPort: rtpengine.ngPort, dtmfLogPort: rtpengine.dtmfPort, portMin: rtpengine.portMin, portMax: rtpengine.portMax, pingMs: 1000 }, rtp: { portMin: ours, portMax: ours + 1599 } } },
    beforeStart: (db) => prepare(dataDir, db),
  });
  const token = readFileSync(acdApiTokenFile(dataDir), 'utf8').trim();
  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${cc.healthPort}/acd${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const parsed = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} /acd${path}: ${res.status} ${JSON.stringify(parsed)}`);
    return parsed;
  };
  const health = async (): Promise<HealthParts> => ((await cc.health())?.parts ?? {}) as HealthParts;

  const operators = await Operators.start(scope, { users, password: sipPassword, registrar: { host: '127.0.0.1', port: cc.sipPort }, talkMs: [10_000, 40_000], ringMs: [300, 1500] });
  await operators.registerAll();
  for (const u of users) await api('POST', `/agents/${u}/state`, { state: 'ready', contact: { kind: 'softphone' } });
  console.log(`acd-load: ${operatorCount} operators registered and ready; arrivals at ${rate}/s for ${minutes} min from now (load average ${load()})`);

  // Sampled each second: the most callers waiting, and an operator the ACD set not ready after missed rings
  // returns at once (as one would), so that a slow answer under load does not shrink the team for the rest of the run.
  let peakWaiting = 0;
  let peakLoopDelayMs = 0;
  let lastFigures: LiveFigures | undefined;
  let readied = 0;
  const marks: MinuteMark[] = [];
  let sampling = true;
  const sampler = (async () => {
    for (let tick = 0; sampling; tick++) {
      await sleep(1000);
      try {
        lastFigures = await api<LiveFigures>('GET', '/figures');
        peakWaiting = Math.max(peakWaiting, lastFigures.total.waiting);
        peakLoopDelayMs = Math.max(peakLoopDelayMs, (await health()).sip?.loopDelayMs ?? 0);
        if (tick % 5 === 4) {
          for (const a of await api<AgentStatus[]>('GET', '/agents')) {
            if (a.state === 'not_ready' && a.reason === 'missed' && users.includes(a.agent)) {
              await api('POST', `/agents/${a.agent}/state`, { state: 'ready' });
              readied++;
            }
          }
        }
      } catch (e) {
        console.log(`acd-load: sampling failed: ${(e as Error).message}`);
      }
    }
  })();

  const procs: { sipp?: number } = {};
  const usage = new UsageSampler(() => ({ callcontrol: cc.child.pid, rtpengine: rtpengine.pid, sipp: procs.sipp, 'bench (operators)': process.pid }));
  const started = performance.now();
  const sipp = await startSipp({
    scenario: 'uac-acd-caller',
    target: `127.0.0.1:${cc.sipPort}`,
    localPort: sippPort,
    service: CENTRE,
    keys: { caller: '03' },
    rate,
    durationS: minutes * 60,
    extraArgs: ['-l', '5000'],
    timeoutMs: minutes * 60_000 + DRAIN_MS,
  });
  procs.sipp = sipp.pid;
  const markMinutes = (async () => {
    for (let m = 1; m <= minutes; m++) {
      await sleep(started + m * 60_000 - performance.now());
      const h = await health();
      const mark = { minute: m, rssMiB: h.memory?.rssMiB ?? NaN, heapUsedMiB: h.memory?.heapUsedMiB ?? NaN, waiting: h.acd?.waiting ?? NaN, load: load() };
      marks.push(mark);
      console.log(`acd-load: minute ${m}: waiting ${mark.waiting}, talking ${operators.talking}, call control RSS ${mark.rssMiB} MiB, heap used ${mark.heapUsedMiB} MiB; load average ${mark.load}`);
    }
  })();
  const result = await sipp.done;
  await markMinutes;
  const sippSeconds = (performance.now() - started) / 1000;
  // The last calls' rows close once call control has seen the hang-up through.
  let open = -1;
  for (let i = 0; i < 300; i++) {
    open = Number(((await cc.db('calls').whereNull('ended_at').count({ n: '*' }).first()) as { n: number }).n);
    if (open === 0) break;
    await sleep(200);
  }
  sampling = false;
  await sampler;
  const cpu = usage.stop();
  const h = await health();
  const figures = await api<LiveFigures>('GET', '/figures');

  const rows = (await cc.db('calls').where({ dnis: CENTRE }).select('outcome', 'hung_up_by', 'queued_at', 'agent_answered_at')) as Array<{
    outcome: string | null;
    hung_up_by: string | null;
    queued_at: string | null;
    agent_answered_at: string | null;
  }>;
  const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).length;
  // Arrivals are what the carrier placed: a call refused before it got a row (503 under overload) counts too.
  const arrivals = Number(result.stats['TotalCallCreated'] ?? NaN);
  const answered = count((r) => r.outcome === 'completed');
  const abandoned = count((r) => r.outcome === 'abandoned');
  const failed = rows.length - answered - abandoned;
  const refused = arrivals - rows.length;
  const outcomes = [...new Set(rows.map((r) => r.outcome))].map((o) => `${o}: ${count((r) => r.outcome === o)}`).join(', ');
  const balanced = answered + abandoned === arrivals && failed === 0 && open === 0;
  // The status lines sipp did not expect (the start of its error log): what refused calls were answered with.
  const unexpected = new Map<string, number>();
  for (const m of result.errors.matchAll(/^SIP\/2\.0 ([0-9]{3} [^\r\n]*)/gm)) unexpected.set(m[1]!, (unexpected.get(m[1]!) ?? 0) + 1);

  const d = h.acd?.decisions;
  const atMinute2 = marks.find((m) => m.minute === 2);
  const last = marks[marks.length - 1];
  const growth = (f: (m: MinuteMark) => number) => (atMinute2 && last && last !== atMinute2 ? `${(f(last) - f(atMinute2)).toFixed(0)} MiB` : 'n/a (needs 3 minutes or more)');
  const pct = (n: number) => `${n.toFixed(0)}%`;
  const t = figures.total;

  console.log(`acd-load: ${operatorCount} operators, callers at ${rate}/s for ${minutes} min, then drained (${sippSeconds.toFixed(0)} s in all)`);
  console.log(`  sipp                 ${arrivals} calls placed: ${result.successful} ended by their scenario, ${result.failed} failed, ${result.retransmissions} retransmissions (exit ${result.code})`);
  console.log(`  calls rows           ${rows.length} of ${arrivals} arrivals: ${answered} answered, ${abandoned} abandoned, ${failed} failed (${outcomes}); ${open} still open`);
  console.log(`  refused              ${refused} arrivals got no row; call control's SIP stack refused ${h.sip?.floodRejected ?? 0} new requests (overload 503); event-loop delay p99 peak ${peakLoopDelayMs} ms (sampled each second)`);
  console.log(`  check                answered + abandoned == arrivals: ${answered} + ${abandoned} = ${answered + abandoned} vs ${arrivals}: ${balanced ? 'ok' : 'NOT OK'}`);
  console.log(`  abandoned            ${count((r) => r.outcome === 'abandoned' && r.queued_at !== null)} in the queue, ${count((r) => r.outcome === 'abandoned' && r.queued_at === null)} before reaching it`);
  console.log(`  answered calls ended by: caller ${count((r) => r.outcome === 'completed' && r.hung_up_by === 'caller')}, operator ${count((r) => r.outcome === 'completed' && r.hung_up_by === 'agent')}, system ${count((r) => r.outcome === 'completed' && r.hung_up_by === 'system')}`);
  console.log(`  live figures         offered ${t.offered}, answered ${t.answered} (${t.answeredWithin15s} within 15 s), abandoned ${t.abandoned} (waited mean ${t.abandonedWaitS.mean} s, max ${t.abandonedWaitS.max} s), waiting ${t.waiting}`);
  console.log(`  operators            ${operators.counts.offered} INVITEs: ${operators.counts.answered} answered, ${operators.counts.cancelled} withdrawn, ${operators.counts.busy} while busy; hung up by operator ${operators.counts.endedByOperator}, by the far side ${operators.counts.endedByCaller}; ${readied} set ready again after missed rings`);
  console.log(`  peak waiting         ${peakWaiting} (ACD figures, sampled each second)`);
  console.log(`  decisions            ${d?.count ?? 0} dispatches; over the last 10,000: p50 ${d?.p50Ms.toFixed(3)} ms, p99 ${d?.p99Ms.toFixed(3)} ms, max ${d?.maxMs.toFixed(3)} ms: p99 < 5 ms ${d && d.p99Ms < 5 ? 'yes' : 'NO'}`);
  console.log(`  call control memory  ${marks.map((m) => `min ${m.minute}: RSS ${m.rssMiB}, heap ${m.heapUsedMiB}`).join('; ')} (MiB); after the drain RSS ${h.memory?.rssMiB}, heap ${h.memory?.heapUsedMiB}`);
  console.log(`  growth min 2 -> ${last?.minute ?? '-'}     RSS ${growth((m) => m.rssMiB)}, heap used ${growth((m) => m.heapUsedMiB)}`);
  for (const [name, u] of Object.entries(cpu)) console.log(`  ${name.padEnd(20)} CPU mean ${pct(u.cpuMeanPct)}, peak ${pct(u.cpuPeakPct)} of one core; RSS peak ${u.rssPeakMiB.toFixed(0)} MiB`);
  console.log(`  load average         ${load()} at the end`);
  const errors = cc.log().split('\n').filter((l) => /"level":"(error|warn)"/.test(l));
  if (errors.length) console.log(`  call control warnings/errors ${errors.length}, first: ${errors.slice(0, 5).join('\n    ')}`);
  const sippFailures = Object.entries(result.stats).filter(([k, v]) => k.startsWith('Failed') && k.endsWith('(C)') && Number(v) > 0);
  if (sippFailures.length) console.log(`  sipp failures        ${sippFailures.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (unexpected.size) console.log(`  sipp unexpected      ${[...unexpected].map(([k, n]) => `${k}: ${n}`).join(', ')} (in the first 64 KiB of its error log)`);
  ok = balanced;
} finally {
  await scope.run();
}
process.exit(ok ? 0 : 1);

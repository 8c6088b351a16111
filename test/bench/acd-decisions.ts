/**
 * The ACD engine under the issue-5 load, in simulated time: 100 agents with mixed skills, 300 callers
 * waiting at the start, 20 arrivals a second for 10 simulated minutes; agents answer after a 1-5 s ring
 * (a few never do), talk 10-40 s, wrap up 5 s; callers give up after 5-25 s (so about 300 keep waiting).
 * Prints the decisions made, their real-time cost (engine's own dispatch figures, and each ACD operation
 * with its dispatch and listeners, measured here with performance.now), the count check (answered +
 * abandoned + still waiting = arrivals; exit 1 if not) and heapUsed after gc at minute 1 and at the end.
 * Run: `npm run build && node --expose-gc dist/test/bench/acd-decisions.js [--minutes 10] [--seed 1]`.
 */
import { Acd, type AgentProfile, type Offer, type Timers } from '../../apps/acd/acd.js';
import { parseQueue, type QueueDefinition } from '../../apps/acd/queue-definition.js';
import { ManualClock } from '../../apps/time/clock.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const minutes = arg('minutes', 10);
const seed = arg('seed', 1);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.log('note: run node with --expose-gc for comparable heap figures');

/** mulberry32: a small seeded generator, so runs can be repeated. */
let state = seed >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let x = state;
  x = Math.imul(x ^ (x >>> 15), x | 1);
  x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

/** One timeline for the simulation's own events and the Acd's timers: a binary heap by time, then order. */
interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}
class Timeline implements Timers {
  private readonly heap: Entry[] = [];
  private seq = 0;
  constructor(private readonly clock: ManualClock) {}
  setTimeout(fn: () => void, ms: number): unknown {
    return this.at(this.clock.now().getTime() + ms, fn);
  }
  clearTimeout(handle: unknown): void {
    if (handle) (handle as Entry).live = false;
  }
  at(at: number, fn: () => void): Entry {
    const e: Entry = { at, seq: this.seq++, fn, live: true };
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
    return e;
  }
  /** The next live entry due by `end`, taken off the heap; the clock is set to its time. */
  next(end: number): Entry | null {
    const h = this.heap;
    while (h.length && h[0]!.at <= end) {
      const top = h[0]!;
      const last = h.pop()!;
      if (h.length) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l]!, h[m]!)) m = l;
          if (r < h.length && before(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      if (!top.live) continue;
      this.clock.set(new Date(top.at));
      return top;
    }
    return null;
  }
}
const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

const QUEUE_MIX: [queue: string, share: number][] = [
  ['general', 0.6],
  ['events', 0.1],
  ['english', 0.1],
  ['chinese', 0.05],
  ['korean', 0.05],
  ['election', 0.1],
];
function queueDef(name: string, skill: string, o: Record<string, unknown> = {}): QueueDefinition {
  return parseQueue({ format: 1, name, nameEn: name, skill, wrapUpS: 5, ringTimeoutS: 15, ...o });
}
const queues: Record<string, QueueDefinition> = {
  general: queueDef('一般', 'ja', { overflow: [{ afterS: 20, action: 'busy' }] }),
  events: queueDef('イベント', 'events', { strategy: 'fewest-calls' }),
  english: queueDef('English', 'en', { strategy: 'top-down', overflow: [{ afterS: 15, action: 'queue', queue: 'general' }] }),
  chinese: queueDef('中文', 'zh', { strategy: 'round-robin' }),
  korean: queueDef('한국어', 'ko', { strategy: 'ring-all' }),
  election: queueDef('選挙', 'election', { overflow: [{ waitingAtLeast: 40, action: 'callback' }] }),
};
const agents: AgentProfile[] = Array.from({ length: 100 }, (_, i) => {
  const skills: Record<string, number> = { ja: 1 + Math.floor(random() * 5) };
  const penalties: Record<string, number> = random() < 0.2 ? { general: 1 } : {};
  if (random() < 0.2) skills.en = 1 + Math.floor(random() * 5);
  if (random() < 0.1) skills.zh = 3;
  if (random() < 0.1) skills.ko = 3;
  if (random() < 0.3) skills.events = 2;
  if (random() < 0.2) skills.election = 2;
  return { agent: `op${String(i + 1).padStart(3, '0')}`, skills, penalties };
});

const start = new Date('2027-06-01T09:00:00+09:00').getTime();
const clock = new ManualClock(new Date(start));
const timeline = new Timeline(clock);
const acd = new Acd({ clock, timers: timeline, queues, agents, missesToNotReady: 2, alarm: { raiseAt: 50, clearAt: 20 } });

let arrivals = 0;
let answered = 0;
let abandoned = 0;
let alarms = 0;
/** The ring an agent's phone is doing now; an answer is only for that ring. */
const ringing = new Map<string, Offer>();
/** The caller's giving-up time, while it waits. */
const patience = new Map<number, Entry>();

acd.on('offer', (o) => {
  ringing.set(o.agent, o);
  if (random() < 0.03) return; // this agent will not answer: the ring times out
  timeline.setTimeout(() => {
    if (ringing.get(o.agent) !== o) return;
    ringing.delete(o.agent);
    if (!acd.answered(o.callId, o.agent)) return;
    timeline.clearTimeout(patience.get(o.callId));
    patience.delete(o.callId);
    timeline.setTimeout(() => acd.talkEnded(o.callId, o.agent, random() < 0.5 ? 'caller' : 'agent'), between(10_000, 40_000));
  }, between(1_000, 5_000));
});
acd.on('offer-cancel', (o) => {
  if (ringing.get(o.agent) === o) ringing.delete(o.agent);
});
acd.on('agent', (s) => {
  // An operator set not ready for missed calls comes back half a minute later.
  if (s.state === 'not_ready' && s.reason === 'missed') timeline.setTimeout(() => acd.setState(s.agent, 'ready'), 30_000);
});
acd.on('event', (e) => {
  if (e.kind === 'answer') answered++;
  if (e.kind === 'abandon') abandoned++;
});
acd.on('overflow', () => overflows++);
acd.on('alarm', () => alarms++);
let overflows = 0;

function arrive(): void {
  const callId = ++arrivals;
  let r = random();
  let q = QUEUE_MIX[0]![0];
  for (const [name, share] of QUEUE_MIX) {
    if ((r -= share) < 0) {
      q = name;
      break;
    }
  }
  acd.enqueue({ callId, queue: q, language: q === 'english' ? 'en' : 'ja' });
  if (!patience.has(callId) && acd.position(callId)) {
    patience.set(
      callId,
      timeline.setTimeout(() => {
        patience.delete(callId);
        acd.abandon(callId);
      }, between(5_000, 25_000)) as Entry,
    );
  }
}

/** Real time of each ACD operation in whole microseconds up to 100 ms (a fixed table, so memory stays flat). */
const histogram = new Uint32Array(100_001);
let operations = 0;
let maxOpMs = 0;
function run(fn: () => void): void {
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  histogram[Math.min(histogram.length - 1, Math.round(ms * 1000))]!++;
  operations++;
  if (ms > maxOpMs) maxOpMs = ms;
}
function percentileMs(p: number): number {
  let seen = 0;
  for (let us = 0; us < histogram.length; us++) if ((seen += histogram[us]!) >= p * operations) return us / 1000;
  return maxOpMs;
}

for (const a of agents) run(() => acd.setState(a.agent, 'ready'));
for (let i = 0; i < 300; i++) run(arrive);
const end = start + minutes * 60_000;
/** Arrivals about 20 a second (exponential gaps), each scheduling the next, until the end. */
function scheduleArrival(): void {
  const at = clock.now().getTime() + -Math.log(1 - random()) * 50;
  if (at < end)
    timeline.at(at, () => {
      arrive();
      scheduleArrival();
    });
}
scheduleArrival();

const heap: { minute: number; waiting: number; heapUsedMiB: number }[] = [];
const realStart = performance.now();
for (let minute = 1; minute <= minutes; minute++) {
  for (let e = timeline.next(start + minute * 60_000); e; e = timeline.next(start + minute * 60_000)) run(e.fn);
  if (minute === 1 || minute === minutes) {
    gc?.();
    heap.push({ minute, waiting: acd.snapshot().total.waiting, heapUsedMiB: process.memoryUsage().heapUsed / 1048576 });
  }
}
const realS = (performance.now() - realStart) / 1000;

const waiting = acd.snapshot().total.waiting;
const engine = acd.decisionStats();
const f = (ms: number) => ms.toFixed(4);
console.log(`simulated ${minutes} min with 100 agents in ${realS.toFixed(1)} s of real time`);
console.log(`arrivals ${arrivals} (300 at the start, then about 20/s): answered ${answered}, abandoned ${abandoned}, still waiting ${waiting}`);
console.log(`dispatches (engine): ${engine.count}; last 10,000: p50 ${f(engine.p50Ms)} ms, p99 ${f(engine.p99Ms)} ms, max ${f(engine.maxMs)} ms`);
console.log(`ACD operations with dispatch and listeners: ${operations}; p50 ${f(percentileMs(0.5))} ms, p99 ${f(percentileMs(0.99))} ms, max ${f(maxOpMs)} ms`);
console.log(`overflow rules fired: ${overflows}; alarm changes: ${alarms}`);
for (const h of heap) console.log(`minute ${h.minute}: ${h.waiting} waiting, heapUsed after gc ${h.heapUsedMiB.toFixed(2)} MiB`);
acd.close();
if (answered + abandoned + waiting !== arrivals) {
  console.log(`LOST CALLS: answered + abandoned + waiting = ${answered + abandoned + waiting}, arrivals ${arrivals}`);
  process.exit(1);
}
console.log('every arrival is answered, abandoned or still waiting');

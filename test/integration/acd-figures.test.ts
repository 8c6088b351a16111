/**
 * Live figures (T5, §16) with real callers and a real operator: callers who give up while waiting are counted
 * abandoned with their wait; the figures of GET /acd/figures equal a count made from the CDRs alone
 * (apps/acd/sla.ts countFromCdrs); the socket.io feed pushes the new figures and each agent state change; and
 * after a crash of call control (SIGKILL) a new process on the same data folder has every finished CDR
 * unchanged and today's figures rebuilt from the stored event log. The steps build on each other, in order.
 */
import t from 'tap';
import { once } from 'node:events';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import type { LiveFigures, QueueFigures } from '../../apps/acd/figures.js';
import { jstDayRange } from '../../apps/acd/live-counts.js';
import { countFromCdrs } from '../../apps/acd/sla.js';
import { CallsRepository } from '../../db/repositories/calls.js';
import { acdCallers, setQueue, sippFailures, startAcdSite, talkAudio, type AcdSite } from '../helpers/acd.js';
import { freeUdpPort } from '../helpers/sipp.js';
import { io } from 'socket.io-client';

const OPEN = '2027-06-01T10:00:00+09:00';

interface EventRow {
  call_id: number;
  kind: string;
  queue: string | null;
  detail: string | null;
}

const trunkA = await freeUdpPort();
const trunkB = await freeUdpPort();
const site = await startAcdSite(t, { clock: OPEN, trunkPorts: [trunkA, trunkB], beforeStart: (db) => setQueue(db, 'general', { ringTimeoutS: 5, wrapUpS: 0 }) });
const db = site.cc.db;
await site.operator('op02', { audioFile: talkAudio(site.cc.dataDir, 3000) });

// Everything the live feed pushes, from before the first call.
const feed = await site.live();
const pushed = { figures: [] as LiveFigures[], agent: [] as AgentStatus[] };
feed.on('figures', (f: LiveFigures) => pushed.figures.push(f));
feed.on('agent', (a: AgentStatus) => pushed.agent.push(a));

/** The counts the figures and the CDRs both have. */
const counted = (f: Pick<QueueFigures, 'offered' | 'answered' | 'answeredWithin15s' | 'abandoned'>) => ({
  offered: f.offered,
  answered: f.answered,
  answeredWithin15s: f.answeredWithin15s,
  abandoned: f.abandoned,
});

/** Every call finished and fully written: ended, who hung up, and the wrap-up of the answered ones. */
const allFinished = (calls: { ended_at: string | null; hung_up_by: string | null; agent: string | null; wrap_up_ms: number | null }[], n: number) =>
  calls.length === n && calls.every((c) => c.ended_at && c.hung_up_by && (c.agent === null || c.wrap_up_ms !== null));

t.test('a caller who hangs up while waiting is counted abandoned, with the time waited', async (t) => {
  t.equal((await site.figures()).total.agents.ready, 0, 'no operator is ready');
  // Two callers at once from two trunk lines: one gives up after about 2 s in the queue, the other after about 4 s.
  const [short, long] = await Promise.all([acdCallers(site, { port: trunkA, abandonAfterMs: 2000 }), acdCallers(site, { port: trunkB, abandonAfterMs: 4000, caller: '0311112222' })]);
  t.equal(short.successful + long.successful, 2, `both callers hung up themselves: ${sippFailures(short)} ${sippFailures(long)}`);

  const calls = await site.until('both calls finished', () => db('calls').orderBy('id'), (c) => allFinished(c, 2));
  for (const c of calls) t.match(c, { queue: 'general', outcome: 'abandoned', hung_up_by: 'caller', agent: null }, `call ${c.id} (${c.caller}): abandoned, hung up by the caller`);
  const abandons = (await db('call_events').where({ kind: 'abandon' }).orderBy('call_id')) as EventRow[];
  t.equal(abandons.length, 2, "one 'abandon' event per call");
  const waits = new Map(abandons.map((e) => [calls.find((c: { id: number }) => c.id === e.call_id)!.caller as string, (JSON.parse(e.detail!) as { waitMs: number }).waitMs]));
  t.ok(waits.get('0312345678')! > 0, `the first caller's wait is logged (${waits.get('0312345678')} ms)`);
  t.ok(waits.get('0311112222')! > waits.get('0312345678')!, `the caller who held on longer waited longer (${waits.get('0311112222')} ms)`);

  const f = await site.until('figures with two abandoned', () => site.figures(), (x) => x.total.abandoned === 2);
  const ms = [...waits.values()];
  t.match(
    f.total,
    {
      offered: 2,
      answered: 0,
      abandoned: 2,
      waiting: 0,
      abandonedWaitS: { mean: Math.round((ms[0]! + ms[1]!) / 2 / 100) / 10, max: Math.round(Math.max(...ms) / 100) / 10 },
    },
    'figures: two offered, two abandoned, with the mean and longest wait of the event log',
  );
  t.match(f.queues.find((q) => q.queue === 'general'), { offered: 2, abandoned: 2 }, 'and the same in the general queue');
});

t.test('live figures equal a count made from the CDRs, and the feed pushes them and the agent changes', async (t) => {
  const stranger = io(`http://127.0.0.1:${site.cc.healthPort}`, { path: '/acd/live', auth: { token: 'not-the-token' }, transports: ['websocket'], reconnection: false });
  t.teardown(() => stranger.disconnect());
  const refused = await new Promise<Error>((resolve) => stranger.once('connect_error', resolve));
  t.equal(refused.message, 'unauthorized', 'the feed refuses a subscriber without the token');

  // A caller who waits past the 15 s of 即応 (§16) before op02 logs in…
  const late = acdCallers(site, { port: trunkB, caller: '0333333333' });
  await site.until('a caller waiting over 15 s', () => site.figures(), (f) => f.total.waiting === 1 && f.total.longestWaitS > 15, 30_000);
  await site.api('POST', '/agents/op02/state', { state: 'ready', contact: { kind: 'softphone' } });
  const readyPush = await site.until('an agent event', async () => pushed.agent.find((a) => a.agent === 'op02' && a.state === 'ready'), (a) => a !== undefined);
  t.match(readyPush, { agent: 'op02', state: 'ready', contact: { kind: 'softphone' } }, "the feed pushed 'agent' when op02 became ready (T6)");
  await site.until('op02 talking', async () => pushed.agent.at(-1), (a) => a?.state === 'talking');
  t.same(
    pushed.agent.filter((a) => a.agent === 'op02').map((a) => a.state),
    ['ready', 'ringing', 'talking'],
    "the feed pushed each of op02's changes: ready, ringing, talking",
  );
  // …and one who arrives while op02 talks, answered a few seconds later, well within 15 s.
  const quick = await acdCallers(site, { port: trunkA });
  t.equal(quick.successful, 1, `the second caller was put through: ${sippFailures(quick)}`);
  const r = await late;
  t.equal(r.successful, 1, `the late caller was put through: ${sippFailures(r)}`);

  const calls = await site.until('four calls finished', () => db('calls').orderBy('id'), (c) => allFinished(c, 4));
  t.same(
    calls.map((c: { outcome: string; agent: string | null }) => [c.outcome, c.agent]),
    [
      ['abandoned', null],
      ['abandoned', null],
      ['completed', 'op02'],
      ['completed', 'op02'],
    ],
    'two abandoned, then two answered by op02',
  );

  const range = jstDayRange(new Date(OPEN));
  const figures = await site.until('figures with two answered', () => site.figures(), (f) => f.total.answered === 2);
  const fromCdrs = countFromCdrs(await new CallsRepository(db).between(range.from, range.to), figures.date);
  t.same(fromCdrs.total, { offered: 4, answered: 2, answeredWithin15s: 1, abandoned: 2 }, 'the CDRs: four offered, two answered (one within 15 s), two abandoned');
  t.same(counted(figures.total), fromCdrs.total, 'total: the live figures equal the count from the CDRs');
  t.same(counted(figures.queues.find((q) => q.queue === 'general')!), fromCdrs.general, 'general queue: the same');

  const latest = await site.until('a pushed figures event with the new counts', async () => pushed.figures.at(-1), (f) => f?.total.answered === 2 && f.total.abandoned === 2);
  t.same(counted(latest!.total), counted(figures.total), "the last 'figures' pushed has the counts of GET /acd/figures");
});

t.test('a crash of call control loses no finished CDR, and a restart rebuilds the figures from the event log', async (t) => {
  const tables = async (s: AcdSite) => ({
    calls: await s.cc.db('calls').orderBy('id'),
    legs: await s.cc.db('call_legs').orderBy('id'),
    events: await s.cc.db('call_events').orderBy('id'),
  });
  const before = await tables(site);
  const figures = await site.figures();
  t.equal(before.calls.length, 4, 'four finished calls are stored');

  const exited = once(site.cc.child, 'exit');
  site.cc.child.kill('SIGKILL');
  const [, signal] = (await exited) as [number | null, string | null];
  t.equal(signal, 'SIGKILL', 'call control was killed');

  // Started again on the same data folder and rtpengine, its clock going on from where the old one was.
  const again = await startAcdSite(t, { clock: new Date(Date.parse(figures.at) + 1000).toISOString(), dataDir: site.cc.dataDir, rtpengine: site.rtpengine, trunkPorts: [trunkA, trunkB] });
  t.not(again.cc.child.pid, site.cc.child.pid, 'a new call-control process runs');
  const after = await tables(again);
  t.same(after.calls, before.calls, 'every finished CDR is there, unchanged');
  t.same(after.legs, before.legs, 'and every leg');
  t.same(after.events, before.events, 'and the event log');

  const rebuilt = await again.figures();
  t.equal(rebuilt.date, figures.date, 'the same JST day');
  t.same(counted(rebuilt.total), counted(figures.total), `today's totals rebuilt: ${JSON.stringify(counted(rebuilt.total))}`);
  t.same(rebuilt.total.abandonedWaitS, figures.total.abandonedWaitS, 'and the abandoned waits');
  t.same(counted(rebuilt.queues.find((q) => q.queue === 'general')!), counted(figures.queues.find((q) => q.queue === 'general')!), 'and the general queue');
  t.match(await again.agent('op02'), { state: 'ready' }, 'op02 is ready again, as stored before the crash');

  // The new process counts on from the rebuilt figures: op02's softphone registers with it and takes a call.
  await again.operator('op02', { audioFile: talkAudio(site.cc.dataDir, 2000) });
  const r = await acdCallers(again, { port: trunkA });
  t.equal(r.successful, 1, `a caller after the restart was put through: ${sippFailures(r)}`);
  const calls = await again.until('five calls finished', () => again.cc.db('calls').orderBy('id'), (c) => allFinished(c, 5));
  t.match(calls[4], { outcome: 'completed', agent: 'op02' }, 'answered by op02');
  const range = jstDayRange(new Date(OPEN));
  const now = await again.until('figures with three answered', () => again.figures(), (f) => f.total.answered === 3);
  const fromCdrs = countFromCdrs(await new CallsRepository(again.cc.db).between(range.from, range.to), now.date);
  t.same(counted(now.total), fromCdrs.total, `the figures go on from the rebuilt counts and still equal the CDRs: ${JSON.stringify(fromCdrs.total)}`);
  t.match(now.total, { offered: 5, answered: 3, abandoned: 2 }, 'five offered, three answered, two abandoned');
});

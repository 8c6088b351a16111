/**
 * Who gets the call (T5, T6), with real callers (sipp over the trunk) and real operators (baresip registered
 * with digest): the longest-idle operator first, a queue set to round-robin or fewest-calls in its own order,
 * and a phone that rings unanswered for the queue's ring timeout, after which the call goes to the next
 * operator and the one who missed it is set not ready (app_queue's autopause, mod_callcenter's max-no-answer).
 * Each test starts its own site; the general queue gets short ring and wrap-up times through `sc queue set`.
 */
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import { acdCallers, setQueue, sippFailures, startAcdSite, talkAudio, type AcdSite } from '../helpers/acd.js';
import { freeUdpPort } from '../helpers/sipp.js';

const OPEN = '2027-06-01T10:00:00+09:00';

interface Row {
  id: number;
  call_id: number;
  kind: string;
  agent: string | null;
  detail: string | null;
}

/** Logs operators in as ready through the API, one after another, so each has a later idle start (T6). */
async function readyInOrder(t: Test, site: AcdSite, agents: string[]): Promise<void> {
  const since: number[] = [];
  for (const agent of agents) {
    const r = await site.api<AgentStatus>('POST', `/agents/${agent}/state`, { state: 'ready', contact: { kind: 'softphone' } });
    since.push(Date.parse(r.body.since));
    // Distinct idle starts: the order is then the operators', not the tie-break by id.
    await sleep(20);
  }
  t.ok(
    since.every((s, i) => i === 0 || s > since[i - 1]!),
    `ready in the order ${agents.join(', ')}`,
  );
}

/** The agents offered calls, in the order of the offers. */
async function offered(site: AcdSite): Promise<string[]> {
  return ((await site.cc.db('call_events').where({ kind: 'offer' }).orderBy('id')) as Row[]).map((e) => e.agent!);
}

t.test('longest-idle (the default): the operator idle longest gets the first call, the next idle the second (T5)', async (t) => {
  const port = await freeUdpPort();
  const site = await startAcdSite(t, { clock: OPEN, trunkPorts: [port], beforeStart: (db) => setQueue(db, 'general', { ringTimeoutS: 5, wrapUpS: 0 }) });
  // Long enough talks that nobody is free again before the third caller is in the queue.
  const talk = talkAudio(site.cc.dataDir, 8000);
  for (const op of ['op02', 'op03', 'op04']) await site.operator(op, { audioFile: talk });
  await readyInOrder(t, site, ['op03', 'op02', 'op04']);

  const r = await acdCallers(site, { port, calls: 3, everyMs: 1500 });
  t.equal(r.successful, 3, `the three callers were put through and got the BYE: ${sippFailures(r)}`);
  t.same(await offered(site), ['op03', 'op02', 'op04'], 'offered in the order the operators became idle');
  const calls = await site.until('three answered calls', () => site.cc.db('calls').orderBy('queued_at'), (c) => c.length === 3 && c.every((x: { hung_up_by: unknown }) => x.hung_up_by));
  t.same(
    calls.map((c: { agent: string }) => c.agent),
    ['op03', 'op02', 'op04'],
    'the calls, in the order they entered the queue, were answered by op03, op02, op04',
  );
  t.ok(
    calls.every((c: { offers: number; outcome: string }) => c.offers === 1 && c.outcome === 'completed'),
    'each call was offered once and completed',
  );
});

t.test('round-robin: the next operator in turn by id, whoever is idle longest', async (t) => {
  const port = await freeUdpPort();
  const site = await startAcdSite(t, {
    clock: OPEN,
    trunkPorts: [port],
    beforeStart: (db) => setQueue(db, 'general', { strategy: 'round-robin', ringTimeoutS: 5, wrapUpS: 0 }),
  });
  const talk = talkAudio(site.cc.dataDir, 8000);
  for (const op of ['op02', 'op03', 'op04']) await site.operator(op, { audioFile: talk });
  // Longest-idle would ring op04 first.
  await readyInOrder(t, site, ['op04', 'op03', 'op02']);

  const r = await acdCallers(site, { port, calls: 3, everyMs: 1500 });
  t.equal(r.successful, 3, `the three callers were put through: ${sippFailures(r)}`);
  t.same(await offered(site), ['op02', 'op03', 'op04'], 'offered in turn: op02, op03, op04');
  const calls = await site.until('three ended calls', () => site.cc.db('calls').orderBy('queued_at'), (c) => c.length === 3 && c.every((x: { hung_up_by: unknown }) => x.hung_up_by));
  t.same(
    calls.map((c: { agent: string }) => c.agent),
    ['op02', 'op03', 'op04'],
    'answered in turn',
  );
});

t.test('fewest-calls: the operator with fewer calls today gets the call, though another was idle longer', async (t) => {
  const port = await freeUdpPort();
  const site = await startAcdSite(t, {
    clock: OPEN,
    trunkPorts: [port],
    beforeStart: (db) => setQueue(db, 'general', { strategy: 'fewest-calls', ringTimeoutS: 5, wrapUpS: 0 }),
  });
  const talk = talkAudio(site.cc.dataDir, 3000);
  for (const op of ['op02', 'op03']) await site.operator(op, { audioFile: talk });
  await readyInOrder(t, site, ['op02']);

  const first = await acdCallers(site, { port });
  t.equal(first.successful, 1, `the first caller was put through: ${sippFailures(first)}`);
  const op02 = await site.until('op02 free again', () => site.agent('op02'), (a) => a.state === 'ready');
  t.equal(op02.state, 'ready', 'op02 is ready again after its call (no wrap-up in this queue)');
  // op03 becomes ready after op02's call ended: op02 has been idle longer, but has one call today.
  await readyInOrder(t, site, ['op03']);

  const second = await acdCallers(site, { port });
  t.equal(second.successful, 1, `the second caller was put through: ${sippFailures(second)}`);
  t.same(await offered(site), ['op02', 'op03'], 'the second call went to op03, which had taken none');
  const calls = await site.until('two ended calls', () => site.cc.db('calls').orderBy('queued_at'), (c) => c.length === 2 && c.every((x: { hung_up_by: unknown }) => x.hung_up_by));
  t.same(
    calls.map((c: { agent: string }) => c.agent),
    ['op02', 'op03'],
    'answered by op02, then op03',
  );
});

t.test('ring timeout: an unanswered phone rings for ringTimeoutS, the call goes to the next operator and the one who missed it is not ready', async (t) => {
  const port = await freeUdpPort();
  const site = await startAcdSite(t, {
    clock: OPEN,
    trunkPorts: [port],
    config: { acd: { missesToNotReady: 1 } },
    beforeStart: (db) => setQueue(db, 'general', { ringTimeoutS: 5, wrapUpS: 0 }),
  });
  const talk = talkAudio(site.cc.dataDir, 3000);
  const deaf = await site.operator('op02', { answerMode: 'manual' });
  const op03 = await site.operator('op03', { audioFile: talk });
  // op02 is idle longest, so its phone rings first, and nobody picks it up.
  await readyInOrder(t, site, ['op02', 'op03']);

  const caller = acdCallers(site, { port });
  const rang = await deaf.waitFor('CALL_INCOMING', 30_000);
  t.match(rang.peeruri, /0312345678@/, "op02's phone rings with the caller's number");
  const answered = await op03.waitFor('CALL_ESTABLISHED', 30_000);
  t.match(answered.peeruri, /0312345678@/, 'after the ring timeout the call reaches op03, who answers');
  await deaf.waitFor('CALL_CLOSED', 10_000);
  const r = await caller;
  t.equal(r.successful, 1, `the caller was put through: ${sippFailures(r)}`);

  const call = await site.until('the call row', () => site.cc.db('calls').first(), (c) => c?.hung_up_by != null);
  t.match(call, { agent: 'op03', outcome: 'completed', offers: 2 }, 'the CDR: two offers, answered by op03');
  const events = ((await site.cc.db('call_events').where({ call_id: call.id }).orderBy('id')) as Row[]).filter((e) => e.kind.startsWith('offer') || e.kind === 'answer');
  t.same(
    events.map((e) => [e.kind, e.agent]),
    [
      ['offer', 'op02'],
      ['offer-failed', 'op02'],
      ['offer', 'op03'],
      ['answer', 'op03'],
    ],
    'offered to op02, which failed, then to op03, who answered',
  );
  t.same(JSON.parse(events[1]!.detail!), { reason: 'no-answer' }, "the failed offer's reason is no-answer");

  const missed = await site.agent('op02');
  t.match(missed, { state: 'not_ready', reason: 'missed' }, 'after missesToNotReady (1) misses op02 is not ready, reason missed (T6)');
  const stored = await site.until(
    "op02's stored state",
    () => site.cc.db('agent_states').where({ agent: 'op02' }).orderBy('id', 'desc').first(),
    (s) => s?.state === 'not_ready',
  );
  t.match(stored, { state: 'not_ready', reason: 'missed' }, 'the agent_states row says not_ready, missed');
  const states = (await site.cc.db('agent_states').where({ agent: 'op02' }).orderBy('id')).map((s: { state: string }) => s.state);
  t.same(states, ['ready', 'ringing', 'not_ready'], `op02 went ready, ringing, not ready: ${states.join(',')}`);

  const legs = await site.until('both legs ended', () => site.cc.db('call_legs').where({ call_id: call.id, kind: 'agent' }).orderBy('id'), (l) => l.length === 2 && l.every((x: { ended_at: unknown }) => x.ended_at));
  t.match(legs.find((l: { party: string }) => l.party === 'op02'), { outcome: 'no-answer', answered_at: null }, "op02's leg: rung, not answered (no-answer)");
  t.match(legs.find((l: { party: string }) => l.party === 'op03'), { outcome: 'answered', ended_by: 'agent' }, "op03's leg: answered, op03 hung up");

  // Back to ready, op02 is offered calls again (its miss count starts over).
  const back = await site.api<AgentStatus>('POST', '/agents/op02/state', { state: 'ready' });
  t.match(back.body, { state: 'ready', reason: null }, 'op02 is set ready again through the API');
});

/**
 * Operator states (T6) with a real operator (baresip registered with digest) and real callers (sipp over the
 * trunk): after-call work (後処理) for the queue's wrapUpS that ends by itself, or early from the console API;
 * not ready with a reason (離席) from the API, which keeps calls away while a caller waits; and the feature
 * codes dialled on the softphone (特番 *12 break, *11 ready, *15 refused outside wrap-up), each change stored
 * in agent_states.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import { acdCallers, setQueue, sippFailures, startAcdSite, talkAudio } from '../helpers/acd.js';
import type { BaresipEvent } from '../helpers/baresip.js';
import { freeUdpPort } from '../helpers/sipp.js';

const OPEN = '2027-06-01T10:00:00+09:00';
/** The general queue's after-call work in this site. */
const WRAP_UP_S = 4;

interface EventRow {
  kind: string;
  agent: string | null;
  detail: string | null;
}

const port = await freeUdpPort();
const site = await startAcdSite(t, { clock: OPEN, trunkPorts: [port], beforeStart: (db) => setQueue(db, 'general', { ringTimeoutS: 5, wrapUpS: WRAP_UP_S }) });
const op = await site.operator('op02', { audioFile: talkAudio(site.cc.dataDir, 3000) });
const db = site.cc.db;

/** op02's stored states (agent_states) after row `afterId`, as "state" or "state/reason". */
async function storedStates(afterId = 0): Promise<string[]> {
  const rows = await db('agent_states').where({ agent: 'op02' }).andWhere('id', '>', afterId).orderBy('id');
  return rows.map((r: { state: string; reason: string | null }) => (r.reason ? `${r.state}/${r.reason}` : r.state));
}

async function lastStateId(): Promise<number> {
  const row = await db('agent_states').where({ agent: 'op02' }).max({ id: 'id' }).first();
  return (row?.id as number | null) ?? 0;
}

/** The one call that entered the queue after `afterId`, once it has ended and its wrap-up (if any) is stored. */
async function finishedCall(afterId: number, what: string) {
  return site.until(what, () => db('calls').where('id', '>', afterId).orderBy('id').first(), (c) => c?.hung_up_by != null && c?.wrap_up_ms != null);
}

t.test('after-call work: wrap_up for the queue wrapUpS, then ready by itself (T6)', async (t) => {
  await site.api('POST', '/agents/op02/state', { state: 'ready', contact: { kind: 'softphone' } });
  const r = await acdCallers(site, { port });
  t.equal(r.successful, 1, `the caller was put through and op02 hung up: ${sippFailures(r)}`);
  const wrapping = await site.until('op02 in wrap-up', () => site.agent('op02'), (a) => a.state !== 'talking');
  t.match(wrapping, { state: 'wrap_up' }, 'after the call op02 is in after-call work');
  const ready = await site.until('op02 ready again', () => site.agent('op02'), (a) => a.state === 'ready', 20_000);
  t.equal(ready.state, 'ready', 'the wrap-up ended by itself');
  const call = await finishedCall(0, 'the first call with its wrap-up');
  t.ok(call.wrap_up_ms >= WRAP_UP_S * 1000, `the CDR's wrap-up is the queue's ${WRAP_UP_S} s (${call.wrap_up_ms} ms)`);
  t.same(await storedStates(), ['ready', 'ringing', 'talking', 'wrap_up', 'ready'], 'agent_states: ready, ringing, talking, wrap_up, ready');
  const end = (await db('call_events').where({ call_id: call.id, kind: 'wrap-up-end' }).first()) as EventRow;
  t.equal((JSON.parse(end.detail!) as { wrapUpMs: number }).wrapUpMs, call.wrap_up_ms, "the 'wrap-up-end' event carries the same wrap-up time");
});

t.test('after-call work ended early by the operator through the API', async (t) => {
  const before = await lastStateId();
  const lastCall = ((await db('calls').max({ id: 'id' }).first())?.id as number | null) ?? 0;
  const r = await acdCallers(site, { port });
  t.equal(r.successful, 1, `the second caller was put through: ${sippFailures(r)}`);
  await site.until('op02 in wrap-up', () => site.agent('op02'), (a) => a.state === 'wrap_up');
  const ended = await site.api<AgentStatus>('POST', '/agents/op02/wrap-up-end');
  t.match(ended.body, { agent: 'op02', state: 'ready' }, 'POST wrap-up-end: op02 is ready at once');
  const call = await finishedCall(lastCall, 'the second call with its wrap-up');
  t.ok(call.wrap_up_ms < WRAP_UP_S * 1000, `the CDR's wrap-up is shorter than the queue's ${WRAP_UP_S} s (${call.wrap_up_ms} ms)`);
  t.same(await storedStates(before), ['ringing', 'talking', 'wrap_up', 'ready'], 'agent_states: ringing, talking, wrap_up, ready');

  const again = await site.api<{ code: string; error: string }>('POST', '/agents/op02/wrap-up-end', undefined, [409]);
  t.equal(again.status, 409, 'ending a wrap-up that is not running is refused');
  t.match(again.body, { code: 'bad-transition', error: /not in after-call work/ }, 'with a clear error');
  t.equal((await site.agent('op02')).state, 'ready', 'and op02 stays ready');
  t.same(await storedStates(before), ['ringing', 'talking', 'wrap_up', 'ready'], 'no state row was added by the refused request');
});

t.test('not ready (break) from the API: no call while a caller waits; back to ready, the call comes', async (t) => {
  const lastCall = ((await db('calls').max({ id: 'id' }).first())?.id as number | null) ?? 0;
  const brk = await site.api<AgentStatus>('POST', '/agents/op02/state', { state: 'not_ready', reason: 'break' });
  t.match(brk.body, { state: 'not_ready', reason: 'break' }, 'op02 goes on a break (休憩)');
  const bad = await site.api<{ code: string }>('POST', '/agents/op02/state', { state: 'not_ready', reason: 'nap' }, [400]);
  t.equal(bad.status, 400, 'an unknown reason is refused');
  t.equal((await site.agent('op02')).reason, 'break', 'and changes nothing');

  // A number of its own, so the phone's events of this call are told from earlier ones.
  const caller = acdCallers(site, { port, caller: '0398765432' });
  const waiting = await site.until('the caller in the queue', () => site.figures(), (f) => f.total.waiting === 1);
  t.equal(waiting.total.waiting, 1, 'one caller waits');
  const call = await site.until('the waiting call row', () => db('calls').where('id', '>', lastCall).first(), (c) => c?.queued_at != null);
  // Long enough for any offer to have been made and logged: the ACD offers at once when someone is ready.
  await sleep(2000);
  t.same(await db('call_events').where({ call_id: call.id, kind: 'offer' }), [], 'no offer is made while op02 is on a break');
  t.match(await site.agent('op02'), { state: 'not_ready', reason: 'break' }, 'op02 is still not ready');

  const back = await site.api<AgentStatus>('POST', '/agents/op02/state', { state: 'ready' });
  t.match(back.body, { state: 'ringing', callId: call.id }, 'op02 is back, and at once rung for the waiting call');
  const incoming = await op.waitFor('CALL_ESTABLISHED', 20_000, (e) => /0398765432@/.test(e.peeruri ?? ''));
  t.ok(incoming, "the waiting caller reaches op02's phone");
  const r = await caller;
  t.equal(r.successful, 1, `the caller was put through: ${sippFailures(r)}`);
  const done = await finishedCall(lastCall, 'the call after the break');
  t.match(done, { agent: 'op02', outcome: 'completed', offers: 1 }, 'answered by op02 at the first offer');
  await site.until('op02 in wrap-up', () => site.agent('op02'), (a) => a.state === 'wrap_up' || a.state === 'ready');
  await site.api('POST', '/agents/op02/wrap-up-end', undefined, [409]);
});

t.test('feature codes dialled on the softphone change the state (特番, T6)', async (t) => {
  await site.until('op02 stored as ready', () => storedStates(), (s) => s.at(-1) === 'ready');
  const before = await lastStateId();
  const feature = async (code: string) => {
    const mine = (e: BaresipEvent) => (e.peeruri ?? '').startsWith(`sip:${code}@`);
    await op.dial(`sip:${code}@127.0.0.1:${site.cc.sipPort}`);
    await op.waitFor('CALL_ESTABLISHED', 10_000, mine);
    // The appliance beeps and hangs up.
    await op.waitFor('CALL_CLOSED', 10_000, mine);
  };
  t.equal((await site.agent('op02')).state, 'ready', 'op02 starts ready');

  await feature('*12');
  const onBreak = await site.until('op02 on a break', () => site.agent('op02'), (a) => a.state === 'not_ready');
  t.match(onBreak, { state: 'not_ready', reason: 'break' }, '*12: not ready, break (the softphone digest names op02)');
  const row = await site.until('the break stored', () => db('agent_states').where({ agent: 'op02' }).orderBy('id', 'desc').first(), (r) => r?.state === 'not_ready');
  t.match(row, { at: onBreak.since, reason: 'break', contact: 'softphone' }, 'agent_states has the change with the time it was made');

  await feature('*11');
  const ready = await site.until('op02 ready', () => site.agent('op02'), (a) => a.state === 'ready');
  t.match(ready, { state: 'ready', reason: null }, '*11: ready');

  // *15 ends an after-call work; op02 has none: a low tone, and nothing changes.
  await feature('*15');
  t.match(await site.agent('op02'), { state: 'ready', reason: null }, '*15 outside wrap-up leaves op02 ready');
  await site.until('the states stored', () => storedStates(before), (s) => s.length >= 2);
  t.same(await storedStates(before), ['not_ready/break', 'ready'], 'agent_states: not_ready/break by *12, ready by *11, nothing by *15');
  t.match(site.cc.log(), /feature code refused[^\n]*\*15/, 'the refused *15 is logged');
});

/** The ACD's repositories (T5-T7, C4, C10, §16) on a real SQLite file: what is written reads back as written. */
import t from 'tap';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import type { CallEvent } from '../../apps/acd/call-event.js';
import { AcdAgentsRepository } from '../../db/repositories/acd-agents.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { AgentStatesRepository } from '../../db/repositories/agent-states.js';
import { CallEventsRepository } from '../../db/repositories/call-events.js';
import { CallLegsRepository } from '../../db/repositories/call-legs.js';
import { CallbacksRepository } from '../../db/repositories/callbacks.js';
import { CallsRepository } from '../../db/repositories/calls.js';
import { TransfersRepository } from '../../db/repositories/transfers.js';
import { migratedDb } from '../helpers/data.js';

const db = await migratedDb(t);
const calls = new CallsRepository(db);
const at = (iso: string) => new Date(iso);
const newCall = (n: number, started = '2027-06-01T10:00:00+09:00') => calls.start({ sipCallId: `call-${n}`, dnis: '0354323333', caller: '0312345678', startedAt: at(started) });

t.test('queues are versioned: the highest version is current, history keeps the rest', async (t) => {
  const repo = new AcdQueuesRepository(db);
  t.equal(await repo.save('test-q', { name: 'v1' }, 'alice', at('2027-06-01T00:00:00Z')), 1);
  t.equal(await repo.save('test-q', { name: 'v2' }, 'bob', at('2027-06-02T00:00:00Z')), 2);
  const current = (await repo.current()).find((q) => q.queue === 'test-q');
  t.same(current, { queue: 'test-q', version: 2, definition: { name: 'v2' }, createdAt: '2027-06-02T00:00:00.000Z', createdBy: 'bob' });
  t.same((await repo.history('test-q')).map((q) => [q.version, q.createdBy]), [[2, 'bob'], [1, 'alice']]);
  t.same(await repo.history('nowhere'), []);
});

t.test('agents: skills and penalties replaced as a whole', async (t) => {
  const repo = new AcdAgentsRepository(db);
  await repo.put('zz01', { ja: 4, en: 2 }, { general: 1 }, at('2027-06-01T00:00:00Z'));
  await repo.put('zz01', { ja: 5 }, {}, at('2027-06-03T00:00:00Z'));
  await repo.put('zz00', { zh: 3 }, {}, at('2027-06-03T00:00:00Z'));
  t.same(await repo.get('zz01'), { agent: 'zz01', skills: { ja: 5 }, penalties: {}, updatedAt: '2027-06-03T00:00:00.000Z' });
  t.equal(await repo.get('nobody'), undefined);
  t.same((await repo.list()).map((a) => a.agent).filter((a) => a.startsWith('zz')), ['zz00', 'zz01'], 'by agent');
});

t.test('agent states (T6): every change stored, the last per agent is the current one', async (t) => {
  const repo = new AgentStatesRepository(db);
  const rows: AgentStatus[] = [
    { agent: 'op01', state: 'ready', reason: null, since: '2027-06-01T00:00:00.000Z', callId: null, contact: { kind: 'softphone' } },
    { agent: 'op02', state: 'not_ready', reason: 'break', since: '2027-06-01T00:01:00.000Z', callId: null, contact: { kind: 'external', number: '09012345678' } },
    { agent: 'op01', state: 'ringing', reason: null, since: '2027-06-01T00:02:00.000Z', callId: 7, contact: { kind: 'softphone' } },
    { agent: 'op03', state: 'logged_out', reason: null, since: '2027-06-01T00:03:00.000Z', callId: null, contact: null },
  ];
  for (const r of rows) await repo.record(r);
  // The engine restores its state from these rows: they must be AgentStatus objects as they are.
  const latest: AgentStatus[] = await repo.latest();
  t.same(latest, [rows[2], rows[1], rows[3]]);
  t.same(await repo.between(at('2027-06-01T00:01:00Z'), at('2027-06-01T00:03:00Z')), [rows[1], rows[2]], '[from, to)');
  t.same(await repo.between(at('2027-06-01T00:00:00Z'), at('2027-06-02T00:00:00Z'), 'op01'), [rows[0], rows[2]]);
});

t.test('call events: appended in order, read back by period and by call', async (t) => {
  const repo = new CallEventsRepository(db);
  const c1 = await newCall(1);
  const c2 = await newCall(2);
  const events: CallEvent[] = [
    { at: at('2027-06-01T01:00:00Z'), callId: c1, kind: 'enqueue', queue: 'general', agent: null, detail: { priority: 0 } },
    { at: at('2027-06-01T01:00:00Z'), callId: c2, kind: 'enqueue', queue: 'english', agent: null, detail: { priority: 0 } },
    { at: at('2027-06-01T01:00:05Z'), callId: c1, kind: 'answer', queue: 'general', agent: 'op01', detail: { waitMs: 5000 } },
    { at: at('2027-06-01T01:01:00Z'), callId: c2, kind: 'abandon', queue: 'english', agent: null, detail: { waitMs: 60_000 } },
    { at: at('2027-06-01T01:02:00Z'), callId: c1, kind: 'hangup', queue: null, agent: null, detail: { by: 'caller' } },
  ];
  for (const e of events) await repo.append(e);
  t.same(await repo.between(at('2027-06-01T01:00:00Z'), at('2027-06-01T01:02:00Z')), events.slice(0, 4), 'in id order, end excluded');
  t.same(await repo.forCall(c1), [events[0], events[2], events[4]]);
  t.same(await repo.forCalls([c2, c1]), events, 'several calls, still in the order appended');
  t.same(await repo.forCalls([]), []);
});

t.test('call legs: started, answered, ended once', async (t) => {
  const repo = new CallLegsRepository(db);
  const c = await newCall(3);
  const caller = await repo.start({ callId: c, kind: 'caller', party: '0312345678', sipCallId: 'sip-a', startedAt: at('2027-06-01T01:00:00Z') });
  const agent = await repo.start({ callId: c, kind: 'agent', party: 'op01', startedAt: at('2027-06-01T01:00:10Z') });
  await repo.answered(agent, at('2027-06-01T01:00:12Z'));
  await repo.end(agent, at('2027-06-01T01:05:00Z'), 'answered', 'caller');
  await repo.end(agent, at('2027-06-01T01:06:00Z'), 'failed', 'system');
  const legs = await repo.forCall(c);
  t.same(legs.map((l) => l.id), [caller, agent]);
  t.match(legs[0], { kind: 'caller', party: '0312345678', sipCallId: 'sip-a', answeredAt: null, endedAt: null, outcome: null });
  t.match(legs[1], { kind: 'agent', party: 'op01', sipCallId: null, answeredAt: '2027-06-01T01:00:12.000Z', endedAt: '2027-06-01T01:05:00.000Z', outcome: 'answered', endedBy: 'caller' }, 'a second end changes nothing');
  t.same((await repo.forCalls([c])).length, 2);
});

t.test('transfers (C4): by period and department, counted with the department name', async (t) => {
  const repo = new TransfersRepository(db);
  const c = await newCall(4);
  const base = { callId: c, agent: 'op01', mode: 'blind' as const };
  await repo.record({ ...base, at: at('2027-06-01T01:00:00Z'), departmentId: 'kazei', outcome: 'connected' });
  await repo.record({ ...base, at: at('2027-06-01T02:00:00Z'), departmentId: 'kazei', outcome: 'connected' });
  await repo.record({ ...base, at: at('2027-06-01T03:00:00Z'), departmentId: 'kazei', outcome: 'refused', reason: 'outside the window' });
  const last = await repo.record({ ...base, at: at('2027-06-01T04:00:00Z'), departmentId: 'kokuho-nenkin', mode: 'attended', outcome: 'failed' });
  t.same((await repo.between(at('2027-06-01T00:00:00Z'), at('2027-06-01T04:00:00Z'))).length, 3, 'end excluded');
  t.match(await repo.between(at('2027-06-01T00:00:00Z'), at('2027-06-02T00:00:00Z'), 'kokuho-nenkin'), [{ id: last, mode: 'attended', outcome: 'failed', reason: null }]);
  t.match((await repo.between(at('2027-06-01T03:00:00Z'), at('2027-06-01T03:00:01Z')))[0], { reason: 'outside the window' });
  const counts = await repo.countsByDepartment(at('2027-06-01T00:00:00Z'), at('2027-06-02T00:00:00Z'));
  t.same(
    counts.map((r) => [r.departmentId, r.mode, r.outcome, r.count]),
    [['kazei', 'blind', 'connected', 2], ['kazei', 'blind', 'refused', 1], ['kokuho-nenkin', 'attended', 'failed', 1]],
  );
  t.ok(counts.every((r) => typeof r.departmentName === 'string' && r.departmentName.length > 0), 'the department name for the report');
  t.equal((await repo.forCalls([c])).length, 4);
});

t.test('callbacks (T7, C10): listed per department; done or cancelled purges the personal data at once', async (t) => {
  const repo = new CallbacksRepository(db);
  const c = await newCall(5);
  const base = { callId: c, callerName: '世田谷 太郎', number: '0312345678', topic: '国民健康保険の手続き', language: 'ja', preferredTime: '平日午前', createdBy: 'op01', at: at('2027-06-01T01:00:00Z') };
  const a = await repo.create({ ...base, departmentId: 'kokuho-nenkin' });
  const b = await repo.create({ ...base, departmentId: 'kokuho-nenkin', callerName: null, preferredTime: null });
  const centre = await repo.create({ ...base, departmentId: null, language: 'en' });
  t.match(await repo.get(a), { id: a, departmentId: 'kokuho-nenkin', callerName: '世田谷 太郎', number: '0312345678', status: 'open', purgedAt: null });
  t.same((await repo.list({ departmentId: 'kokuho-nenkin' })).map((r) => r.id), [a, b]);
  t.same((await repo.list({ departmentId: null })).map((r) => r.id), [centre], 'null: the centre\'s own list');

  t.equal(await repo.done(a, 'ward01', at('2027-06-02T01:00:00Z')), true);
  t.equal(await repo.done(a, 'ward01', at('2027-06-02T02:00:00Z')), false, 'only an open request is closed');
  t.same(await repo.get(a), {
    id: a, callId: c, departmentId: 'kokuho-nenkin', callerName: null, number: null, topic: null, language: 'ja', preferredTime: null,
    status: 'done', createdAt: '2027-06-01T01:00:00.000Z', createdBy: 'op01', doneAt: '2027-06-02T01:00:00.000Z', doneBy: 'ward01', purgedAt: '2027-06-02T01:00:00.000Z',
  });
  t.equal(await repo.cancel(centre, 'sv01', at('2027-06-02T03:00:00Z')), true);
  t.match(await repo.get(centre), { status: 'cancelled', number: null, topic: null, callerName: null, doneBy: 'sv01', purgedAt: '2027-06-02T03:00:00.000Z' });
  t.equal(await repo.cancel(a, 'sv01', at('2027-06-02T03:00:00Z')), false, 'a done request is not cancelled');
  t.same((await repo.list({ departmentId: 'kokuho-nenkin', status: 'open' })).map((r) => r.id), [b]);
  t.same((await repo.list({ status: 'done' })).map((r) => r.id), [a]);
  t.equal(await repo.get(99_999), undefined);
});

t.test('calls: the ACD columns, written once where the first value must stay', async (t) => {
  const c = await newCall(6);
  await calls.queued(c, 'english', at('2027-06-01T01:00:00Z'));
  await calls.queued(c, 'general', at('2027-06-01T01:01:30Z'));
  await calls.countOffer(c);
  await calls.countOffer(c);
  await calls.agentAnswered(c, 'op01', at('2027-06-01T01:02:00Z'));
  await calls.agentAnswered(c, 'op02', at('2027-06-01T01:09:00Z'));
  await calls.talkEnded(c, at('2027-06-01T01:05:00Z'));
  await calls.talkEnded(c, at('2027-06-01T01:10:00Z'));
  await calls.wrapUp(c, 30_000);
  await calls.wrapUp(c, 12_500);
  await calls.hungUpBy(c, 'caller');
  await calls.hungUpBy(c, 'system');
  t.match(await calls.get(c), {
    queue: 'english', queuedAt: '2027-06-01T01:00:00.000Z', agent: 'op01', agentAnsweredAt: '2027-06-01T01:02:00.000Z',
    talkEndedAt: '2027-06-01T01:10:00.000Z', wrapUpMs: 42_500, hungUpBy: 'caller', offers: 2,
  });
  const fresh = await calls.get(await newCall(7));
  t.match(fresh, { queue: null, queuedAt: null, agentAnsweredAt: null, talkEndedAt: null, wrapUpMs: null, hungUpBy: null, offers: 0 });
  const late = await newCall(8, '2027-06-02T00:00:00+09:00');
  const inDay = (await calls.between(at('2027-06-01T00:00:00+09:00'), at('2027-06-02T00:00:00+09:00'))).map((x) => x.id);
  t.ok(inDay.includes(c) && !inDay.includes(late), 'between takes [from, to) by start');
  t.same(inDay, [...inDay].sort((x, y) => x - y), 'in id order');
});

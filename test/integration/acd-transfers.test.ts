/**
 * Transfers to ward departments over the trunk (T7, T10, C4), with real parts on 127.0.0.1: rtpengine, call
 * control, a baresip operator, and the carrier (our SIP stack) that places the caller and answers for the
 * departments. Each party sends its own tone, so who hears whom is measured, not assumed: the caller hears the
 * operator, hold music instead while held, the department once put through; a conference mixes all three.
 * Outside the department's window (weekdays 08:30-17:15) nothing is dialled: the operator gets its number.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { encodeWav } from '../../media/audio/wav.js';
import { sineTone, toneAmplitude } from '../../media/rtp/tone.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { ACD_QUEUES } from '../../db/seeds/acd-queues.js';
import { startAcdSite, type AcdSite } from '../helpers/acd.js';
import { startCarrier, TONES, type Carrier, type Party } from '../helpers/carrier.js';
import type { Scope } from '../helpers/scope.js';

const CENTRE = '0354323333';
const KOKUHO = { id: 'kokuho-nenkin', number: '0354322350', phone: '03-5432-2350' }; // 国保・年金課
const TUESDAY_MORNING = '2027-06-01T10:00:00+09:00';
const TUESDAY_EVENING = '2027-06-01T18:00:00+09:00'; // the centre is open until 19:00, departments until 17:15

interface CallInfo {
  callId: number;
  phase: string;
}

async function site(t: Scope & Parameters<typeof startCarrier>[0], clock: string, queues: Record<string, unknown> = {}): Promise<{ site: AcdSite; carrier: Carrier }> {
  const carrier = await startCarrier(t);
  const s = await startAcdSite(t, {
    clock,
    trunkPorts: [carrier.port],
    beforeStart: async (db) => {
      for (const [id, def] of Object.entries(queues)) await new AcdQueuesRepository(db).save(id, def, 'test', new Date());
    },
  });
  return { site: s, carrier };
}

/** An operator logged in and ready, talking with the operator's tone for a minute. */
async function operator(s: AcdSite, user: string) {
  const file = join(s.cc.dataDir, `${user}.wav`);
  writeFileSync(file, encodeWav({ sampleRate: 8000, channels: 1, samples: sineTone(TONES.operator, 60_000) }));
  const phone = await s.operator(user, { audioFile: file });
  await s.api('POST', `/agents/${user}/state`, { state: 'ready', contact: { kind: 'softphone' } });
  return phone;
}

async function callOf(s: AcdSite, user: string): Promise<CallInfo> {
  return s.until(`${user}'s call`, async () => (await s.api<CallInfo>('GET', `/agents/${user}/call`, undefined, [404])).body, (c) => typeof c.callId === 'number');
}

async function hearsBoth(p: Party, a: number, b: number): Promise<boolean> {
  await sleep(300);
  p.endpoint.startCapture();
  await sleep(800);
  const heard = p.endpoint.stopCapture();
  return toneAmplitude(heard, a) > 300 && toneAmplitude(heard, b) > 300;
}

t.test('inside the window: hold, consult, conference of three, then the transfer completes; the department hangs up last', async (t) => {
  const { site: s, carrier } = await site(t, TUESDAY_MORNING);
  const op = await operator(s, 'op01');
  const caller = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0312345678');
  await op.waitFor('CALL_ESTABLISHED', 30_000);
  const call = await callOf(s, 'op01');
  t.equal(call.phase, 'talking');
  t.ok(await caller.hears(TONES.operator), 'the caller hears the operator');

  t.same((await s.api('POST', `/calls/${call.callId}/hold`, { agent: 'op01' })).body, { phase: 'held' });
  t.notOk(await caller.hears(TONES.operator), 'on hold the caller no longer hears the operator');
  t.same((await s.api('POST', `/calls/${call.callId}/unhold`, { agent: 'op01' })).body, { phase: 'talking' });
  t.ok(await caller.hears(TONES.operator), 'and hears the operator again after unhold');

  const consult = await s.api('POST', `/calls/${call.callId}/transfer`, { agent: 'op01', department: KOKUHO.id, mode: 'attended' });
  t.same(consult.body, { outcome: 'consulting' }, 'the consult call is answered');
  t.same(carrier.dialled, [KOKUHO.number], "the department's number went out over the trunk");
  const dept = carrier.answered[0]!.party;
  t.ok(await dept.hears(TONES.operator), 'the department hears the operator');
  t.notOk(await caller.hears(TONES.department), 'the caller, on hold, does not hear the consult');

  t.same((await s.api('POST', `/calls/${call.callId}/consult/conference`, { agent: 'op01' })).body, { phase: 'conference' });
  t.ok(await hearsBoth(caller, TONES.operator, TONES.department), 'in the conference the caller hears operator and department (T10)');
  t.ok(await hearsBoth(dept, TONES.operator, TONES.caller), 'and the department hears both others');

  t.same((await s.api('POST', `/calls/${call.callId}/consult/complete`, { agent: 'op01' })).body, { phase: 'department' });
  await op.waitFor('CALL_CLOSED', 10_000);
  t.ok(await caller.hears(TONES.department), 'the caller is put through to the department');
  t.equal((await s.agent('op01')).state, 'wrap_up', 'the operator is free: after-call work (T6)');

  await dept.hangup();
  await caller.ended;
  const row = await s.until('the CDR', () => s.cc.db('calls').first(), (c) => c?.ended_at != null && c?.hung_up_by != null);
  t.match(row, { outcome: 'completed', agent: 'op01', hung_up_by: 'department' });
  const transfers = await s.cc.db('transfers').where({ call_id: row.id }).orderBy('id');
  t.match(
    transfers.map((x: { department_id: string; mode: string; outcome: string }) => [x.department_id, x.mode, x.outcome]),
    [
      [KOKUHO.id, 'conference', 'connected'],
      [KOKUHO.id, 'attended', 'connected'],
    ],
    'C4: each step stored with the department and outcome',
  );
  const legs = (await s.cc.db('call_legs').where({ call_id: row.id }).orderBy('id')).map((l: { kind: string; party: string; ended_by: string }) => [l.kind, l.party, l.ended_by]);
  t.same(legs, [
    ['agent', 'op01', 'agent'],
    ['department', KOKUHO.phone, 'department'],
  ]);
  const kinds = (await s.cc.db('call_events').where({ call_id: row.id }).orderBy('id')).map((e: { kind: string }) => e.kind);
  t.match(kinds.join(','), /answer,hold,unhold,transfer,talk-end,transfer,.*hangup$/, "the event log: hold, unhold, the conference, the operator's talk ending with the completed transfer");
});

t.test("blind transfer from the softphone's REFER; a department that does not answer puts the caller back in the queue first", async (t) => {
  const { site: s, carrier } = await site(t, TUESDAY_MORNING, { general: { ...ACD_QUEUES.general, wrapUpS: 0 } });
  const op = await operator(s, 'op01');
  const first = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0312345678');
  const established = await op.waitFor('CALL_ESTABLISHED', 30_000);
  await op.command('transfer', `sip:${KOKUHO.number}@127.0.0.1:${s.cc.sipPort}`);
  await op.waitFor('CALL_CLOSED', 10_000, (e) => e.id === established.id);
  await s.until('department answered', async () => carrier.answered.length, (n) => n === 1);
  const dept = carrier.answered[0]!.party;
  t.notOk(await dept.hears(TONES.caller), 'the department first hears the hand-over announcement, not the caller (T10)');
  const row = await s.until('blind transfer stored', () => s.cc.db('transfers').first(), (x) => x !== undefined);
  t.match(row, { department_id: KOKUHO.id, mode: 'blind', outcome: 'connected', agent: 'op01' });
  t.ok(await first.hears(TONES.department), 'then the caller is with the department');
  t.ok(await dept.hears(TONES.caller), 'and the department with the caller');
  await first.hangup();

  // The department is busy this time: the caller hears so and is offered to the next operator ahead of others.
  carrier.departments.set(KOKUHO.number, 486);
  const second = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0398765432');
  await op.waitFor('CALL_ESTABLISHED', 30_000);
  const call = await callOf(s, 'op01');
  const failed = await s.api<{ code: string }>('POST', `/calls/${call.callId}/transfer`, { agent: 'op01', department: KOKUHO.id, mode: 'blind' }, [502]);
  t.equal(failed.status, 502);
  t.equal(failed.body.code, 'failed');
  const requeue = await s.until('requeued', () => s.cc.db('call_events').where({ call_id: call.callId, kind: 'requeue' }).first(), (e) => e !== undefined);
  t.match(JSON.parse(requeue.detail), { priority: 1 }, 'back in the queue with priority');
  await s.until('offered again', () => callOf(s, 'op01'), (c) => c.callId === call.callId && c.phase === 'talking');
  t.ok(await second.hears(TONES.operator), 'and talking to an operator again');
  t.match(
    await s.cc.db('transfers').where({ call_id: call.callId }).first(),
    { mode: 'blind', outcome: 'failed' },
    'the failed attempt is stored (C4)',
  );
  await second.hangup();
});

t.test('outside the window the operator gets the number to give; a waiting caller can ask for a callback instead (T7)', async (t) => {
  const { site: s, carrier } = await site(t, TUESDAY_EVENING, { english: { ...ACD_QUEUES.english, overflow: [{ afterS: 2, action: 'callback' }] } });
  const op = await operator(s, 'op01');
  const caller = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0312345678');
  await op.waitFor('CALL_ESTABLISHED', 30_000);
  const call = await callOf(s, 'op01');
  const refused = await s.api<{ code: string; department: { phone: string }; next: string }>('POST', `/calls/${call.callId}/transfer`, { agent: 'op01', department: KOKUHO.id, mode: 'blind' }, [409]);
  t.equal(refused.status, 409);
  t.equal(refused.body.code, 'outside-window');
  t.equal(refused.body.department.phone, KOKUHO.phone, "the department's number, to give the caller");
  t.equal(refused.body.next, '2027-06-01T23:30:00.000Z', 'and its next window: tomorrow 08:30 JST');
  t.same(carrier.dialled, [], 'nothing was dialled');
  t.ok(await caller.hears(TONES.operator), 'the caller is still with the operator');

  await op.command('transfer', `sip:${KOKUHO.number}@127.0.0.1:${s.cc.sipPort}`);
  await s.until('REFER refused and counted', () => s.cc.db('transfers').where({ call_id: call.callId }), (rows) => rows.length === 2);
  t.same(carrier.dialled, [], 'the REFER outside the window dialled nothing either');
  t.same(
    (await s.cc.db('transfers').where({ call_id: call.callId })).map((x: { outcome: string }) => x.outcome),
    ['refused', 'refused'],
    'both refusals are stored with the department (C4)',
  );
  // baresip 1.0 hangs up its call when its REFER is refused (other softphones stay on the call); the caller is then
  // hung up as after any operator's hang-up.
  await caller.ended;

  // English callers wait in their own queue; after 2 s its overflow rule offers a callback, and 1 takes it.
  await s.api('POST', '/agents/op01/state', { state: 'logged_out' });
  await s.cc.db('call_flows').where({ number: CENTRE }).update({ definition: JSON.stringify({ format: 1, queue: 'english', languageMenu: null, languageQueues: {}, busyAt: 5 }) });
  const english = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0311112222');
  await s.until('the callback offer', () => s.cc.db('call_events').where({ kind: 'overflow' }).first(), (e) => e !== undefined);
  await sleep(1500);
  await english.endpoint.sendDtmf('1', 120);
  await english.ended;
  const callback = await s.until('the callback request', () => s.cc.db('callbacks').first(), (c) => c !== undefined);
  t.match(callback, { number: '0311112222', status: 'open', department_id: null, created_by: 'ivr', language: 'ja' }, "the centre's callback list has the caller's number");
  const english_row = await s.cc.db('calls').where({ caller: '0311112222' }).first();
  t.match(english_row, { queue: 'english', outcome: 'callback', hung_up_by: 'system' }, 'the call left the queue by the callback: neither answered nor abandoned');
});

t.test('an operator signed in on an outside number is rung over the trunk (working from another desk)', async (t) => {
  const { site: s, carrier } = await site(t, TUESDAY_MORNING);
  const login = await s.api('POST', '/agents/op02/state', { state: 'ready', contact: { kind: 'external', number: '0311119999' } });
  t.match(login.body, { state: 'ready', contact: { kind: 'external', number: '0311119999' } });
  const bad = await s.api<{ code: string }>('POST', '/agents/op03/state', { state: 'ready', contact: { kind: 'external', number: '03-1111' } }, [400]);
  t.equal(bad.status, 400, 'a number that is not digits is refused');
  t.equal((await s.agent('op03')).state, 'logged_out', 'and changes nothing');
  const caller = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0312345678');
  await s.until('the outside phone answered', async () => carrier.answered.length, (n) => n === 1);
  t.same(carrier.dialled, ['0311119999'], "the operator's outside number was dialled");
  t.ok(await caller.hears(TONES.department), 'the caller hears the phone that answered');
  t.match(await callOf(s, 'op02'), { phase: 'talking' });
  await caller.hangup();
  const row = await s.until('the CDR', () => s.cc.db('calls').first(), (c) => c?.ended_at != null && c?.hung_up_by != null);
  t.match(row, { agent: 'op02', outcome: 'completed', hung_up_by: 'caller' });
});

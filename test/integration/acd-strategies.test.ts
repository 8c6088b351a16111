/**
 * The two strategies the seeded queues use besides longest-idle (T5): イベント申込 offers the most skilled
 * operator first (top-down by the `events` level), 選挙 rings every ready operator at once (ring-all) and the
 * first answer wins while the other phone is let go. Real call control, rtpengine, baresip operators and the
 * carrier's callers.
 */
import t from 'tap';
import { directFlows, startAcdSite, talkAudio } from '../helpers/acd.js';
import { startCarrier } from '../helpers/carrier.js';

const CENTRE = '0354323333';
const OPEN = '2027-06-01T10:00:00+09:00';

interface EventRow {
  kind: string;
  agent: string | null;
}

t.test('top-down: the highest events level first, whoever has been idle longest', async (t) => {
  const carrier = await startCarrier(t);
  const s = await startAcdSite(t, { clock: OPEN, trunkPorts: [carrier.port], beforeStart: (db) => directFlows(db, { queue: 'events' }) });
  // Seeded events levels: op09 3, op11 5, op12 2. op12 is ready first, so longest-idle would pick it.
  for (const op of ['op12', 'op09', 'op11']) {
    await s.operator(op, { audioFile: talkAudio(s.cc.dataDir, 60_000) });
    await s.api('POST', `/agents/${op}/state`, { state: 'ready', contact: { kind: 'softphone' } });
  }
  const first = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0311110001');
  const firstRow = await s.until('the first answer', () => s.cc.db('calls').where({ caller: '0311110001' }).first(), (c) => c?.agent != null);
  t.equal(firstRow.agent, 'op11', 'level 5 takes the first call');
  const second = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0311110002');
  const secondRow = await s.until('the second answer', () => s.cc.db('calls').where({ caller: '0311110002' }).first(), (c) => c?.agent != null);
  t.equal(secondRow.agent, 'op09', 'level 3 before level 2 for the next');
  t.equal(firstRow.queue, 'events');
  await first.hangup();
  await second.hangup();
});

t.test('ring-all: both ready phones ring, the first answer takes the call and the other is let go', async (t) => {
  const carrier = await startCarrier(t);
  const s = await startAcdSite(t, { clock: OPEN, trunkPorts: [carrier.port], beforeStart: (db) => directFlows(db, { queue: 'election' }) });
  const phones = [];
  for (const op of ['op13', 'op14']) {
    phones.push(await s.operator(op, { audioFile: talkAudio(s.cc.dataDir, 60_000) }));
    await s.api('POST', `/agents/${op}/state`, { state: 'ready', contact: { kind: 'softphone' } });
  }
  const caller = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0322220001');
  const row = await s.until('answered', () => s.cc.db('calls').first(), (c) => c?.agent != null);
  t.ok(['op13', 'op14'].includes(row.agent), `one of them took it (${row.agent})`);
  const loser = row.agent === 'op13' ? 'op14' : 'op13';
  const events = await s.until(
    'both offers settled',
    async () => (await s.cc.db('call_events').where({ call_id: row.id }).orderBy('id')) as EventRow[],
    (rows) => rows.filter((e) => e.kind === 'offer').length === 2 && rows.some((e) => e.kind === 'offer-failed'),
  );
  t.same(
    events.filter((e) => e.kind === 'offer').map((e) => e.agent).sort(),
    ['op13', 'op14'],
    'both phones were rung for the one call',
  );
  t.same(
    events.filter((e) => e.kind === 'answer' || e.kind === 'offer-failed').map((e) => [e.kind, e.agent]),
    [
      ['answer', row.agent],
      ['offer-failed', loser],
    ],
    'one answer; the other offer is withdrawn',
  );
  const legs = await s.until('the legs', () => s.cc.db('call_legs').where({ call_id: row.id }).orderBy('party'), (l) => l.length === 2);
  type Leg = { party: string; answered_at: string | null; outcome: string | null };
  const byParty = Object.fromEntries((legs as Leg[]).map((l) => [l.party, l]));
  t.ok(byParty[row.agent]!.answered_at && byParty[row.agent]!.outcome === null, "the winner's leg is answered and still up");
  t.equal(byParty[loser]!.outcome, 'cancelled', "the other phone's leg was let go");
  t.equal((await s.agent(loser)).state, 'ready', 'the other operator is free again');
  await caller.hangup();
});

t.test('operators on a call with each other are offered nothing until it ends (ringinuse=no)', async (t) => {
  const carrier = await startCarrier(t);
  const s = await startAcdSite(t, { clock: OPEN, trunkPorts: [carrier.port] });
  const op01 = await s.operator('op01', { audioFile: talkAudio(s.cc.dataDir, 60_000) });
  const op02 = await s.operator('op02', { audioFile: talkAudio(s.cc.dataDir, 60_000) });
  for (const op of ['op01', 'op02']) await s.api('POST', `/agents/${op}/state`, { state: 'ready', contact: { kind: 'softphone' } });
  await op01.dial(`sip:op02@127.0.0.1:${s.cc.sipPort}`);
  await op02.waitFor('CALL_ESTABLISHED', 10_000);
  await op01.waitFor('CALL_ESTABLISHED', 10_000);
  const caller = await carrier.call(`127.0.0.1:${s.cc.sipPort}`, CENTRE, '0333330001');
  const row = await s.until('queued', () => s.cc.db('calls').where({ caller: '0333330001' }).first(), (c) => c?.queued_at != null);
  await s.until('still waiting', () => s.figures(), (f) => f.total.waiting === 1);
  t.equal(await s.cc.db('call_events').where({ call_id: row.id, kind: 'offer' }).count({ n: '*' }).first().then((r) => Number(r?.n)), 0, 'no offer while both are on their own call');
  await op01.hangup();
  const answered = await s.until('answered after the colleagues hung up', () => s.cc.db('calls').where({ id: row.id }).first(), (c) => c?.agent != null);
  t.ok(['op01', 'op02'].includes(answered.agent), `then offered and answered (${answered.agent})`);
  await caller.hangup();
});

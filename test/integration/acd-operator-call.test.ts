/**
 * A caller from the trunk reaches an operator (T5, T6): sipp calls the centre, the ACD offers the call to the
 * ready operator's baresip (registered with digest, answering by itself), the two are bridged, the operator
 * hangs up when its audio ends, the caller gets our BYE. The CDR, the legs, the event log, the agent states
 * and the live figures all say so.
 */
import t from 'tap';
import { startAcdSite } from '../helpers/acd.js';
import { freeUdpPort, runSipp } from '../helpers/sipp.js';
import { channel, encodeWav, readWav } from '../../media/audio/wav.js';
import { sineTone, toneProfile } from '../../media/rtp/tone.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CENTRE = '0354323333';
const OPEN = '2027-06-01T10:00:00+09:00';

t.test('a caller in the general queue is answered by the ready operator and the call is recorded as such', async (t) => {
  const sippPort = await freeUdpPort();
  const site = await startAcdSite(t, { clock: OPEN, trunkPorts: [sippPort] });
  // The operator talks for 4 s, then its softphone hangs up (baresip ends the call when its audio file ends).
  const talk = join(site.cc.dataDir, 'talk.wav');
  writeFileSync(talk, encodeWav({ sampleRate: 8000, channels: 1, samples: sineTone(1000, 4000) }));
  const op = await site.operator('op01', { audioFile: talk });
  const ready = await site.api('POST', '/agents/op01/state', { state: 'ready', contact: { kind: 'softphone' } });
  t.match(ready.body, { agent: 'op01', state: 'ready' }, 'op01 logs in as ready through the API');

  const caller = runSipp({ scenario: 'uac-ivr-wait-bye', target: `127.0.0.1:${site.cc.sipPort}`, localPort: sippPort, service: CENTRE, keys: { caller: '0312345678' }, calls: 1, timeoutMs: 60_000 });
  const incoming = await op.waitFor('CALL_ESTABLISHED', 30_000);
  t.match(incoming.peeruri, /0312345678@/, "the operator's phone shows the caller's number");
  const r = await caller;
  t.equal(r.successful, 1, `the caller got the appliance's BYE after the operator hung up${r.successful === 1 ? '' : `: ${r.errors}`}`);

  const row = await site.until('the call row', () => site.cc.db('calls').first(), (c) => c?.ended_at != null && c?.hung_up_by != null);
  t.match(row, { outcome: 'completed', agent: 'op01', queue: 'general', hung_up_by: 'agent', offers: 1 }, 'the CDR: answered by op01 in the general queue, the operator hung up');
  t.ok(row.queued_at && row.agent_answered_at && row.talk_ended_at, 'queue entry, answer and talk end are time-stamped');
  t.ok(new Date(row.agent_answered_at).getTime() >= new Date(row.queued_at).getTime(), 'answered after queue entry');
  const kinds = (await site.cc.db('call_events').where({ call_id: row.id }).orderBy('id')).map((e: { kind: string }) => e.kind);
  t.same(kinds.slice(0, 4), ['arrive', 'enqueue', 'offer', 'answer'], 'the event log in order');
  t.ok(kinds.includes('talk-end') && kinds.includes('hangup'), `talk end and hang-up are logged: ${kinds.join(',')}`);
  const legs = await site.cc.db('call_legs').where({ call_id: row.id });
  t.match(legs, [{ kind: 'agent', party: 'op01', outcome: 'answered', ended_by: 'agent' }], "the operator's leg");
  const states = (await site.cc.db('agent_states').where({ agent: 'op01' }).orderBy('id')).map((s: { state: string }) => s.state);
  t.same(states.slice(0, 4), ['ready', 'ringing', 'talking', 'wrap_up'], `op01 went ready, ringing, talking, wrap-up (T6): ${states.join(',')}`);
  const figures = await site.until('figures', () => site.figures(), (f) => f.total.answered === 1);
  t.match(figures.total, { offered: 1, answered: 1, answeredWithin15s: 1, abandoned: 0, waiting: 0 }, 'live figures count the answered call');
  const rec = await site.until('the recording', () => site.cc.db('recordings').where({ call_id: row.id }).first(), (x) => x !== undefined);
  t.equal(rec.agent, 'op01', 'the recording names the operator');
  // T8: one file from the answer to the end; the right channel carries the operator once bridged.
  const right = channel(readWav(join(site.cc.dataDir, rec.path)), 1);
  const operatorSeconds = toneProfile(right, 1000, 100).filter((a) => a > 2000).length / 10;
  t.ok(operatorSeconds >= 2, `the operator's voice is in the recording (${operatorSeconds} s of its tone)`);
});

/** The seeded queues pass the queue schema; the demo operators get skills that fit them; edits are kept. */
import t from 'tap';
import { parseQueue } from '../../apps/acd/queue-definition.js';
import { parseConfig } from '../../appliance/config.js';
import { prepareData } from '../../appliance/prepare.js';
import { ManualClock } from '../../apps/time/clock.js';
import { openZone } from '../../db/connection.js';
import { AcdAgentsRepository } from '../../db/repositories/acd-agents.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { ACD_AGENTS } from '../../db/seeds/acd-agents.js';
import { ACD_QUEUES } from '../../db/seeds/acd-queues.js';
import { DEFAULT_FLOW } from '../../db/seeds/call-flows.js';
import { tempDataDir } from '../helpers/data.js';

t.test('the six queues are valid definitions with the strategies and rules they are meant to have', async (t) => {
  t.same(Object.keys(ACD_QUEUES).sort(), ['chinese', 'election', 'english', 'events', 'general', 'korean']);
  const parsed = Object.fromEntries(Object.entries(ACD_QUEUES).map(([id, d]) => [id, parseQueue(d)]));
  t.same(parsed.general, { ...ACD_QUEUES.general, overflow: [...ACD_QUEUES.general.overflow] }, 'nothing left to defaults that the seed means');
  t.match(parsed.general, { skill: 'ja', strategy: 'longest-idle', ringTimeoutS: 15, wrapUpS: 30, announceEveryS: 60 });
  t.same(parsed.general!.overflow.find((r) => r.action === 'callback'), { afterS: 120, action: 'callback' });
  t.equal(parsed.election!.strategy, 'ring-all');
  t.equal(parsed.events!.strategy, 'top-down');
  t.same([parsed.english!.skill, parsed.chinese!.skill, parsed.korean!.skill, parsed.events!.skill, parsed.election!.skill], ['en', 'zh', 'ko', 'events', 'election']);
  for (const q of ['english', 'chinese', 'korean']) t.same(parsed[q]!.overflow, [{ afterS: 90, action: 'callback' }], `${q}: a callback, not the Japanese queue`);
  const flowQueues = [DEFAULT_FLOW.queue, ...Object.values(DEFAULT_FLOW.languageQueues)];
  t.ok(flowQueues.every((q) => q in ACD_QUEUES), 'every queue the default call flow uses exists');
});

t.test('every demo operator speaks Japanese at 2-5; each queue has operators; penalties name real queues', async (t) => {
  t.same(ACD_AGENTS.map((a) => a.agent), [...Array.from({ length: 20 }, (_, i) => `op${String(i + 1).padStart(2, '0')}`), 'sv01']);
  for (const a of ACD_AGENTS) {
    t.ok(a.skills.ja! >= 2 && a.skills.ja! <= 5, `${a.agent} ja ${a.skills.ja}`);
    t.ok(Object.values(a.skills).every((l) => Number.isInteger(l) && l >= 1 && l <= 5), `${a.agent}: levels 1-5`);
    t.ok(Object.keys(a.penalties).every((q) => q in ACD_QUEUES), `${a.agent}: penalties of real queues`);
  }
  const skilled = (s: string) => ACD_AGENTS.filter((a) => a.skills[s]).map((a) => a.agent);
  t.same(skilled('en'), ['op01', 'op02', 'op03', 'op04', 'sv01']);
  t.same(skilled('zh'), ['op05', 'op06']);
  t.same(skilled('ko'), ['op07', 'op08']);
  t.same(skilled('events'), ['op09', 'op10', 'op11', 'op12']);
  t.same(skilled('election'), ['op13', 'op14', 'op15', 'op16']);
  t.ok(ACD_AGENTS.filter((a) => Object.keys(a.penalties).length).length >= 3, 'a few penalties');
  t.same(ACD_AGENTS.find((a) => a.agent === 'sv01')!.skills, { ja: 5, en: 3 });
});

t.test('prepareData stores the queues and the demo skills once, and keeps the ward\'s changes', async (t) => {
  const clock = new ManualClock('2027-06-01T09:00:00+09:00');
  const config = parseConfig({ dataDir: tempDataDir(t) });
  await prepareData(config, clock);
  const db = openZone(config.dataDir, 'internal');
  t.teardown(() => db.destroy());
  const queues = new AcdQueuesRepository(db);
  const agents = new AcdAgentsRepository(db);
  t.same((await queues.current()).map((q) => [q.queue, q.version, q.createdBy]), Object.keys(ACD_QUEUES).sort().map((q) => [q, 1, 'seed']));
  t.equal((await agents.list()).length, 21, 'op01-op20 and sv01');
  t.same(await agents.get('op05'), { agent: 'op05', skills: ACD_AGENTS[4]!.skills, penalties: { general: 1 }, updatedAt: clock.now().toISOString() });

  await queues.save('general', { ...ACD_QUEUES.general, wrapUpS: 60 }, 'admin', clock.now());
  await agents.put('op05', { ja: 2 }, {}, clock.now());
  await db('acd_agents').where({ agent: 'op06' }).delete();
  await db('acd_queues').where({ queue: 'korean' }).delete();
  await prepareData(config, clock);
  t.equal((await queues.history('general')).length, 2, 'no seed version over the ward\'s');
  t.equal((await queues.history('korean')).length, 1, 'a missing queue comes back');
  t.same((await agents.get('op05'))!.skills, { ja: 2 }, 'skills set by the ward are kept');
  t.equal(await agents.get('op06'), undefined, 'demo skills are only seeded with the demo accounts');
});

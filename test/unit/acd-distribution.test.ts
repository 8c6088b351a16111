import t from 'tap';
import { chooseAgents, type Candidate } from '../../apps/acd/distribution.js';

/** A ready candidate; idle since `idle` (ms), everything else neutral unless given. */
function c(agent: string, idle: number, o: Partial<Candidate> = {}): Candidate {
  return { agent, idleSinceMs: idle, answeredToday: 0, level: 3, penalty: 0, tried: false, ...o };
}

const ids = (r: { agents: Candidate[] }) => r.agents.map((x) => x.agent);

t.test('longest-idle takes the agent free longest; equal idle times go to the lower id every time', async (t) => {
  t.same(ids(chooseAgents('longest-idle', [c('op03', 300), c('op01', 200), c('op02', 100)])), ['op02']);
  t.same(ids(chooseAgents('longest-idle', [c('op03', 100), c('op02', 100)])), ['op02']);
  t.same(ids(chooseAgents('longest-idle', [c('op02', 100), c('op03', 100)])), ['op02']);
});

t.test('no candidates: nobody to ring', async (t) => {
  t.same(chooseAgents('longest-idle', []), { agents: [], startedOver: false });
  t.same(chooseAgents('ring-all', []), { agents: [], startedOver: false });
});

t.test('penalty first: only the lowest penalty among the candidates, as app_queue', async (t) => {
  const list = [c('op01', 100, { penalty: 1 }), c('op02', 500, { penalty: 0 }), c('op03', 50, { penalty: 2 })];
  t.same(ids(chooseAgents('longest-idle', list)), ['op02'], 'op01 idles longer but has a higher penalty');
  t.same(ids(chooseAgents('ring-all', [...list, c('op04', 900, { penalty: 0 })])), ['op02', 'op04'], 'ring-all rings the lowest-penalty level only');
});

t.test('ring-all rings every candidate, in agent-id order', async (t) => {
  t.same(ids(chooseAgents('ring-all', [c('op03', 1), c('op01', 2), c('op02', 3)])), ['op01', 'op02', 'op03']);
});

t.test('round-robin goes on after the last agent offered, in id order, wrapping round', async (t) => {
  const list = [c('op03', 1), c('op01', 2), c('op05', 3)];
  t.same(ids(chooseAgents('round-robin', list, null)), ['op01'], 'no one offered yet: the first');
  t.same(ids(chooseAgents('round-robin', list, 'op01')), ['op03']);
  t.same(ids(chooseAgents('round-robin', list, 'op03')), ['op05']);
  t.same(ids(chooseAgents('round-robin', list, 'op05')), ['op01'], 'wraps round');
  t.same(ids(chooseAgents('round-robin', list, 'op04')), ['op05'], 'the last one offered need not be a candidate now');
  t.same(ids(chooseAgents('round-robin', list, 'op09')), ['op01']);
});

t.test('fewest-calls counts calls answered today; ties go to the longest idle', async (t) => {
  t.same(ids(chooseAgents('fewest-calls', [c('op01', 100, { answeredToday: 5 }), c('op02', 900, { answeredToday: 2 }), c('op03', 500, { answeredToday: 2 })])), ['op03']);
  t.same(ids(chooseAgents('fewest-calls', [c('op01', 100, { answeredToday: 0 }), c('op02', 50, { answeredToday: 1 })])), ['op01']);
});

t.test('top-down takes the highest level in the queue skill first; ties go to the longest idle', async (t) => {
  t.same(ids(chooseAgents('top-down', [c('op01', 100, { level: 3 }), c('op02', 900, { level: 5 }), c('op03', 500, { level: 5 })])), ['op03']);
  t.same(ids(chooseAgents('top-down', [c('op01', 100, { level: 2 }), c('op02', 50, { level: 1 })])), ['op01']);
});

t.test('agents who already missed the call come after untried ones, also across penalties', async (t) => {
  const r = chooseAgents('longest-idle', [c('op01', 100, { tried: true }), c('op02', 900)]);
  t.same(ids(r), ['op02']);
  t.equal(r.startedOver, false);
  t.same(ids(chooseAgents('longest-idle', [c('op01', 100, { tried: true, penalty: 0 }), c('op02', 900, { penalty: 3 })])), ['op02'], 'a miss moves the call on to a higher penalty');
  t.same(ids(chooseAgents('ring-all', [c('op01', 1, { tried: true }), c('op02', 2), c('op03', 3)])), ['op02', 'op03']);
  t.same(ids(chooseAgents('top-down', [c('op01', 1, { tried: true, level: 5 }), c('op02', 2, { level: 1 })])), ['op02']);
});

t.test('when every candidate has been tried the set starts over', async (t) => {
  const r = chooseAgents('longest-idle', [c('op01', 100, { tried: true }), c('op02', 50, { tried: true, penalty: 1 })]);
  t.same(ids(r), ['op01'], 'all are candidates again, lowest penalty first');
  t.equal(r.startedOver, true);
});

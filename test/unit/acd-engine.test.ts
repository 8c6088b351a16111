import t from 'tap';
import { Acd, AcdError, RETRY_MS, type AcdOptions, type AgentProfile, type Timers } from '../../apps/acd/acd.js';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import type { CallEvent } from '../../apps/acd/call-event.js';
import { parseQueue, type QueueDefinition } from '../../apps/acd/queue-definition.js';
import { ManualClock } from '../../apps/time/clock.js';

const T0 = '2027-06-01T09:00:00+09:00';

/** Timers driven by the test together with the clock: advance() runs what falls due, in time order. */
class TestTimers implements Timers {
  private nextId = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  constructor(private readonly clock: ManualClock) {}
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.clock.now().getTime() + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  get pending(): number {
    return this.due.size;
  }
  advance(ms: number): void {
    const end = this.clock.now().getTime() + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.due) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.due.delete(next[0]);
      this.clock.set(new Date(next[1].at));
      next[1].fn();
    }
    this.clock.set(new Date(end));
  }
}

function queue(o: Record<string, unknown> = {}): QueueDefinition {
  return parseQueue({ format: 1, name: '一般', nameEn: 'General', skill: 'ja', ...o });
}

function agent(id: string, skills: Record<string, number>, penalties: Record<string, number> = {}): AgentProfile {
  return { agent: id, skills, penalties };
}

interface Setup {
  queues?: Record<string, QueueDefinition>;
  agents?: AgentProfile[];
  missesToNotReady?: number;
  alarm?: { raiseAt: number; clearAt: number };
  restore?: AcdOptions['restore'];
}

/** An Acd on a manual clock with every emission written down in order, in a short form. */
function setup(o: Setup = {}) {
  const clock = new ManualClock(T0);
  const timers = new TestTimers(clock);
  const acd = new Acd({
    clock,
    timers,
    queues: o.queues ?? { general: queue() },
    agents: o.agents ?? [agent('op01', { ja: 3 }), agent('op02', { ja: 3 }), agent('op03', { ja: 3 })],
    missesToNotReady: o.missesToNotReady ?? 2,
    alarm: o.alarm ?? { raiseAt: 10, clearAt: 5 },
    restore: o.restore,
  });
  let log: string[] = [];
  const events: CallEvent[] = [];
  const statuses: AgentStatus[] = [];
  acd.on('offer', (x) => log.push(`ring ${x.callId} ${x.agent}`));
  acd.on('offer-cancel', (x, why) => log.push(`cancel ${x.callId} ${x.agent} ${why}`));
  acd.on('agent', (s) => {
    statuses.push(s);
    log.push(`agent ${s.agent} ${s.state}${s.reason ? ` ${s.reason}` : ''}`);
  });
  acd.on('event', (e) => {
    events.push(e);
    log.push(`${e.kind} ${e.callId}${e.agent ? ` ${e.agent}` : ''}`);
  });
  acd.on('overflow', (c, rule, i) => log.push(`overflow ${c.callId} ${c.queue} ${rule.action} ${i}`));
  acd.on('alarm', (q, raised) => log.push(`alarm ${q} ${raised}`));
  const take = () => {
    const out = log;
    log = [];
    return out;
  };
  /** Logs agents in, one second apart, so the first has idled longest. */
  const login = (...ids: string[]) => {
    for (const id of ids) {
      acd.setState(id, 'ready');
      timers.advance(1000);
    }
    take();
  };
  const enqueue = (callId: number, q = 'general', priority = 0) => acd.enqueue({ callId, queue: q, language: 'ja', priority });
  t.teardown(() => acd.close());
  return { acd, clock, timers, events, statuses, take, login, enqueue };
}

const at = (s: string) => new Date(s);

t.test('longest-idle by default: the call goes to the agent free longest, one call per agent, only to eligible agents', async (t) => {
  const s = setup({
    queues: { general: queue({ minLevel: 2 }) },
    agents: [agent('op01', { ja: 3 }), agent('op02', { ja: 2 }), agent('op03', { ja: 1 }), agent('op04', { en: 5 })],
  });
  s.login('op02', 'op01', 'op03', 'op04');
  s.enqueue(1);
  t.same(s.take(), ['enqueue 1', 'offer 1 op02', 'agent op02 ringing', 'ring 1 op02'], 'logged, state published, then the ring');
  t.same(s.acd.status('op02'), { agent: 'op02', state: 'ringing', reason: null, since: s.clock.now().toISOString(), callId: 1, contact: { kind: 'softphone' } });
  s.enqueue(2);
  t.same(s.take(), ['enqueue 2', 'offer 2 op01', 'agent op01 ringing', 'ring 2 op01']);
  s.enqueue(3);
  t.same(s.take(), ['enqueue 3'], 'op03 is below minLevel 2 and op04 lacks the skill: the call waits');
  t.equal(s.acd.waiting('general'), 3);
  t.equal(s.events[0]!.at.toISOString(), at('2027-06-01T09:00:04+09:00').toISOString(), 'events carry the clock time');
  t.same(s.events[0]!.detail, { priority: 0 });
  t.equal(s.events[0]!.queue, 'general');
});

t.test('calls are served by priority, then first entry; an agent of several queues takes the best call across them', async (t) => {
  const s = setup({
    queues: { general: queue({ wrapUpS: 0 }), english: queue({ skill: 'en', name: '英語', nameEn: 'English', wrapUpS: 0 }) },
    agents: [agent('op01', { ja: 3, en: 3 })],
  });
  s.enqueue(1, 'general');
  s.timers.advance(1000);
  s.enqueue(2, 'english');
  s.timers.advance(1000);
  s.enqueue(3, 'general', 1);
  s.acd.enqueue({ callId: 4, queue: 'english', language: 'en', firstEnteredAt: at('2027-06-01T08:59:50+09:00') });
  t.same(s.acd.position(2), { queue: 'english', ahead: 1, estimatedWaitS: null }, 'call 4 came in earlier (moved callers keep their place)');
  t.same(s.acd.position(1), { queue: 'general', ahead: 1, estimatedWaitS: null }, 'priority goes first');
  t.equal(s.acd.position(99), undefined);
  s.login('op01');
  const served: number[] = [];
  for (let i = 0; i < 4; i++) {
    const st = s.acd.status('op01');
    served.push(st.callId!);
    t.ok(s.acd.answered(st.callId!, 'op01'));
    s.acd.talkEnded(st.callId!, 'op01', 'caller');
  }
  t.same(served, [3, 4, 1, 2]);
  t.equal(s.acd.snapshot().total.waiting, 0);
});

t.test('ring timeout: cancel, a miss, the next agent (untried first); misses in a row set not_ready; an answer resets the count', async (t) => {
  const s = setup({ queues: { general: queue({ ringTimeoutS: 10, wrapUpS: 0 }) }, agents: [agent('op01', { ja: 3 }), agent('op02', { ja: 3 })] });
  s.login('op01', 'op02');
  s.enqueue(1);
  s.take();
  s.timers.advance(9999);
  t.same(s.take(), [], 'still ringing just before the timeout');
  s.timers.advance(1);
  t.same(s.take(), ['cancel 1 op01 timeout', 'offer-failed 1 op01', 'agent op01 ready', 'offer 1 op02', 'agent op02 ringing', 'ring 1 op02']);
  t.same(s.events.find((e) => e.kind === 'offer-failed')!.detail, { reason: 'no-answer' });
  s.timers.advance(10_000);
  t.same(s.take(), ['cancel 1 op02 timeout', 'offer-failed 1 op02', 'agent op02 ready'], 'all tried: the call rests (app_queue retry)');
  s.timers.advance(RETRY_MS);
  t.same(s.take(), ['offer 1 op01', 'agent op01 ringing', 'ring 1 op01'], 'then the set starts over, longest idle first');
  s.timers.advance(10_000);
  t.same(s.take(), ['cancel 1 op01 timeout', 'offer-failed 1 op01', 'agent op01 not_ready missed', 'offer 1 op02', 'agent op02 ringing', 'ring 1 op02'], 'second miss in a row');
  t.equal(s.acd.status('op01').reason, 'missed');
  t.ok(s.acd.answered(1, 'op02'));
  s.acd.talkEnded(1, 'op02', 'agent');
  s.enqueue(2);
  s.timers.advance(10_000 + RETRY_MS);
  t.equal(s.acd.status('op02').state, 'ringing', 'one miss after an answer does not set op02 not ready (it is rung again)');
  s.timers.advance(10_000);
  t.same(s.acd.status('op02'), { ...s.acd.status('op02'), state: 'not_ready', reason: 'missed' });
  s.acd.setState('op01', 'ready');
  t.equal(s.acd.status('op01').state, 'ringing');
  s.timers.advance(10_000);
  t.same([s.acd.status('op01').state, s.acd.status('op01').reason], ['ready', null], 'back from not_ready the count starts again: one miss, still ready');
});

t.test('a call every free agent has missed rests while they take other calls; a glue failing every ring cannot spin', async (t) => {
  const s = setup({ agents: [agent('op01', { ja: 3 })] });
  s.login('op01');
  s.enqueue(1);
  s.acd.offerFailed(1, 'op01', 'busy');
  s.enqueue(2);
  t.equal(s.acd.status('op01').callId, 2, 'op01 takes the next call while call 1 rests');
  t.same(s.acd.position(1), { queue: 'general', ahead: 0, estimatedWaitS: null }, 'the resting call keeps its place');
  s.acd.answered(2, 'op01');
  s.take();
  s.timers.advance(RETRY_MS);
  t.same(s.take(), [], 'back from rest, it waits: nobody is free');
  s.acd.abandon(1);
  s.acd.talkEnded(2, 'op01', 'caller');
  s.acd.endWrapUp('op01');
  s.enqueue(3);
  s.acd.offerFailed(3, 'op01', 'busy');
  t.equal(s.acd.status('op01').state, 'ready', 'call 3 rests');
  s.acd.abandon(3);
  s.take();
  s.timers.advance(RETRY_MS);
  t.same(s.take(), [], 'an abandoned resting call does not come back');
  t.equal(s.acd.waiting('general'), 0);

  const f = setup({ agents: [agent('op01', { ja: 3 })] });
  let rings = 0;
  f.acd.on('offer', (o) => {
    rings++;
    f.acd.offerFailed(o.callId, o.agent, 'cancelled');
  });
  f.login('op01');
  f.enqueue(1);
  t.equal(rings, 1, 'one ring, then the call rests');
  f.timers.advance(3 * RETRY_MS);
  t.equal(rings, 4, 'one ring per retry');
});

t.test('offerFailed from the glue: a miss without a cancel; cancelled is no miss; stale reports change nothing', async (t) => {
  const s = setup({ missesToNotReady: 1, agents: [agent('op01', { ja: 3 })] });
  s.login('op01');
  s.enqueue(1);
  s.take();
  s.acd.offerFailed(1, 'op01', 'cancelled');
  t.same(s.take(), ['offer-failed 1 op01', 'agent op01 ready'], 'no miss');
  s.timers.advance(RETRY_MS);
  t.same(s.take(), ['offer 1 op01', 'agent op01 ringing', 'ring 1 op01'], 'rung again after the retry pause');
  s.acd.offerFailed(99, 'op01', 'busy');
  t.same(s.take(), [], 'a report about another call is stale');
  s.acd.offerFailed(1, 'op01', 'rejected');
  t.same(s.take(), ['offer-failed 1 op01', 'agent op01 not_ready missed']);
  t.same(s.events.filter((e) => e.kind === 'offer-failed').map((e) => e.detail), [{ reason: 'cancelled' }, { reason: 'rejected' }]);
  t.throws(() => s.acd.offerFailed(1, 'op99', 'busy'), { code: 'unknown-agent' });
});

t.test('ring-all rings every free agent; the first answer takes it and the others stop ringing', async (t) => {
  const s = setup({ queues: { general: queue({ strategy: 'ring-all' }) } });
  s.login('op03', 'op01', 'op02');
  s.timers.advance(4000);
  s.enqueue(1);
  t.same(s.take().filter((l) => l.startsWith('ring ')), ['ring 1 op01', 'ring 1 op02', 'ring 1 op03']);
  s.enqueue(2);
  t.same(s.take(), ['enqueue 2'], 'nobody free for the next call');
  s.timers.advance(2000);
  t.equal(s.acd.answered(1, 'op02'), true);
  t.same(s.take(), [
    'answer 1 op02',
    'agent op02 talking',
    'cancel 1 op01 taken',
    'offer-failed 1 op01',
    'agent op01 ready',
    'cancel 1 op03 taken',
    'offer-failed 1 op03',
    'agent op03 ready',
    'offer 2 op01',
    'agent op01 ringing',
    'ring 2 op01',
    'offer 2 op03',
    'agent op03 ringing',
    'ring 2 op03',
  ]);
  t.same(s.events.find((e) => e.kind === 'answer')!.detail, { waitMs: 2000 });
  t.equal(s.acd.answered(1, 'op03'), false, 'a late answer of the taken call is refused');
  t.equal(s.acd.status('op03').state, 'ringing', 'and the agent keeps ringing for its new call');
  t.equal(s.acd.answered(1, 'op02'), false, 'the call no longer waits');
  t.throws(() => s.acd.answered(1, 'nobody'), AcdError);
});

t.test('wrap-up per queue: timed, ended early, or none at all; handle times feed the estimate', async (t) => {
  const s = setup({
    queues: { general: queue({ wrapUpS: 30 }), quick: queue({ wrapUpS: 0, name: '即時', nameEn: 'Quick' }) },
    agents: [agent('op01', { ja: 3 })],
  });
  s.login('op01');
  s.enqueue(1);
  s.acd.answered(1, 'op01');
  s.timers.advance(60_000);
  s.take();
  t.throws(() => s.acd.talkEnded(2, 'op01', 'caller'), { code: 'unknown-call' }, 'not the call it talks on');
  t.throws(() => s.acd.endWrapUp('op01'), { code: 'bad-transition' });
  s.acd.talkEnded(1, 'op01', 'caller');
  t.same(s.take(), ['talk-end 1 op01', 'agent op01 wrap_up']);
  t.same(s.acd.status('op01').callId, 1);
  s.timers.advance(29_999);
  t.equal(s.acd.status('op01').state, 'wrap_up');
  s.timers.advance(1);
  t.same(s.take(), ['wrap-up-end 1 op01', 'agent op01 ready']);
  t.same(
    s.events.filter((e) => e.kind === 'talk-end' || e.kind === 'wrap-up-end').map((e) => e.detail),
    [{ talkMs: 60_000 }, { wrapUpMs: 30_000 }],
  );

  s.enqueue(2);
  s.acd.answered(2, 'op01');
  s.timers.advance(20_000);
  s.acd.talkEnded(2, 'op01', 'agent');
  s.timers.advance(5_000);
  s.take();
  t.equal(s.acd.endWrapUp('op01').state, 'ready', 'ended early by the operator');
  t.same(s.take(), ['wrap-up-end 2 op01', 'agent op01 ready']);
  t.same(s.events.at(-1)!.detail, { wrapUpMs: 5_000 });

  s.enqueue(3);
  s.acd.answered(3, 'op01');
  s.timers.advance(10_000);
  s.acd.talkEnded(3, 'op01', 'caller');
  s.timers.advance(1_000);
  t.equal(s.acd.setState('op01', 'ready').state, 'ready', 'ready during wrap-up ends it, as endWrapUp');
  s.take();

  s.enqueue(4, 'quick');
  s.acd.answered(4, 'op01');
  s.timers.advance(10_000);
  s.take();
  s.acd.talkEnded(4, 'op01', 'caller');
  t.same(s.take(), ['talk-end 4 op01', 'wrap-up-end 4 op01', 'agent op01 ready'], 'no wrap-up: straight to ready');
  t.same(s.events.at(-1)!.detail, { wrapUpMs: 0 });

  s.acd.setState('op01', 'not_ready', { reason: 'meeting' });
  s.enqueue(5);
  t.same(s.acd.position(5), { queue: 'general', ahead: 0, estimatedWaitS: null }, 'no agent serving (op01 not ready): unknown');
  s.acd.setState('op01', 'ready');
  s.acd.answered(5, 'op01');
  s.enqueue(6);
  // Handle times 90 s, 25 s and 11 s: mean 42 s; one serving agent, one round.
  t.same(s.acd.position(6), { queue: 'general', ahead: 0, estimatedWaitS: 42 });
});

t.test('not_ready or logged_out asked for while talking applies after the wrap-up; ready cancels the request', async (t) => {
  const s = setup({ queues: { general: queue({ wrapUpS: 10 }) }, agents: [agent('op01', { ja: 3 })] });
  s.login('op01');
  s.enqueue(1);
  s.acd.answered(1, 'op01');
  t.equal(s.acd.setState('op01', 'not_ready', { reason: 'break' }).state, 'talking', 'the status shows the current state');
  s.acd.talkEnded(1, 'op01', 'caller');
  t.equal(s.acd.status('op01').state, 'wrap_up', 'the wrap-up is kept');
  s.take();
  s.timers.advance(10_000);
  t.same(s.take(), ['wrap-up-end 1 op01', 'agent op01 not_ready break']);

  s.acd.setState('op01', 'ready');
  s.enqueue(2);
  s.acd.answered(2, 'op01');
  s.acd.setState('op01', 'logged_out');
  s.acd.setState('op01', 'ready');
  s.acd.talkEnded(2, 'op01', 'caller');
  s.timers.advance(10_000);
  t.equal(s.acd.status('op01').state, 'ready', 'ready during the talk withdrew the log-out');

  s.enqueue(3);
  s.acd.answered(3, 'op01');
  s.acd.setState('op01', 'logged_out');
  s.acd.talkEnded(3, 'op01', 'caller');
  s.take();
  s.acd.setState('op01', 'not_ready', { reason: 'training' });
  t.same(s.take(), ['wrap-up-end 3 op01', 'agent op01 not_ready training'], 'an explicit request during wrap-up ends it at once and wins');
});

t.test('setState: log-in with a contact, reasons, and what ringing allows', async (t) => {
  const s = setup();
  t.throws(() => s.acd.status('op99'), { code: 'unknown-agent' });
  const st = s.acd.setState('op01', 'ready', { contact: { kind: 'external', number: '0354321234' } });
  t.same(st.contact, { kind: 'external', number: '0354321234' });
  t.equal(st.since, s.clock.now().toISOString());
  t.equal(s.acd.setState('op02', 'not_ready').reason, 'other', 'not_ready without a reason: other');
  t.same(s.acd.status('op02').contact, { kind: 'softphone' }, 'log-in defaults to the softphone');
  s.take();
  t.same(s.acd.setState('op01', 'ready', { contact: { kind: 'external', number: '0354321234' } }).state, 'ready');
  t.same(s.take(), [], 'asking for the same state changes nothing and publishes nothing');

  s.enqueue(1);
  t.same(s.take().at(-1), 'ring 1 op01');
  const before = s.acd.status('op01');
  t.throws(() => s.acd.setState('op01', 'ready'), { code: 'bad-transition' });
  t.throws(() => s.acd.setState('op01', 'not_ready', { reason: 'nap' as never }), { code: 'bad-transition' });
  t.throws(() => s.acd.setState('op01', 'ready', { reason: 'break' }), { code: 'bad-transition' });
  t.throws(() => s.acd.setState('op01', 'not_ready', { contact: { kind: 'external', number: 'x' } }), { code: 'bad-transition' });
  t.same(s.acd.status('op01'), before, 'refused requests changed nothing');
  t.same(s.take(), []);

  s.acd.setState('op02', 'ready');
  s.take();
  s.acd.setState('op01', 'not_ready', { reason: 'break' });
  t.same(s.take(), ['cancel 1 op01 logged-out', 'offer-failed 1 op01', 'agent op01 not_ready break', 'offer 1 op02', 'agent op02 ringing', 'ring 1 op02']);
  s.acd.setState('op02', 'logged_out');
  t.same(s.take(), ['cancel 1 op02 logged-out', 'offer-failed 1 op02', 'agent op02 logged_out']);
  t.same(s.acd.status('op02').contact, null);
  t.equal(s.acd.waiting('general'), 1, 'the call still waits');
});

t.test('abandon while ringing or waiting: offers cancelled, counted with the wait; leave is no abandon', async (t) => {
  const s = setup({ agents: [agent('op01', { ja: 3 })] });
  s.acd.enqueue({ callId: 1, queue: 'general', language: 'ja', firstEnteredAt: at('2027-06-01T08:59:00+09:00') });
  s.enqueue(2);
  s.login('op01');
  s.timers.advance(5000);
  s.acd.abandon(1);
  t.same(s.take(), ['cancel 1 op01 abandoned', 'offer-failed 1 op01', 'agent op01 ready', 'abandon 1', 'offer 2 op01', 'agent op01 ringing', 'ring 2 op01']);
  t.same(s.events.find((e) => e.kind === 'abandon')!.detail, { waitMs: 66_000 }, 'from the first queue entry');
  s.acd.abandon(1);
  s.acd.abandon(42);
  s.acd.leave(42);
  t.same(s.take(), [], 'unknown calls: no-op');
  s.acd.leave(2);
  t.same(s.take(), ['cancel 2 op01 taken', 'offer-failed 2 op01', 'agent op01 ready']);
  t.equal(s.acd.waiting('general'), 0);
  s.acd.setState('op01', 'not_ready', { reason: 'break' });
  s.enqueue(2);
  t.same(s.events.at(-1)!.kind, 'requeue', 'a call that was in a queue before comes back as a requeue');
  t.same(s.events.at(-1)!.detail, { from: 'general', reason: 'operator', priority: 0 });
});

t.test('after a failed transfer the call comes back first, logged as a requeue from its queue', async (t) => {
  const s = setup({ queues: { general: queue({ wrapUpS: 0 }), english: queue({ skill: 'en', wrapUpS: 0, name: '英語', nameEn: 'English' }) }, agents: [agent('op01', { ja: 3, en: 3 })] });
  s.login('op01');
  s.acd.enqueue({ callId: 1, queue: 'english', language: 'en' });
  s.acd.answered(1, 'op01');
  s.enqueue(2);
  s.enqueue(3);
  s.acd.talkEnded(1, 'op01', 'department');
  t.ok(s.acd.answered(2, 'op01'));
  s.acd.setState('op01', 'not_ready', { reason: 'other' });
  s.acd.talkEnded(2, 'op01', 'caller');
  s.take();
  s.acd.enqueue({ callId: 1, queue: 'general', language: 'en', priority: 1 });
  t.same(s.events.at(-1)!.detail, { from: 'english', reason: 'transfer-failed', priority: 1 });
  t.equal(s.events.at(-1)!.queue, 'general');
  t.same(s.acd.position(1), { queue: 'general', ahead: 0, estimatedWaitS: null }, 'ahead of call 3, which waited longer');
  t.same(s.acd.position(3)!.ahead, 1);
  s.acd.abandon(1);
  s.acd.abandon(3);
  s.enqueue(2);
  t.equal(s.events.at(-1)!.kind, 'enqueue', 'a call hung up by its caller is forgotten: a new entry, not a requeue');
});

t.test('move keeps first entry and priority; bad moves are refused and change nothing', async (t) => {
  const s = setup({ queues: { general: queue(), english: queue({ skill: 'en', name: '英語', nameEn: 'English' }) }, agents: [agent('op01', { en: 3 })] });
  s.enqueue(1, 'general', 2);
  s.timers.advance(7000);
  const moved = s.acd.move(1, 'english');
  t.same(moved, { callId: 1, queue: 'english', language: 'ja', priority: 2, enteredAt: s.clock.now(), firstEnteredAt: at(T0) });
  t.same(s.events.at(-1)!.detail, { from: 'general', reason: 'overflow', priority: 2 });
  t.throws(() => s.acd.move(1, 'english'), { code: 'bad-transition' });
  t.throws(() => s.acd.move(1, 'nowhere'), { code: 'unknown-queue' });
  t.throws(() => s.acd.move(5, 'general'), { code: 'unknown-call' });
  t.equal(s.acd.waiting('english'), 1);
  t.equal(s.acd.waiting('general'), 0);
  s.login('op01');
  s.take();
  s.acd.move(1, 'general');
  t.same(s.take(), ['cancel 1 op01 taken', 'offer-failed 1 op01', 'agent op01 ready', 'requeue 1'], 'moving a ringing call withdraws its offer');
});

t.test('enqueue refuses bad input and changes nothing', async (t) => {
  const s = setup();
  t.throws(() => s.enqueue(1, 'nowhere'), { code: 'unknown-queue' });
  t.throws(() => s.enqueue(1, 'general', -1), { code: 'bad-transition' });
  t.throws(() => s.enqueue(0), { code: 'unknown-call' });
  s.enqueue(1);
  t.throws(() => s.enqueue(1), { code: 'bad-transition' });
  t.equal(s.acd.snapshot().total.waiting, 1);
  t.same(s.take(), ['enqueue 1']);
});

t.test('overflow after N seconds: each rule fires once, in order; a queue rule moves the call, then reports', async (t) => {
  const s = setup({
    queues: {
      general: queue({ overflow: [{ afterS: 30, action: 'busy' }, { afterS: 60, action: 'queue', queue: 'english' }] }),
      english: queue({ skill: 'en', name: '英語', nameEn: 'English', overflow: [{ afterS: 20, action: 'callback' }] }),
    },
  });
  s.enqueue(1);
  s.take();
  s.timers.advance(29_999);
  t.same(s.take(), []);
  s.timers.advance(1);
  t.same(s.take(), ['overflow 1', 'overflow 1 general busy 0']);
  t.same(s.events.at(-1)!.detail, { action: 'busy', rule: 0 });
  s.timers.advance(30_000);
  t.same(s.take(), ['overflow 1', 'requeue 1', 'overflow 1 general queue 1'], 'the report names the rule of the queue it came from');
  t.same(s.events.at(-1)!.detail, { from: 'general', reason: 'overflow', priority: 0 });
  t.equal(s.acd.position(1)!.queue, 'english');
  s.timers.advance(20_000);
  t.same(s.take(), ['overflow 1', 'overflow 1 english callback 0'], "the new queue's rules count from entry there");
  s.timers.advance(600_000);
  t.same(s.take(), [], 'nothing fires twice');
});

t.test('overflow at N waiting is checked as the caller enters, the caller included', async (t) => {
  const s = setup({ queues: { general: queue({ overflow: [{ waitingAtLeast: 3, action: 'callback' }] }) } });
  s.enqueue(1);
  s.enqueue(2);
  t.notOk(s.take().some((l) => l.startsWith('overflow')));
  s.enqueue(3);
  t.same(s.take(), ['enqueue 3', 'overflow 3', 'overflow 3 general callback 0'], 'only the third caller, who found the queue full');
});

t.test('overflow waits while a phone rings for the call and is checked when the ring ends unanswered', async (t) => {
  const s = setup({ queues: { general: queue({ ringTimeoutS: 20, overflow: [{ afterS: 10, action: 'busy' }] }) }, agents: [agent('op01', { ja: 3 })] });
  s.login('op01');
  s.enqueue(1);
  s.take();
  s.timers.advance(15_000);
  t.same(s.take(), [], 'ringing: no busy message');
  s.timers.advance(5_000);
  t.same(s.take(), ['cancel 1 op01 timeout', 'offer-failed 1 op01', 'agent op01 ready', 'overflow 1', 'overflow 1 general busy 0']);
});

t.test('overflow moves back and forth end: each rule fires once per call per queue', async (t) => {
  const s = setup({
    queues: {
      general: queue({ overflow: [{ waitingAtLeast: 1, action: 'queue', queue: 'english' }] }),
      english: queue({ skill: 'en', name: '英語', nameEn: 'English', overflow: [{ waitingAtLeast: 1, action: 'queue', queue: 'general' }] }),
    },
  });
  s.enqueue(1);
  t.same(s.take(), ['enqueue 1', 'overflow 1', 'requeue 1', 'overflow 1 general queue 0', 'overflow 1', 'requeue 1', 'overflow 1 english queue 0']);
  t.equal(s.acd.position(1)!.queue, 'general');
});

t.test('待ち呼警告灯 per queue and in total, with hysteresis, reported only on changes', async (t) => {
  const s = setup({
    queues: { general: queue({ alarm: { raiseAt: 3, clearAt: 1 } }), english: queue({ skill: 'en', name: '英語', nameEn: 'English' }) },
    alarm: { raiseAt: 4, clearAt: 2 },
  });
  const alarms = () => s.take().filter((l) => l.startsWith('alarm'));
  s.enqueue(1);
  s.enqueue(2);
  t.same(alarms(), []);
  s.enqueue(3);
  t.same(alarms(), ['alarm general true']);
  t.equal(s.acd.snapshot().queues.general!.alarm, true);
  s.enqueue(4);
  s.enqueue(5, 'english');
  t.same(alarms(), ['alarm total true']);
  s.acd.abandon(1);
  s.acd.abandon(2);
  t.same(alarms(), [], 'general 2 waiting, total 3: between the levels, still raised');
  s.acd.abandon(3);
  t.same(alarms(), ['alarm general false', 'alarm total false']);
  t.equal(s.acd.snapshot().total.alarm, false);
});

t.test('restore after a restart: states, answered counts and handle times come back; nothing is published for it', async (t) => {
  const earlier = '2027-06-01T08:30:00.000Z';
  const s = setup({
    queues: { general: queue({ strategy: 'fewest-calls' }) },
    agents: ['op01', 'op02', 'op03', 'op04', 'op05', 'op06'].map((id) => agent(id, { ja: 3 })),
    restore: {
      statuses: [
        { agent: 'op01', state: 'ready', reason: null, since: earlier, callId: null, contact: { kind: 'external', number: '0311112222' } },
        { agent: 'op02', state: 'not_ready', reason: 'training', since: earlier, callId: null, contact: { kind: 'softphone' } },
        { agent: 'op03', state: 'talking', reason: null, since: earlier, callId: 7, contact: { kind: 'softphone' } },
        { agent: 'op04', state: 'wrap_up', reason: null, since: earlier, callId: 8, contact: { kind: 'softphone' } },
        { agent: 'op05', state: 'logged_out', reason: null, since: earlier, callId: null, contact: null },
        { agent: 'op06', state: 'ready', reason: null, since: '2027-06-01T08:50:00.000Z', callId: null, contact: { kind: 'softphone' } },
        { agent: 'gone', state: 'ready', reason: null, since: earlier, callId: null, contact: null },
      ],
      answeredToday: { op01: 12, op06: 3 },
      handleTimes: { general: [100_000, 200_000, 300_000] },
    },
  });
  const by = Object.fromEntries(s.acd.agents().map((a) => [a.agent, a]));
  t.same(by.op01, { agent: 'op01', state: 'ready', reason: null, since: earlier, callId: null, contact: { kind: 'external', number: '0311112222' } });
  t.same([by.op02!.state, by.op02!.reason, by.op02!.since], ['not_ready', 'training', earlier]);
  t.same([by.op03!.state, by.op03!.reason, by.op03!.callId], ['not_ready', 'other', null], 'its call died with the process');
  t.same([by.op04!.state, by.op04!.reason], ['not_ready', 'other']);
  t.equal(by.op05!.state, 'logged_out');
  t.equal(s.acd.agents().length, 6);
  s.enqueue(1);
  t.same(s.take(), ['enqueue 1', 'offer 1 op06', 'agent op06 ringing', 'ring 1 op06'], 'op06 answered fewer today than op01, who idles longer; no restore state was published');
  s.enqueue(2);
  // Handle times mean 200 s; serving: op01 (ringing) and op06 (ringing) -> ceil(1/2) = 1 round.
  t.same(s.acd.position(2), { queue: 'general', ahead: 1, estimatedWaitS: 200 });
});

t.test('answered-today counts restart at JST midnight', async (t) => {
  const s = setup({ queues: { general: queue({ strategy: 'fewest-calls', wrapUpS: 0 }) }, agents: [agent('op01', { ja: 3 }), agent('op02', { ja: 3 })], restore: { answeredToday: { op01: 5, op02: 1 } } });
  s.login('op01', 'op02');
  s.enqueue(1);
  t.equal(s.acd.status('op02').callId, 1, 'fewest today');
  s.acd.abandon(1);
  s.clock.set('2027-06-02T00:00:01+09:00');
  s.enqueue(2);
  t.equal(s.acd.status('op01').callId, 2, 'a new day: all at 0, the longest idle takes it');
});

t.test('round-robin and penalties in the engine', async (t) => {
  const rr = setup({ queues: { general: queue({ strategy: 'round-robin', wrapUpS: 0 }) } });
  rr.login('op03', 'op02', 'op01');
  const served: string[] = [];
  for (let id = 1; id <= 4; id++) {
    rr.enqueue(id);
    const who = rr.acd.agents().find((a) => a.callId === id)!.agent;
    served.push(who);
    rr.acd.answered(id, who);
    rr.acd.talkEnded(id, who, 'caller');
  }
  t.same(served, ['op01', 'op02', 'op03', 'op01'], 'in id order, whoever idled longest');

  const p = setup({ agents: [agent('op01', { ja: 3 }, { general: 1 }), agent('op02', { ja: 3 }, { general: 0 })] });
  p.login('op01', 'op02');
  p.enqueue(1);
  t.equal(p.acd.status('op02').callId, 1, 'penalty 0 before penalty 1, though op01 idles longer');
  p.enqueue(2);
  t.equal(p.acd.status('op01').callId, 2, 'the higher penalty serves when the lower is busy');
});

t.test('top-down in the engine: the most skilled free agent first', async (t) => {
  const s = setup({ queues: { general: queue({ strategy: 'top-down' }) }, agents: [agent('op01', { ja: 2 }), agent('op02', { ja: 5 }), agent('op03', { ja: 4 })] });
  s.login('op01', 'op03', 'op02');
  s.enqueue(1);
  s.enqueue(2);
  t.same([s.acd.status('op02').callId, s.acd.status('op03').callId, s.acd.status('op01').callId], [1, 2, null]);
});

t.test('figures: waiting, longest wait and agents per queue (eligible ones) and in total (each once)', async (t) => {
  const s = setup({
    queues: { general: queue(), english: queue({ skill: 'en', name: '英語', nameEn: 'English' }) },
    agents: [agent('op01', { ja: 3 }), agent('op02', { ja: 3, en: 3 }), agent('op03', { en: 3 }), agent('op04', { ja: 3 })],
  });
  s.login('op01', 'op02', 'op03');
  s.enqueue(1);
  s.enqueue(2);
  s.acd.answered(1, 'op01');
  s.acd.answered(2, 'op02');
  s.enqueue(3);
  s.timers.advance(12_500);
  s.enqueue(4);
  s.enqueue(5, 'english');
  s.timers.advance(3_000);
  const snap = s.acd.snapshot();
  t.same(snap.queues.general, { waiting: 2, longestWaitS: 15, agents: { logged_out: 1, ready: 0, ringing: 0, talking: 2, wrap_up: 0, not_ready: 0 }, alarm: false });
  t.same(snap.queues.english, { waiting: 1, longestWaitS: 3, agents: { logged_out: 0, ready: 0, ringing: 1, talking: 1, wrap_up: 0, not_ready: 0 }, alarm: false });
  t.same(snap.total, { waiting: 3, longestWaitS: 15, agents: { logged_out: 1, ready: 0, ringing: 1, talking: 2, wrap_up: 0, not_ready: 0 }, alarm: false });
  t.equal(s.acd.waiting('english'), 1);
  t.throws(() => s.acd.waiting('nowhere'), { code: 'unknown-queue' });
  const stats = s.acd.decisionStats();
  t.ok(stats.count >= 5, 'a dispatch per change');
  t.ok(stats.p50Ms >= 0 && stats.p99Ms >= stats.p50Ms && stats.maxMs >= stats.p99Ms);
});

t.test('a listener may call back at once: answering inside the offer handler', async (t) => {
  const s = setup({ agents: [agent('op01', { ja: 3 })] });
  s.acd.on('offer', (o) => s.acd.answered(o.callId, o.agent));
  s.login('op01');
  s.enqueue(1);
  t.same(s.take(), ['enqueue 1', 'offer 1 op01', 'agent op01 ringing', 'ring 1 op01', 'answer 1 op01', 'agent op01 talking']);
  t.equal(s.acd.status('op01').state, 'talking');
  t.equal(s.acd.waiting('general'), 0);
});

t.test('setAgents and setQueues: new agents logged out, retired agents forgotten at log-out, bad definitions refused', async (t) => {
  const s = setup({ agents: [agent('op01', { ja: 3 }), agent('op02', { ja: 3 })] });
  s.login('op01');
  s.enqueue(1);
  s.acd.answered(1, 'op01');
  s.acd.setAgents([agent('op02', { ja: 3 }), agent('op09', { ja: 1 })]);
  t.equal(s.acd.status('op09').state, 'logged_out');
  t.equal(s.acd.status('op01').state, 'talking', 'a retired agent keeps its call');
  s.acd.setState('op01', 'logged_out');
  s.acd.talkEnded(1, 'op01', 'caller');
  s.timers.advance(30_000);
  t.throws(() => s.acd.status('op01'), { code: 'unknown-agent' }, 'forgotten once logged out');
  t.same(s.acd.agents().map((a) => a.agent), ['op02', 'op09']);
  t.throws(() => s.acd.setAgents([agent('op02', { ja: 7 })]), RangeError);
  t.throws(() => s.acd.setAgents([agent('op02', { ja: 3 }), agent('op02', { ja: 3 })]), RangeError);
  t.same(s.acd.agents().map((a) => a.agent), ['op02', 'op09'], 'refused: nothing changed');

  s.acd.setState('op09', 'ready');
  s.enqueue(2);
  t.equal(s.acd.status('op09').callId, 2);
  s.acd.abandon(2);
  s.acd.setQueues({ general: queue({ minLevel: 2 }) });
  s.enqueue(3);
  t.equal(s.acd.status('op09').state, 'ready', 'op09 is below the new minLevel');
  t.throws(() => s.acd.setQueues({ english: queue({ skill: 'en' }) }), { code: 'bad-transition' }, 'general still holds a call');
  t.throws(() => s.acd.setQueues({ general: queue({ overflow: [{ afterS: 5, action: 'queue', queue: 'nowhere' }] }) }), { code: 'unknown-queue' });
  t.equal(s.acd.waiting('general'), 1);
  s.acd.setQueues({ general: queue({ minLevel: 1 }), english: queue({ skill: 'en' }) });
  t.equal(s.acd.status('op09').callId, 3, 'a lower minLevel makes op09 eligible again');
  t.equal(s.acd.waiting('english'), 0);
});

t.test('bad options are refused at construction', async (t) => {
  const base = { clock: new ManualClock(T0), queues: { general: queue() }, agents: [], missesToNotReady: 2, alarm: { raiseAt: 10, clearAt: 5 } };
  t.throws(() => new Acd({ ...base, missesToNotReady: 0 }), RangeError);
  t.throws(() => new Acd({ ...base, alarm: { raiseAt: 5, clearAt: 5 } }), RangeError);
  t.throws(() => new Acd({ ...base, queues: { general: queue({ overflow: [{ afterS: 5, action: 'queue', queue: 'x' }] }) } }), { code: 'unknown-queue' });
  t.throws(() => new Acd({ ...base, agents: [agent('', {})] }), RangeError);
});

t.test('close clears every timer', async (t) => {
  const s = setup({ queues: { general: queue({ overflow: [{ afterS: 60, action: 'busy' }] }) } });
  s.login('op01', 'op02');
  s.enqueue(1);
  s.enqueue(2);
  s.acd.answered(2, 'op02');
  s.acd.talkEnded(2, 'op02', 'caller');
  s.enqueue(3);
  t.ok(s.timers.pending >= 3, 'a ring, a wrap-up and an overflow timer are running');
  s.acd.close();
  t.equal(s.timers.pending, 0);
});

t.test('an agent on a call outside the ACD (a colleague) is offered nothing until it ends, whatever its state says', async (t) => {
  const s = setup();
  s.login('op01', 'op02');
  s.acd.setElsewhere('op01', true);
  s.enqueue(1);
  t.same(s.take(), ['enqueue 1', 'offer 1 op02', 'agent op02 ringing', 'ring 1 op02'], 'op01 has idled longest but is on another call');
  s.enqueue(2);
  t.same(s.take(), ['enqueue 2'], 'nobody free: the call waits');
  t.equal(s.acd.status('op01').state, 'ready', 'its ACD state is untouched');
  s.acd.setElsewhere('op01', false);
  t.same(s.take(), ['offer 2 op01', 'agent op01 ringing', 'ring 2 op01'], 'offered as soon as that call ends');
  s.acd.setElsewhere('nobody', true);
  s.acd.setElsewhere('op03', false);
  t.same(s.take(), [], 'unknown agents and repeated reports change nothing');
});

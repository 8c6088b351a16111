/**
 * The ACD's decision core (T5, T6, T11): waiting calls per queue, operator states, offers with ring
 * timeouts, after-call work, overflow and the 待ち呼警告灯. No SIP, media or database: the call-control
 * glue rings phones on 'offer', stores 'event' and 'agent', and reports back through the methods.
 * Semantics follow Asterisk app_queue (strategies, penalties, autopause after missed offers, wrapuptime)
 * and FreeSWITCH mod_callcenter (agent status and state, max-no-answer, wrap-up-time).
 *
 * Choices made here, where the brief left room:
 * - Every 'offer' event is followed in the log by an 'answer' or an 'offer-failed' for that agent: offers
 *   withdrawn because another agent answered, the caller hung up or the call moved are 'cancelled'.
 * - A not_ready or logged_out asked for while talking is applied when the after-call work ends, so the
 *   operator still gets its wrap-up time; an explicit request during wrap-up ends the wrap-up at once.
 * - Every answered call gets 'talk-end' and 'wrap-up-end' (wrapUpMs 0 for a queue without wrap-up).
 * - Overflow rules are not applied to a call while an agent's phone rings for it; they are checked again
 *   when the ring ends unanswered. `waitingAtLeast` counts the call's queue (ringing calls included) when
 *   the call enters the queue, when its overflow timer runs and when it comes back from an offer.
 * - Idle time (longest-idle) runs from the end of the agent's last call or from its becoming ready; a
 *   missed offer does not restart it (the miss count and the not-ready state deal with misses).
 * - The miss count restarts when the agent answers or is set ready from not_ready or logged_out.
 * - Ring-all rings every free agent for the best waiting call; an agent freed meanwhile takes the next call.
 * - When every free candidate has missed a call, the call rests for RETRY_MS (app_queue's `retry`) before
 *   its tried set starts over; meanwhile those agents take other calls, and a glue that fails every ring
 *   at once cannot spin.
 * - Offers withdrawn by leave() or move() are cancelled as 'taken' (the call was taken elsewhere).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { LanguageChoice } from '../callflow/flow-definition.js';
import type { Clock } from '../time/clock.js';
import { jstDate } from '../time/jst.js';
import { isNotReadyReason, type AgentContact, type AgentState, type AgentStatus, type NotReadyReason } from './agent-state.js';
import type { CallEvent, CallEventDetail, CallEventKind, HungUpBy, OfferFailure } from './call-event.js';
import { chooseAgents, type Candidate } from './distribution.js';
import type { OverflowRule, QueueDefinition } from './queue-definition.js';
import { estimateWaitS, HandleTimes } from './wait-estimate.js';

export interface AgentProfile {
  agent: string;
  /** Skill -> level (1-5), e.g. { ja: 5, en: 2 }. */
  skills: Record<string, number>;
  /** Queue id -> penalty; 0 when absent. */
  penalties: Record<string, number>;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AcdOptions {
  clock: Clock;
  /** Queue id -> definition. */
  queues: Record<string, QueueDefinition>;
  agents: AgentProfile[];
  /** Offers missed in a row before the agent is set not_ready 'missed' (config acd.missesToNotReady). */
  missesToNotReady: number;
  /** The whole centre's 待ち呼警告灯 (config acd.alarm). */
  alarm: { raiseAt: number; clearAt: number };
  /** Default: the global setTimeout/clearTimeout, unref'd. */
  timers?: Timers;
  /** Restored at start-up from the database: each agent's last stored status, answered-today counts, recent handle times per queue (ms, oldest first). */
  restore?: { statuses?: AgentStatus[]; answeredToday?: Record<string, number>; handleTimes?: Record<string, number[]> };
}

export interface WaitingCall {
  callId: number;
  queue: string;
  language: LanguageChoice;
  priority: number;
  /** When it entered this queue. */
  enteredAt: Date;
  /** When it entered its first queue; waits are counted from here. */
  firstEnteredAt: Date;
}

export interface Offer {
  callId: number;
  agent: string;
  queue: string;
  contact: AgentContact;
}

export type AcdErrorCode = 'unknown-agent' | 'unknown-queue' | 'bad-transition' | 'unknown-call';

export class AcdError extends Error {
  override name = 'AcdError';
  constructor(
    readonly code: AcdErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AcdEvents {
  /** Ring this agent for this call now. */
  offer: [offer: Offer];
  /** Stop ringing it. */
  'offer-cancel': [offer: Offer, why: 'timeout' | 'taken' | 'abandoned' | 'logged-out'];
  /** After every state change of an agent. */
  agent: [status: AgentStatus];
  /** For the stored log. */
  event: [event: CallEvent];
  /** An overflow rule fired; `call` is as it was in the rule's queue (for 'queue' the Acd has already moved it). */
  overflow: [call: WaitingCall, rule: OverflowRule, index: number];
  /** The 待ち呼警告灯 of a queue, or of the whole centre ('total'), changed. */
  alarm: [queue: string, raised: boolean];
}

export interface AreaSnapshot {
  waiting: number;
  longestWaitS: number;
  agents: Record<AgentState, number>;
  alarm: boolean;
}

interface QueueRec {
  id: string;
  def: QueueDefinition;
  /** Agents with the queue's skill at minLevel or above, in agent-id order. */
  eligible: AgentRec[];
  /** How many of `eligible` are ready (free to be rung). */
  freeEligible: number;
  /** Every call waiting in the queue, ringing or not. */
  members: Set<CallRec>;
  /** The waiting calls no phone rings for, in the order they are served. */
  pending: CallRec[];
  lastOffered: string | null;
  handleTimes: HandleTimes;
  alarm: boolean;
}

interface CallRec {
  callId: number;
  queue: QueueRec;
  language: LanguageChoice;
  priority: number;
  enteredAtMs: number;
  firstEnteredAtMs: number;
  /** Entry order, the last tie-breaker. */
  seq: number;
  /** Agents who missed this call since the set last started over. */
  tried: Set<string>;
  offers: Map<string, OfferRec>;
  /** Overflow rules fired, per queue id (once per call per queue). */
  fired: Map<string, Set<number>>;
  overflowTimer: unknown;
  /** Set while the call rests after every free candidate missed it. */
  restTimer: unknown;
}

interface OfferRec {
  offer: Offer;
  call: CallRec;
  agent: AgentRec;
  timer: unknown;
}

interface AgentRec {
  profile: AgentProfile;
  state: AgentState;
  reason: NotReadyReason | null;
  since: string;
  callId: number | null;
  contact: AgentContact | null;
  idleSinceMs: number;
  misses: number;
  queues: QueueRec[];
  offer: OfferRec | null;
  talk: { callId: number; queue: string; startedMs: number } | null;
  wrap: { callId: number; queue: string; startedMs: number; talkMs: number; timer: unknown } | null;
  /** Asked for while talking; applied when the wrap-up ends. */
  pending: { state: 'not_ready' | 'logged_out'; reason: NotReadyReason | null } | null;
  /** Removed by setAgents while logged in: no longer eligible anywhere, forgotten at log-out. */
  retired: boolean;
  /** On a call outside the ACD (a softphone call to a colleague): not offered calls meanwhile, as app_queue's ringinuse=no. */
  elsewhere: boolean;
}

/** Whether calls may be offered to the agent now. */
const isFree = (a: AgentRec, state: AgentState = a.state): boolean => state === 'ready' && !a.elsewhere;

const SOFTPHONE: AgentContact = { kind: 'softphone' };
/** Pause before a call every free candidate has missed is offered round again (app_queue's `retry` default). */
export const RETRY_MS = 5000;
const DECISION_WINDOW = 10_000;
/** Calls remembered after leaving a queue, so a later enqueue is logged as a requeue from there. */
const LAST_QUEUE_MEMORY = 10_000;

const realTimers: Timers = {
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clearTimeout(h) {
    clearTimeout(h as NodeJS.Timeout);
  },
};

/** Served first: higher priority, then the earlier first queue entry, then entry order. */
function servedBefore(a: CallRec, b: CallRec): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.firstEnteredAtMs !== b.firstEnteredAtMs) return a.firstEnteredAtMs < b.firstEnteredAtMs;
  return a.seq < b.seq;
}

function insertInOrder(list: CallRec[], c: CallRec): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (servedBefore(list[mid]!, c)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, c);
}

function removeFrom(list: CallRec[], c: CallRec): void {
  const i = list.indexOf(c);
  if (i >= 0) list.splice(i, 1);
}

function emptyCounts(): Record<AgentState, number> {
  return { logged_out: 0, ready: 0, ringing: 0, talking: 0, wrap_up: 0, not_ready: 0 };
}

function checkContact(c: AgentContact): AgentContact {
  if (c.kind === 'softphone') return SOFTPHONE;
  if (c.kind === 'external' && typeof c.number === 'string' && /^[0-9]{2,15}$/.test(c.number)) return { kind: 'external', number: c.number };
  throw new AcdError('bad-transition', `contact must be the softphone or an external number of 2-15 digits, not ${JSON.stringify(c)}`);
}

function checkProfiles(profiles: AgentProfile[]): void {
  const seen = new Set<string>();
  for (const p of profiles) {
    if (typeof p.agent !== 'string' || !p.agent) throw new RangeError('agent: a non-empty id is needed');
    if (seen.has(p.agent)) throw new RangeError(`agent ${p.agent}: listed twice`);
    seen.add(p.agent);
    for (const [skill, level] of Object.entries(p.skills)) {
      if (!Number.isInteger(level) || level < 1 || level > 5) throw new RangeError(`agent ${p.agent}: skill ${skill} must be a level 1-5, not ${level}`);
    }
    for (const [queue, penalty] of Object.entries(p.penalties)) {
      if (!Number.isInteger(penalty) || penalty < 0) throw new RangeError(`agent ${p.agent}: penalty for ${queue} must be a whole number >= 0, not ${penalty}`);
    }
  }
}

function checkQueues(queues: Record<string, QueueDefinition>): void {
  for (const [id, def] of Object.entries(queues)) {
    def.overflow.forEach((rule, i) => {
      if (rule.action === 'queue' && (rule.queue === undefined || !Object.hasOwn(queues, rule.queue))) {
        throw new AcdError('unknown-queue', `queue ${id}: overflow rule ${i} moves calls to ${rule.queue}, which is not defined`);
      }
    });
  }
}

export class Acd extends EventEmitter<AcdEvents> {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly missesToNotReady: number;
  private readonly alarmLevels: { raiseAt: number; clearAt: number };
  private readonly queueMap = new Map<string, QueueRec>();
  private readonly agentMap = new Map<string, AgentRec>();
  /** Waiting calls (ringing or not), by call id. */
  private readonly calls = new Map<number, CallRec>();
  private readonly lastQueue = new Map<number, string>();
  private readonly answeredToday = new Map<string, number>();
  /** The JST day answeredToday counts (YYYY-MM-DD). */
  private answeredDay: string;
  private totalAlarm = false;
  private seq = 0;
  /** Emissions wait here until the state they describe is complete, so listeners may call back at once. */
  private readonly outbox: (() => void)[] = [];
  private outboxAt = 0;
  private flushing = false;
  private readonly decisionMs = new Float64Array(DECISION_WINDOW);
  private decisions = 0;

  constructor(o: AcdOptions) {
    super();
    if (!Number.isInteger(o.missesToNotReady) || o.missesToNotReady < 1) throw new RangeError('missesToNotReady must be a whole number >= 1');
    if (!(o.alarm.clearAt < o.alarm.raiseAt)) throw new RangeError('alarm.clearAt must be below alarm.raiseAt');
    checkProfiles(o.agents);
    checkQueues(o.queues);
    this.clock = o.clock;
    this.timers = o.timers ?? realTimers;
    this.missesToNotReady = o.missesToNotReady;
    this.alarmLevels = { ...o.alarm };
    const nowMs = this.clock.now().getTime();
    this.answeredDay = jstDate(new Date(nowMs));
    for (const [id, def] of Object.entries(o.queues)) this.queueMap.set(id, this.newQueue(id, def, o.restore?.handleTimes?.[id]));
    for (const p of o.agents) this.agentMap.set(p.agent, this.newAgent(p));
    for (const s of o.restore?.statuses ?? []) this.restoreStatus(s);
    for (const [agent, n] of Object.entries(o.restore?.answeredToday ?? {})) this.answeredToday.set(agent, n);
    this.rebuildEligibility();
  }

  // ---- calls ----

  enqueue(c: { callId: number; queue: string; language: LanguageChoice; priority?: number; firstEnteredAt?: Date }): WaitingCall {
    const q = this.queue(c.queue);
    const priority = c.priority ?? 0;
    if (!Number.isInteger(c.callId) || c.callId <= 0) throw new AcdError('unknown-call', `call id must be a whole number > 0, not ${c.callId}`);
    if (!Number.isInteger(priority) || priority < 0) throw new AcdError('bad-transition', `priority must be a whole number >= 0, not ${priority}`);
    if (this.calls.has(c.callId)) throw new AcdError('bad-transition', `call ${c.callId} already waits in queue ${this.calls.get(c.callId)!.queue.id}`);
    return this.act(() => {
      const nowMs = this.nowMs();
      const call: CallRec = {
        callId: c.callId,
        queue: q,
        language: c.language,
        priority,
        enteredAtMs: nowMs,
        firstEnteredAtMs: c.firstEnteredAt?.getTime() ?? nowMs,
        seq: ++this.seq,
        tried: new Set(),
        offers: new Map(),
        fired: new Map(),
        overflowTimer: null,
        restTimer: null,
      };
      this.calls.set(call.callId, call);
      q.members.add(call);
      insertInOrder(q.pending, call);
      const from = this.lastQueue.get(call.callId);
      if (priority > 0 || from !== undefined) {
        this.log(call.callId, 'requeue', q.id, null, { from: from ?? q.id, reason: priority > 0 ? 'transfer-failed' : 'operator', priority });
      } else {
        this.log(call.callId, 'enqueue', q.id, null, { priority });
      }
      this.checkAlarms(q);
      this.checkOverflow(call);
      this.dispatch();
      return this.view(call);
    });
  }

  /** The caller hung up while waiting or ringing; no-op for a call not waiting. */
  abandon(callId: number): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.act(() => {
      this.withdrawOffers(call, 'abandoned');
      this.removeCall(call);
      this.log(callId, 'abandon', call.queue.id, null, { waitMs: this.nowMs() - call.firstEnteredAtMs });
      this.dispatch();
    });
  }

  /** Leaves the queue without an abandon (the caller took a callback); no-op for a call not waiting. */
  leave(callId: number): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.act(() => {
      this.withdrawOffers(call, 'taken');
      this.removeCall(call);
      this.remember(callId, call.queue.id);
      this.dispatch();
    });
  }

  /** To another queue, keeping its place by first entry and its priority; offers ringing for it are withdrawn ('taken'). */
  move(callId: number, queue: string): WaitingCall {
    const call = this.calls.get(callId);
    if (!call) throw new AcdError('unknown-call', `call ${callId} is not waiting in any queue`);
    const to = this.queue(queue);
    if (to === call.queue) throw new AcdError('bad-transition', `call ${callId} already waits in queue ${queue}`);
    return this.act(() => {
      this.withdrawOffers(call, 'taken');
      this.moveCall(call, to);
      this.checkOverflow(call);
      this.dispatch();
      return this.view(call);
    });
  }

  /** The agent's phone answered: true = connect them; false = the call is gone or taken (hang up that leg). */
  answered(callId: number, agent: string): boolean {
    const a = this.agent(agent);
    const call = this.calls.get(callId);
    const rec = call?.offers.get(agent);
    if (!call || !rec) return false;
    return this.act(() => {
      const nowMs = this.nowMs();
      this.timers.clearTimeout(rec.timer);
      call.offers.delete(agent);
      a.offer = null;
      this.log(callId, 'answer', call.queue.id, agent, { waitMs: nowMs - call.firstEnteredAtMs });
      a.misses = 0;
      this.countAnswer(agent, nowMs);
      a.talk = { callId, queue: call.queue.id, startedMs: nowMs };
      this.change(a, 'talking', { callId });
      this.withdrawOffers(call, 'taken');
      this.removeCall(call);
      this.remember(callId, call.queue.id);
      this.dispatch();
      return true;
    });
  }

  /** The glue could not reach the agent: like a ring timeout, without the cancel (a miss unless 'cancelled'). */
  offerFailed(callId: number, agent: string, reason: OfferFailure): void {
    const a = this.agent(agent);
    const rec = a.offer;
    if (!rec || rec.offer.callId !== callId) return;
    this.act(() => this.offerEnded(rec, null, reason));
  }

  /**
   * The operator's talk on this call ended (hang-up, or a transfer took the caller on). Who hung up is the
   * glue's to store with the call; here it tells whether the call may come back: after a hang-up by the
   * caller or the agent it cannot, so its last queue is forgotten (memory stays flat under load).
   */
  talkEnded(callId: number, agent: string, by: HungUpBy): void {
    const a = this.agent(agent);
    const talk = a.talk;
    if (a.state !== 'talking' || !talk || talk.callId !== callId) throw new AcdError('unknown-call', `agent ${agent} is not talking on call ${callId}`);
    this.act(() => {
      const nowMs = this.nowMs();
      const talkMs = nowMs - talk.startedMs;
      this.log(callId, 'talk-end', talk.queue, agent, { talkMs });
      a.talk = null;
      if (by === 'caller' || by === 'agent') this.lastQueue.delete(callId);
      const wrapUpS = this.queueMap.get(talk.queue)?.def.wrapUpS ?? 0;
      a.wrap = { callId, queue: talk.queue, startedMs: nowMs, talkMs, timer: null };
      if (wrapUpS > 0) {
        a.wrap.timer = this.timers.setTimeout(() => this.act(() => a.wrap && this.finishWrapUp(a)), wrapUpS * 1000);
        this.change(a, 'wrap_up', { callId });
      } else {
        this.finishWrapUp(a);
      }
    });
  }

  // ---- agents ----

  setState(agent: string, state: 'ready' | 'not_ready' | 'logged_out', opts: { reason?: NotReadyReason; contact?: AgentContact } = {}): AgentStatus {
    const a = this.agent(agent);
    if (state !== 'ready' && state !== 'not_ready' && state !== 'logged_out') throw new AcdError('bad-transition', `state must be ready, not_ready or logged_out, not ${String(state)}`);
    if (opts.reason !== undefined && !isNotReadyReason(opts.reason)) throw new AcdError('bad-transition', `unknown not-ready reason ${String(opts.reason)}`);
    if (opts.reason !== undefined && state !== 'not_ready') throw new AcdError('bad-transition', 'a reason goes only with not_ready');
    const contact = opts.contact === undefined ? undefined : checkContact(opts.contact);
    const reason = state === 'not_ready' ? (opts.reason ?? 'other') : null;
    if (a.state === 'ringing' && state === 'ready') throw new AcdError('bad-transition', `agent ${agent} is ringing; it answers or misses the call`);
    return this.act(() => {
      switch (a.state) {
        case 'logged_out':
          if (state === 'logged_out') break;
          a.misses = 0;
          if (state === 'ready') a.idleSinceMs = this.nowMs();
          this.change(a, state, { reason, contact: contact ?? SOFTPHONE });
          this.dispatch();
          break;
        case 'ready':
        case 'not_ready': {
          if (state === 'logged_out') {
            this.logOut(a);
            break;
          }
          const newContact = contact ?? a.contact ?? SOFTPHONE;
          if (state === a.state && reason === a.reason && JSON.stringify(newContact) === JSON.stringify(a.contact)) break;
          if (state === 'ready' && a.state === 'not_ready') {
            a.misses = 0;
            a.idleSinceMs = this.nowMs();
          }
          this.change(a, state, { reason, contact: newContact });
          this.dispatch();
          break;
        }
        case 'ringing': {
          const rec = a.offer!;
          this.endOffer(rec, 'logged-out', 'cancelled');
          if (state === 'logged_out') this.logOut(a);
          else this.change(a, 'not_ready', { reason, contact: contact ?? a.contact });
          this.backToPending(rec.call);
          this.dispatch();
          break;
        }
        case 'talking':
          a.pending = state === 'ready' ? null : { state, reason };
          break;
        case 'wrap_up':
          a.pending = state === 'ready' ? null : { state, reason };
          this.finishWrapUp(a);
          break;
      }
      return this.statusOf(a);
    });
  }

  /** Ends the after-call work early (the operator is done). */
  /**
   * The agent's phone is (or no longer is) on a call the ACD did not place: it is offered nothing meanwhile,
   * whatever its state. An unknown agent (a softphone user who is no operator) is ignored.
   */
  setElsewhere(agent: string, on: boolean): void {
    const a = this.agentMap.get(agent);
    if (!a || a.elsewhere === on) return;
    this.act(() => {
      const wasFree = isFree(a);
      a.elsewhere = on;
      if (wasFree !== isFree(a)) for (const q of a.queues) q.freeEligible += on ? -1 : 1;
      if (!on) this.dispatch();
    });
  }

  endWrapUp(agent: string): AgentStatus {
    const a = this.agent(agent);
    if (a.state !== 'wrap_up') throw new AcdError('bad-transition', `agent ${agent} is ${a.state}, not in after-call work`);
    return this.act(() => {
      this.finishWrapUp(a);
      return this.statusOf(a);
    });
  }

  status(agent: string): AgentStatus {
    return this.statusOf(this.agent(agent));
  }

  /** Every agent's status, in agent-id order. */
  agents(): AgentStatus[] {
    return [...this.agentMap.values()].sort((x, y) => (x.profile.agent < y.profile.agent ? -1 : 1)).map((a) => this.statusOf(a));
  }

  /**
   * Skills or penalties changed. New agents start logged_out; an agent left out is forgotten if logged out,
   * otherwise it keeps its current call but is rung for nothing more and is forgotten when it logs out.
   */
  setAgents(profiles: AgentProfile[]): void {
    checkProfiles(profiles);
    this.act(() => {
      const listed = new Set(profiles.map((p) => p.agent));
      for (const [id, a] of this.agentMap) {
        if (listed.has(id)) continue;
        if (a.state === 'logged_out') this.agentMap.delete(id);
        else {
          a.retired = true;
          a.profile = { agent: id, skills: {}, penalties: {} };
        }
      }
      for (const p of profiles) {
        const a = this.agentMap.get(p.agent);
        if (a) {
          a.profile = structuredClone(p);
          a.retired = false;
        } else this.agentMap.set(p.agent, this.newAgent(p));
      }
      this.rebuildEligibility();
      this.dispatch();
    });
  }

  /**
   * A queue definition changed. A queue still holding calls cannot be removed. Rules already fired for a
   * waiting call stay fired (by index); the overflow timers follow the new rules.
   */
  setQueues(queues: Record<string, QueueDefinition>): void {
    checkQueues(queues);
    for (const [id, q] of this.queueMap) {
      if (!Object.hasOwn(queues, id) && q.members.size) throw new AcdError('bad-transition', `queue ${id} still has ${q.members.size} waiting calls; move them first`);
    }
    this.act(() => {
      for (const id of [...this.queueMap.keys()]) if (!Object.hasOwn(queues, id)) this.queueMap.delete(id);
      for (const [id, def] of Object.entries(queues)) {
        const q = this.queueMap.get(id);
        if (q) q.def = def;
        else this.queueMap.set(id, this.newQueue(id, def));
      }
      this.rebuildEligibility();
      for (const q of this.queueMap.values()) this.checkAlarms(q);
      for (const call of this.calls.values()) this.checkOverflow(call);
      this.dispatch();
    });
  }

  // ---- figures ----

  /** Calls waiting in the queue now, ringing ones included. */
  waiting(queue: string): number {
    return this.queue(queue).members.size;
  }

  /** Where a waiting call stands: calls served before it (priority, then entry) and the estimated wait. */
  position(callId: number): { queue: string; ahead: number; estimatedWaitS: number | null } | undefined {
    const call = this.calls.get(callId);
    if (!call) return undefined;
    const q = call.queue;
    let ahead = 0;
    for (const m of q.members) if (servedBefore(m, call)) ahead++;
    let serving = 0;
    for (const a of q.eligible) if (a.state !== 'logged_out' && a.state !== 'not_ready') serving++;
    return { queue: q.id, ahead, estimatedWaitS: estimateWaitS({ ahead, servingAgents: serving, handleTimesMs: q.handleTimes.samples }) };
  }

  /** Per queue (agents: those eligible for it) and in total (each agent once). */
  snapshot(): { queues: Record<string, AreaSnapshot>; total: AreaSnapshot } {
    const nowMs = this.nowMs();
    const queues: Record<string, AreaSnapshot> = {};
    let oldestMs = nowMs;
    for (const q of this.queueMap.values()) {
      let qOldest = nowMs;
      for (const c of q.members) if (c.firstEnteredAtMs < qOldest) qOldest = c.firstEnteredAtMs;
      if (qOldest < oldestMs) oldestMs = qOldest;
      const agents = emptyCounts();
      for (const a of q.eligible) agents[a.state]++;
      queues[q.id] = { waiting: q.members.size, longestWaitS: Math.floor((nowMs - qOldest) / 1000), agents, alarm: q.alarm };
    }
    const agents = emptyCounts();
    for (const a of this.agentMap.values()) agents[a.state]++;
    return { queues, total: { waiting: this.calls.size, longestWaitS: Math.floor((nowMs - oldestMs) / 1000), agents, alarm: this.totalAlarm } };
  }

  /** `count`: dispatches since start; the times are over the last 10,000 (real time, ms). */
  decisionStats(): { count: number; p50Ms: number; p99Ms: number; maxMs: number } {
    const n = Math.min(this.decisions, DECISION_WINDOW);
    if (!n) return { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
    const sorted = this.decisionMs.slice(0, n).sort();
    const at = (p: number) => sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]!;
    return { count: this.decisions, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[n - 1]! };
  }

  /** Clears every timer; the Acd is not to be used afterwards. */
  close(): void {
    for (const call of this.calls.values()) {
      this.timers.clearTimeout(call.overflowTimer);
      this.timers.clearTimeout(call.restTimer);
      for (const rec of call.offers.values()) this.timers.clearTimeout(rec.timer);
    }
    for (const a of this.agentMap.values()) if (a.wrap) this.timers.clearTimeout(a.wrap.timer);
  }

  // ---- internals ----

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private queue(id: string): QueueRec {
    const q = this.queueMap.get(id);
    if (!q) throw new AcdError('unknown-queue', `no queue ${id}`);
    return q;
  }

  private agent(id: string): AgentRec {
    const a = this.agentMap.get(id);
    if (!a) throw new AcdError('unknown-agent', `no agent ${id}`);
    return a;
  }

  /** Runs a change, then hands its emissions to the listeners (also those queued by listeners calling back). */
  private act<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      this.flush();
    }
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outboxAt < this.outbox.length) this.outbox[this.outboxAt++]!();
    } finally {
      this.flushing = false;
      if (this.outboxAt === this.outbox.length) {
        this.outbox.length = 0;
        this.outboxAt = 0;
      }
    }
  }

  private log<K extends CallEventKind>(callId: number, kind: K, queue: string | null, agent: string | null, detail: CallEventDetail[K]): void {
    const event: CallEvent<K> = { at: this.clock.now(), callId, kind, queue, agent, detail };
    this.outbox.push(() => this.emit('event', event as CallEvent));
  }

  private newQueue(id: string, def: QueueDefinition, handleTimes?: number[]): QueueRec {
    return { id, def, eligible: [], freeEligible: 0, members: new Set(), pending: [], lastOffered: null, handleTimes: new HandleTimes(handleTimes), alarm: false };
  }

  private newAgent(p: AgentProfile): AgentRec {
    return {
      profile: structuredClone(p),
      state: 'logged_out',
      reason: null,
      since: this.clock.now().toISOString(),
      callId: null,
      contact: null,
      idleSinceMs: this.nowMs(),
      misses: 0,
      queues: [],
      offer: null,
      talk: null,
      wrap: null,
      pending: null,
      retired: false,
      elsewhere: false,
    };
  }

  /** A stored status after a restart: ready and not_ready come back; a call in progress died with the process. */
  private restoreStatus(s: AgentStatus): void {
    const a = this.agentMap.get(s.agent);
    if (!a || s.state === 'logged_out') return;
    a.contact = s.contact ? checkContact(s.contact) : SOFTPHONE;
    if (s.state === 'ready' || s.state === 'not_ready') {
      a.state = s.state;
      a.reason = s.state === 'not_ready' ? (s.reason ?? 'other') : null;
      a.since = s.since;
      const sinceMs = Date.parse(s.since);
      if (Number.isFinite(sinceMs)) a.idleSinceMs = sinceMs;
    } else {
      a.state = 'not_ready';
      a.reason = 'other';
    }
  }

  private rebuildEligibility(): void {
    const agents = [...this.agentMap.values()].sort((x, y) => (x.profile.agent < y.profile.agent ? -1 : 1));
    for (const q of this.queueMap.values()) {
      q.eligible = [];
      q.freeEligible = 0;
    }
    for (const a of agents) {
      a.queues = [];
      for (const q of this.queueMap.values()) {
        const level = a.profile.skills[q.def.skill];
        if (level === undefined || level < q.def.minLevel) continue;
        q.eligible.push(a);
        a.queues.push(q);
        if (isFree(a)) q.freeEligible++;
      }
    }
  }

  private statusOf(a: AgentRec): AgentStatus {
    return { agent: a.profile.agent, state: a.state, reason: a.reason, since: a.since, callId: a.callId, contact: a.contact && { ...a.contact } };
  }

  /** The one place an agent's state changes: keeps the free counts and publishes the status. */
  private change(a: AgentRec, state: AgentState, o: { reason?: NotReadyReason | null; callId?: number | null; contact?: AgentContact | null } = {}): void {
    const wasFree = isFree(a);
    const nowFree = isFree(a, state);
    if (wasFree !== nowFree) for (const q of a.queues) q.freeEligible += nowFree ? 1 : -1;
    a.state = state;
    a.reason = state === 'not_ready' ? (o.reason ?? 'other') : null;
    a.callId = o.callId ?? null;
    if (o.contact !== undefined) a.contact = o.contact;
    a.since = this.clock.now().toISOString();
    const status = this.statusOf(a);
    this.outbox.push(() => this.emit('agent', status));
  }

  private logOut(a: AgentRec): void {
    a.pending = null;
    this.change(a, 'logged_out', { contact: null });
    if (a.retired) {
      this.agentMap.delete(a.profile.agent);
      this.rebuildEligibility();
    }
  }

  private countAnswer(agent: string, nowMs: number): void {
    this.rollDay(nowMs);
    this.answeredToday.set(agent, (this.answeredToday.get(agent) ?? 0) + 1);
  }

  /** Answered-today counts restart at JST midnight. */
  private rollDay(nowMs: number): void {
    const day = jstDate(new Date(nowMs));
    if (day === this.answeredDay) return;
    this.answeredDay = day;
    this.answeredToday.clear();
  }

  private remember(callId: number, queue: string): void {
    this.lastQueue.delete(callId);
    this.lastQueue.set(callId, queue);
    if (this.lastQueue.size > LAST_QUEUE_MEMORY) this.lastQueue.delete(this.lastQueue.keys().next().value!);
  }

  private view(call: CallRec): WaitingCall {
    return {
      callId: call.callId,
      queue: call.queue.id,
      language: call.language,
      priority: call.priority,
      enteredAt: new Date(call.enteredAtMs),
      firstEnteredAt: new Date(call.firstEnteredAtMs),
    };
  }

  /**
   * Offers waiting calls to free agents until no queue has both: each round takes the best unrung call
   * among the queues that have a free eligible agent, so an agent serving several queues takes the best
   * call across them. Costs one pass over the queues and one over the chosen queue's eligible agents per offer.
   */
  private dispatch(): void {
    const t0 = performance.now();
    const nowMs = this.nowMs();
    for (;;) {
      let best: QueueRec | null = null;
      for (const q of this.queueMap.values()) {
        if (!q.freeEligible || !q.pending.length) continue;
        if (!best || servedBefore(q.pending[0]!, best.pending[0]!)) best = q;
      }
      if (!best) break;
      const call = best.pending[0]!;
      const candidates: Candidate[] = [];
      const needCounts = best.def.strategy === 'fewest-calls';
      if (needCounts) this.rollDay(nowMs);
      for (const a of best.eligible) {
        if (!isFree(a)) continue;
        candidates.push({
          agent: a.profile.agent,
          idleSinceMs: a.idleSinceMs,
          answeredToday: needCounts ? (this.answeredToday.get(a.profile.agent) ?? 0) : 0,
          level: a.profile.skills[best.def.skill] ?? 0,
          penalty: a.profile.penalties[best.id] ?? 0,
          tried: call.tried.has(a.profile.agent),
        });
      }
      const choice = chooseAgents(best.def.strategy, candidates, best.lastOffered);
      if (!choice.agents.length) throw new Error(`ACD: queue ${best.id} counted a free agent but none was ready`);
      best.pending.shift();
      if (choice.startedOver) {
        this.rest(call);
        continue;
      }
      for (const c of choice.agents) this.ring(call, this.agentMap.get(c.agent)!);
      best.lastOffered = choice.agents[choice.agents.length - 1]!.agent;
    }
    this.decisionMs[this.decisions % DECISION_WINDOW] = performance.now() - t0;
    this.decisions++;
  }

  private ring(call: CallRec, a: AgentRec): void {
    const q = call.queue;
    const offer: Offer = { callId: call.callId, agent: a.profile.agent, queue: q.id, contact: a.contact ?? SOFTPHONE };
    const rec: OfferRec = { offer, call, agent: a, timer: null };
    rec.timer = this.timers.setTimeout(() => this.act(() => a.offer === rec && this.offerEnded(rec, 'timeout', 'no-answer')), q.def.ringTimeoutS * 1000);
    call.offers.set(a.profile.agent, rec);
    a.offer = rec;
    this.log(call.callId, 'offer', q.id, a.profile.agent, {});
    this.change(a, 'ringing', { callId: call.callId });
    this.outbox.push(() => this.emit('offer', offer));
  }

  /** Every free candidate missed the call: it waits unrung for RETRY_MS, then its tried set starts over. */
  private rest(call: CallRec): void {
    call.restTimer = this.timers.setTimeout(
      () =>
        this.act(() => {
          call.restTimer = null;
          call.tried.clear();
          insertInOrder(call.queue.pending, call);
          this.dispatch();
        }),
      RETRY_MS,
    );
  }

  /** Stops one offer's ring and logs its failure; the agent's next state is the caller's to set. */
  private endOffer(rec: OfferRec, cancel: AcdEvents['offer-cancel'][1] | null, failure: OfferFailure): void {
    this.timers.clearTimeout(rec.timer);
    rec.call.offers.delete(rec.agent.profile.agent);
    rec.agent.offer = null;
    if (cancel) this.outbox.push(() => this.emit('offer-cancel', rec.offer, cancel));
    this.log(rec.offer.callId, 'offer-failed', rec.offer.queue, rec.agent.profile.agent, { reason: failure });
  }

  /** A ring timed out or could not reach the agent: a miss (unless 'cancelled'), then the next agent. */
  private offerEnded(rec: OfferRec, cancel: 'timeout' | null, failure: OfferFailure): void {
    const a = rec.agent;
    this.endOffer(rec, cancel, failure);
    rec.call.tried.add(a.profile.agent);
    if (failure !== 'cancelled') a.misses++;
    if (a.misses >= this.missesToNotReady) this.change(a, 'not_ready', { reason: 'missed' });
    else this.change(a, 'ready');
    this.backToPending(rec.call);
    this.dispatch();
  }

  /** Withdraws every offer of a call that is leaving or moving; those agents are free again (no miss). */
  private withdrawOffers(call: CallRec, why: 'taken' | 'abandoned'): void {
    for (const rec of [...call.offers.values()]) {
      this.endOffer(rec, why, 'cancelled');
      this.change(rec.agent, 'ready');
    }
  }

  /** A call whose last ring ended unanswered waits unrung again, and its overflow rules are due a check. */
  private backToPending(call: CallRec): void {
    if (call.offers.size || this.calls.get(call.callId) !== call) return;
    insertInOrder(call.queue.pending, call);
    this.checkOverflow(call);
  }

  private removeCall(call: CallRec): void {
    const q = call.queue;
    this.timers.clearTimeout(call.overflowTimer);
    this.timers.clearTimeout(call.restTimer);
    call.overflowTimer = call.restTimer = null;
    this.calls.delete(call.callId);
    q.members.delete(call);
    removeFrom(q.pending, call);
    this.checkAlarms(q);
  }

  /** Moves a call that no phone rings for; overflow checks and dispatch are the caller's. */
  private moveCall(call: CallRec, to: QueueRec, reason: 'overflow' = 'overflow'): void {
    const from = call.queue;
    this.timers.clearTimeout(call.overflowTimer);
    this.timers.clearTimeout(call.restTimer);
    call.overflowTimer = call.restTimer = null;
    from.members.delete(call);
    removeFrom(from.pending, call);
    call.queue = to;
    call.enteredAtMs = this.nowMs();
    call.tried.clear();
    to.members.add(call);
    insertInOrder(to.pending, call);
    this.log(call.callId, 'requeue', to.id, null, { from: from.id, reason, priority: call.priority });
    this.checkAlarms(from);
    this.checkAlarms(to);
  }

  /** Fires the call's due overflow rules in order (a move ends the round) and sets the timer for the next. */
  private checkOverflow(call: CallRec): void {
    if (call.offers.size || this.calls.get(call.callId) !== call) return;
    const q = call.queue;
    const nowMs = this.nowMs();
    let fired = call.fired.get(q.id);
    q.def.overflow.forEach((rule, i) => {
      if (call.queue !== q || fired?.has(i)) return;
      const due =
        (rule.afterS !== undefined && nowMs - call.enteredAtMs >= rule.afterS * 1000) || (rule.waitingAtLeast !== undefined && q.members.size >= rule.waitingAtLeast);
      if (!due) return;
      if (!fired) call.fired.set(q.id, (fired = new Set()));
      fired.add(i);
      this.log(call.callId, 'overflow', q.id, null, { action: rule.action, rule: i });
      const before = this.view(call);
      if (rule.action === 'queue') this.moveCall(call, this.queue(rule.queue!));
      this.outbox.push(() => this.emit('overflow', before, rule, i));
    });
    if (call.queue !== q) {
      this.checkOverflow(call);
      return;
    }
    this.armOverflow(call);
  }

  private armOverflow(call: CallRec): void {
    this.timers.clearTimeout(call.overflowTimer);
    call.overflowTimer = null;
    const fired = call.fired.get(call.queue.id);
    let dueMs = Infinity;
    call.queue.def.overflow.forEach((rule, i) => {
      if (rule.afterS !== undefined && !fired?.has(i)) dueMs = Math.min(dueMs, call.enteredAtMs + rule.afterS * 1000);
    });
    if (dueMs === Infinity) return;
    call.overflowTimer = this.timers.setTimeout(
      () =>
        this.act(() => {
          call.overflowTimer = null;
          this.checkOverflow(call);
          this.dispatch();
        }),
      Math.max(0, dueMs - this.nowMs()),
    );
  }

  /** 待ち呼警告灯 with hysteresis: raised at raiseAt waiting, cleared at clearAt or fewer; emitted on change. */
  private checkAlarms(q: QueueRec): void {
    const { raiseAt, clearAt } = q.def.alarm;
    const n = q.members.size;
    if (q.alarm ? n <= clearAt : n >= raiseAt) {
      q.alarm = !q.alarm;
      const raised = q.alarm;
      this.outbox.push(() => this.emit('alarm', q.id, raised));
    }
    const total = this.calls.size;
    if (this.totalAlarm ? total <= this.alarmLevels.clearAt : total >= this.alarmLevels.raiseAt) {
      this.totalAlarm = !this.totalAlarm;
      const raised = this.totalAlarm;
      this.outbox.push(() => this.emit('alarm', 'total', raised));
    }
  }

  private finishWrapUp(a: AgentRec): void {
    const w = a.wrap!;
    this.timers.clearTimeout(w.timer);
    a.wrap = null;
    const nowMs = this.nowMs();
    const wrapUpMs = nowMs - w.startedMs;
    this.log(w.callId, 'wrap-up-end', w.queue, a.profile.agent, { wrapUpMs });
    this.queueMap.get(w.queue)?.handleTimes.add(w.talkMs + wrapUpMs);
    a.idleSinceMs = nowMs;
    const pending = a.pending;
    a.pending = null;
    if (pending?.state === 'logged_out') this.logOut(a);
    else if (pending) this.change(a, 'not_ready', { reason: pending.reason });
    else this.change(a, 'ready');
    this.dispatch();
  }
}

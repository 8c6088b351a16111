/**
 * One caller's time in the ACD, from queue entry to hang-up (T4-T7, T10): waiting with music, position and
 * estimated-wait announcements and the queue's overflow rules; then talking with an operator through a mixer on
 * our RTP endpoints (the caller's rtpengine call, and so its recording, stays the same throughout); hold;
 * transfers to a department inside its window, blind or after a consult call; a conference of three with an
 * interpreter; and back to the queue, ahead of others, when a transfer fails.
 */
import { Mixer } from '../../media/rtp/mixer.js';
import type { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import type { OutboundLeg } from '../../media/outbound-leg.js';
import type { FrameClock } from '../../media/rtp/frame-clock.js';
import type { CallLegsRepository } from '../../db/repositories/call-legs.js';
import type { CallbacksRepository } from '../../db/repositories/callbacks.js';
import type { Department } from '../../db/repositories/reference.js';
import type { TransfersRepository } from '../../db/repositories/transfers.js';
import type { WardCalendar } from '../calendar/ward-calendar.js';
import type { DigitInput } from '../callflow/digit-input.js';
import type { Language, LanguageChoice } from '../callflow/flow-definition.js';
import type { PromptSource } from '../callflow/inbound-call.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import type { Acd } from './acd.js';
import type { AcdLog } from './acd-log.js';
import type { CallEventDetail, CallEventKind, HungUpBy, TransferMode, TransferOutcome } from './call-event.js';
import type { OverflowRule, QueueDefinition } from './queue-definition.js';

/** The caller's side as the trunk call hands it over: answered, anchored and recorded. */
export interface CallerLeg {
  /** The calls row. */
  callId: number;
  caller: string;
  dnis: string;
  endpoint: RtpEndpoint;
  digits: DigitInput;
  /** Aborted when the caller's dialog ends, whoever ended it. */
  signal: AbortSignal;
  hangup(reason: string): Promise<void>;
}

/** Where a call is, as the operator's console shows it. */
export type CallPhase = 'waiting' | 'talking' | 'held' | 'consulting' | 'conference' | 'transferring' | 'department' | 'ended';

export interface CallInfo {
  callId: number;
  caller: string;
  dnis: string;
  queue: string;
  language: LanguageChoice;
  agent: string | null;
  /** When the current phase began (ISO). */
  since: string;
  phase: CallPhase;
}

/** A party for a transfer or conference: a department (within its window) or the interpreting service (T10). */
export type TransferTarget = { kind: 'department'; department: Department } | { kind: 'interpreter'; number: string };

export interface SessionDeps {
  acd: Acd;
  record: AcdLog;
  prompts: PromptSource;
  clock: Clock;
  frames: FrameClock;
  log: Logger;
  calendar(): Promise<WardCalendar>;
  /** Places a call over the trunk; rejects with the SIP failure (or 487 when `signal` aborts). */
  dial(number: string, opts: { signal: AbortSignal; from: string; kind: 'department' | 'interpreter' }): Promise<OutboundLeg>;
  transfers: Pick<TransfersRepository, 'record'>;
  callbacks: Pick<CallbacksRepository, 'create'>;
  legs: Pick<CallLegsRepository, 'start' | 'answered' | 'end'>;
  /** How long a department's phone may ring. */
  departmentRingS: number;
  queueDefinition(queue: string): QueueDefinition | undefined;
}

/** A command from the operator that cannot be carried out; `status` is the HTTP status the API answers with. */
export class SessionCommandError extends Error {
  override name = 'SessionCommandError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface Party {
  leg: OutboundLeg;
  /** Its call_legs row, being written while the call goes on. */
  legRow: Promise<number> | number;
}

export class CallerSession {
  phase: CallPhase = 'waiting';
  queue: string;
  /** The operator on the call now, and the one who answered first (the recording's agent). */
  agent: string | null = null;
  firstAgent: string | null = null;
  private since: Date;
  private agentParty: Party | undefined;
  private third: (Party & { target: TransferTarget; mode: TransferMode }) | undefined;
  private mixer: Mixer | undefined;
  /** Aborted when an operator answers: the waiting loop and its prompts stop. */
  private connected = new AbortController();
  /** Aborted when the caller stops hearing music on hold. */
  private holdMusic: AbortController | undefined;
  private endedBy: HungUpBy | undefined;
  private callbackId: number | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly d: SessionDeps,
    readonly caller: CallerLeg,
    private readonly entry: { queue: string; language: LanguageChoice; busyAt: number },
  ) {
    this.queue = entry.queue;
    this.since = d.clock.now();
    this.done = new Promise((resolve) => {
      if (caller.signal.aborted) resolve();
      else caller.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** The prompt language: the interpreter route hears English until the interpreter joins (T10). */
  private get lang(): Language {
    return this.entry.language === 'interpreter' ? 'en' : this.entry.language;
  }

  info(): CallInfo {
    return { callId: this.caller.callId, caller: this.caller.caller, dnis: this.caller.dnis, queue: this.queue, language: this.entry.language, agent: this.agent, since: this.since.toISOString(), phase: this.phase };
  }

  /** Waits, talks, transfers; resolves once the caller's call is over, with who ended it. */
  async run(): Promise<{ agent: string | null; endedBy: HungUpBy; callbackId: number | null }> {
    void this.waitInQueue(0, 'entry').catch((e: unknown) => this.fail(e));
    await this.done;
    this.finish();
    return { agent: this.firstAgent, endedBy: this.endedBy ?? 'caller', callbackId: this.callbackId };
  }

  // ---- waiting ----

  /** In the queue until an operator answers (connect) or the caller leaves; a failed transfer comes back here. */
  private async waitInQueue(priority: number, opening: 'entry' | 'transfer-failed'): Promise<void> {
    const { acd } = this.d;
    const callId = this.caller.callId;
    this.setPhase('waiting');
    this.connected = new AbortController();
    const ahead = acd.waiting(this.queue);
    const notices: Array<{ rule: OverflowRule }> = [];
    let wake = new AbortController();
    const onOverflow = (call: { callId: number; queue: string }, rule: OverflowRule) => {
      if (call.callId !== callId) return;
      this.queue = call.queue;
      if (rule.action === 'queue') return;
      notices.push({ rule });
      wake.abort();
    };
    acd.on('overflow', onOverflow);
    let callbackOffered = false;
    const onDigit = (digit: string) => {
      if (callbackOffered && digit === '1') {
        callbackOffered = false;
        void this.takeCallback().catch((e: unknown) => this.fail(e));
      }
    };
    this.caller.digits.on('digit', onDigit);
    try {
      acd.enqueue({ callId, queue: this.queue, language: this.entry.language, priority });
      const first: () => Promise<Int16Array> =
        opening === 'transfer-failed'
          ? () => this.d.prompts.audio('transfer-failed', this.lang)
          : ahead >= this.entry.busyAt
            ? () => this.d.prompts.audio('busy', this.lang, { ahead })
            : () => this.d.prompts.audio('hold', this.lang);
      await this.say(first);
      const music = await this.d.prompts.audio('queue-music', this.lang);
      while (this.waiting()) {
        const notice = notices.shift();
        if (notice?.rule.action === 'busy') {
          await this.say(() => this.d.prompts.audio('busy', this.lang, { ahead: acd.position(callId)?.ahead ?? 0 }));
          continue;
        }
        if (notice?.rule.action === 'callback') {
          // A withheld number cannot be called back: the caller simply waits on.
          if (this.caller.caller) {
            callbackOffered = true;
            await this.say(() => this.d.prompts.audio('callback-offer', this.lang));
          }
          continue;
        }
        const every = this.d.queueDefinition(this.queue)?.announceEveryS ?? 0;
        wake = new AbortController();
        const round = [this.caller.signal, this.connected.signal, wake.signal, ...(every > 0 ? [AbortSignal.timeout(every * 1000)] : [])];
        await this.caller.endpoint.play(music, { signal: AbortSignal.any(round), loop: true });
        if (!this.waiting() || wake.signal.aborted) continue;
        const position = acd.position(callId);
        if (!position) continue;
        await this.say(() => this.d.prompts.audio('hold-position', this.lang, { ahead: position.ahead }));
        const def = this.d.queueDefinition(this.queue);
        if (def?.announceEstimate && position.estimatedWaitS !== null) {
          // Said only when known: no invented figure when there is no recent call to estimate from.
          const minutes = Math.max(1, Math.ceil(position.estimatedWaitS / 60));
          await this.say(() => this.d.prompts.audio('hold-estimate', this.lang, { minutes }));
        }
      }
    } finally {
      acd.off('overflow', onOverflow);
      this.caller.digits.off('digit', onDigit);
    }
  }

  private waiting(): boolean {
    return this.phase === 'waiting' && !this.caller.signal.aborted && !this.connected.signal.aborted;
  }

  /** Plays a prompt to a waiting caller; cut short when the caller leaves or an operator answers. */
  private async say(prompt: () => Promise<Int16Array>): Promise<void> {
    if (!this.waiting()) return;
    const audio = await prompt();
    await this.caller.endpoint.play(audio, { signal: AbortSignal.any([this.caller.signal, this.connected.signal]) });
  }

  /** 折り返し (overflow rule): the caller pressed 1; the centre calls back the number the call came from. */
  private async takeCallback(): Promise<void> {
    if (!this.waiting()) return;
    const { acd, clock } = this.d;
    acd.leave(this.caller.callId);
    this.setPhase('transferring');
    const callbackId = (this.callbackId = await this.d.callbacks.create({
      callId: this.caller.callId,
      departmentId: null,
      callerName: '',
      number: this.caller.caller,
      topic: `待ち呼からの折り返し希望（${this.queue}）`,
      language: this.entry.language,
      preferredTime: '',
      createdBy: 'ivr',
      at: clock.now(),
    }));
    this.event('callback', { callbackId });
    await this.caller.endpoint.play(await this.d.prompts.audio('callback-queued', this.lang), { signal: this.caller.signal });
    this.endedBy = 'system';
    await this.caller.hangup('callback requested');
  }

  // ---- with an operator ----

  /** An operator answered the ACD's offer (the Acd said the call is theirs): caller and operator are bridged. */
  connect(agent: string, leg: OutboundLeg, legRow: Promise<number>): void {
    this.connected.abort();
    this.caller.endpoint.stopPlayback();
    this.agent = agent;
    this.firstAgent ??= agent;
    this.agentParty = { leg, legRow };
    this.mixer ??= new Mixer({ clock: this.d.frames });
    this.mixer.add(this.caller.endpoint);
    this.mixer.add(leg.endpoint);
    this.setPhase('talking');
    leg.dialog.once('destroy', (cause) => void this.agentLeft(agent, leg, cause === 'remote' ? 'agent' : 'system').catch((e: unknown) => this.fail(e)));
  }

  /** The operator's leg ended: the call ends, or a consult in progress becomes the transfer (as a PBX does). */
  private async agentLeft(agent: string, leg: OutboundLeg, by: HungUpBy): Promise<void> {
    if (this.agentParty?.leg !== leg) return;
    await this.releaseAgent(by);
    if (this.phase === 'ended') return;
    if (this.phase === 'consulting' || this.phase === 'conference') {
      const third = this.third!;
      this.rejoinCaller();
      this.setPhase('department');
      if (third.target.kind === 'department') await this.transferred(agent, third.target.department.id, 'attended', 'connected', null);
      return;
    }
    this.endedBy ??= by;
    await this.caller.hangup(by === 'agent' ? 'operator hung up' : 'operator leg lost');
  }

  /** Takes the operator off the call: its talk ends (wrap-up starts, T6) and its leg is hung up. */
  private async releaseAgent(by: HungUpBy): Promise<void> {
    const party = this.agentParty;
    const agent = this.agent;
    if (!party || !agent) return;
    this.agentParty = undefined;
    this.agent = null;
    this.mixer?.remove(party.leg.endpoint);
    this.d.acd.talkEnded(this.caller.callId, agent, by);
    await this.d.legs.end(await party.legRow, this.d.clock.now(), 'answered', by);
    await party.leg.close();
  }

  private requireAgent(agent: string, phases: CallPhase[]): void {
    if (this.agent !== agent) throw new SessionCommandError(409, 'not-your-call', `${agent} is not on call ${this.caller.callId}`);
    if (!phases.includes(this.phase)) throw new SessionCommandError(409, 'bad-phase', `call ${this.caller.callId} is ${this.phase}, not ${phases.join(' or ')}`);
  }

  /** 保留: the caller hears queue music; the operator hears nothing. */
  hold(agent: string): CallPhase {
    this.requireAgent(agent, ['talking']);
    this.mixer!.remove(this.caller.endpoint);
    void this.playHoldMusic();
    this.setPhase('held');
    this.event('hold', {});
    return this.phase;
  }

  unhold(agent: string): CallPhase {
    this.requireAgent(agent, ['held']);
    this.rejoinCaller();
    this.setPhase('talking');
    this.event('unhold', {});
    return this.phase;
  }

  private async playHoldMusic(): Promise<void> {
    this.holdMusic?.abort();
    const stop = new AbortController();
    this.holdMusic = stop;
    const music = await this.d.prompts.audio('queue-music', this.lang);
    if (!stop.signal.aborted) await this.caller.endpoint.play(music, { signal: AbortSignal.any([stop.signal, this.caller.signal]), loop: true });
  }

  /** The caller comes off hold music back into the conversation (the mixer). */
  private rejoinCaller(): void {
    this.stopHoldMusic();
    this.mixer!.add(this.caller.endpoint);
  }

  private stopHoldMusic(): void {
    this.holdMusic?.abort();
    this.holdMusic = undefined;
    this.caller.endpoint.stopPlayback();
  }

  /**
   * 転送 (T7). Blind: the operator is free at once and the caller is put through; when the department does not
   * answer the caller hears so and waits again, first in line. Attended: a consult call, the caller on hold, to be
   * completed, joined into a conference or cancelled. A department outside its window is refused before anything
   * is dialled, with its number and next window for the operator to give (SessionCommandError 409).
   */
  async transfer(agent: string, target: TransferTarget, mode: 'blind' | 'attended'): Promise<{ outcome: 'connected' | 'consulting' }> {
    await this.checkTransfer(agent, target, mode);
    if (mode === 'attended') {
      await this.consult(agent, target);
      return { outcome: 'consulting' };
    }
    this.stopHoldMusic();
    await this.releaseAgent('agent');
    this.setPhase('transferring');
    // 「担当部署におつなぎします」, then music while the department's phone rings; its answer cuts both short.
    const announce = new AbortController();
    void this.d.prompts
      .audio('transfer', this.lang === 'ja' ? 'ja' : 'en')
      .then((audio) => this.caller.endpoint.play(audio, { signal: AbortSignal.any([this.caller.signal, announce.signal]) }))
      .then(() => {
        if (this.phase === 'transferring') void this.playHoldMusic();
      });
    let third: Party;
    try {
      third = await this.dialThird(target);
      announce.abort();
    } catch (e) {
      announce.abort();
      this.stopHoldMusic();
      const reason = (e as Error).message;
      await this.transferred(agent, targetId(target), 'blind', 'failed', reason);
      if (!this.caller.signal.aborted) void this.waitInQueue(1, 'transfer-failed').catch((err: unknown) => this.fail(err));
      throw new SessionCommandError(502, 'failed', `the department did not answer (${reason}); the caller is back in the queue`);
    }
    // T10: the department hears who is put through and in which language before the caller joins.
    const handover = await this.d.prompts.audio('transfer-handover', 'ja', { language: this.entry.language });
    const departmentGone = new AbortController();
    third.leg.dialog.once('destroy', () => departmentGone.abort());
    await third.leg.endpoint.play(handover, { signal: AbortSignal.any([this.caller.signal, departmentGone.signal]) });
    this.third = { ...third, target, mode: 'blind' };
    this.stopHoldMusic();
    this.mixer ??= new Mixer({ clock: this.d.frames });
    this.mixer.add(this.caller.endpoint);
    this.mixer.add(third.leg.endpoint);
    this.setPhase('department');
    await this.transferred(agent, targetId(target), 'blind', 'connected', null);
    return { outcome: 'connected' };
  }

  private async consult(agent: string, target: TransferTarget): Promise<void> {
    const wasHeld = this.phase === 'held';
    if (!wasHeld) {
      this.mixer!.remove(this.caller.endpoint);
      void this.playHoldMusic();
    }
    this.setPhase('consulting');
    let third: Party;
    try {
      third = await this.dialThird(target);
    } catch (e) {
      const reason = (e as Error).message;
      await this.transferred(agent, targetId(target), 'attended', 'failed', reason);
      if (this.phase === 'consulting') {
        this.rejoinCaller();
        this.setPhase('talking');
      }
      throw new SessionCommandError(502, 'failed', `no answer from the consult call (${reason}); you are back with the caller`);
    }
    if (this.phase !== 'consulting') {
      // The caller or the operator left while it rang.
      await third.leg.close();
      return;
    }
    this.third = { ...third, target, mode: 'attended' };
    this.mixer!.add(third.leg.endpoint);
  }

  /** 転送完了: the caller is put through to the consulted party and the operator leaves. */
  async complete(agent: string): Promise<CallPhase> {
    this.requireAgent(agent, ['consulting', 'conference']);
    const third = this.requireThird();
    this.rejoinCaller();
    await this.releaseAgent('agent');
    this.setPhase('department');
    if (third.target.kind === 'department') await this.transferred(agent, third.target.department.id, 'attended', 'connected', null);
    return this.phase;
  }

  /** 三者通話 (T10): caller, operator and the consulted party (an interpreter) hear each other. */
  async conference(agent: string): Promise<CallPhase> {
    this.requireAgent(agent, ['consulting']);
    const third = this.requireThird();
    this.rejoinCaller();
    this.setPhase('conference');
    await this.transferred(agent, targetId(third.target), 'conference', 'connected', null);
    return this.phase;
  }

  /** 相談取消: the consulted party is hung up and the operator is back with the caller. */
  async cancelConsult(agent: string): Promise<CallPhase> {
    this.requireAgent(agent, ['consulting', 'conference']);
    const third = this.requireThird();
    await this.dropThird('agent');
    this.rejoinCaller();
    this.setPhase('talking');
    if (third.mode === 'attended') await this.transferred(agent, targetId(third.target), 'attended', 'cancelled', 'cancelled by the operator');
    return this.phase;
  }

  private requireThird(): NonNullable<CallerSession['third']> {
    if (!this.third) throw new SessionCommandError(409, 'bad-phase', 'no consult call');
    return this.third;
  }

  /** The operator's own dialog, for the REFER's NOTIFYs. */
  agentDialog(): OutboundLeg['dialog'] | undefined {
    return this.agentParty?.leg.dialog;
  }

  /** Whether `agent` may transfer now: its call, and the department's window open (a refusal is recorded, C4). */
  async checkTransfer(agent: string, target: TransferTarget, mode: TransferMode): Promise<void> {
    this.requireAgent(agent, ['talking', 'held']);
    await this.checkWindow(agent, target, mode);
  }

  private async checkWindow(agent: string, target: TransferTarget, mode: TransferMode): Promise<void> {
    if (target.kind !== 'department') return;
    const verdict = (await this.d.calendar()).canTransfer(target.department, this.d.clock.now());
    if (verdict.ok) return;
    await this.transferred(agent, target.department.id, mode, 'refused', verdict.reason);
    const { id, name, phone } = target.department;
    throw new SessionCommandError(409, 'outside-window', verdict.reason, { department: { id, name, phone }, next: verdict.next?.toISOString() ?? null });
  }

  private async dialThird(target: TransferTarget): Promise<Party> {
    const number = target.kind === 'department' ? target.department.phone : target.number;
    const kind = target.kind;
    const ring = AbortSignal.timeout(this.d.departmentRingS * 1000);
    const from = `<sip:${this.caller.caller || 'anonymous'}@${this.caller.endpoint.address}>`;
    const started = this.d.clock.now();
    let leg: OutboundLeg;
    try {
      leg = await this.d.dial(number, { signal: AbortSignal.any([this.caller.signal, ring]), from, kind });
    } catch (e) {
      const row = await this.d.legs.start({ callId: this.caller.callId, kind, party: number, sipCallId: null, startedAt: started });
      await this.d.legs.end(row, this.d.clock.now(), ring.aborted ? 'no-answer' : 'failed', 'system');
      throw e;
    }
    const legRow = await this.d.legs.start({ callId: this.caller.callId, kind, party: number, sipCallId: leg.callId, startedAt: started });
    await this.d.legs.answered(legRow, this.d.clock.now());
    if (this.caller.signal.aborted) {
      await leg.close();
      await this.d.legs.end(legRow, this.d.clock.now(), 'answered', 'caller');
      throw new Error('the caller hung up');
    }
    leg.dialog.once('destroy', (cause) => void this.thirdLeft(leg, cause === 'remote' ? 'department' : 'system').catch((e: unknown) => this.fail(e)));
    return { leg, legRow };
  }

  /** The department or interpreter hung up: after a transfer the call is over; during a consult the operator has the caller again. */
  private async thirdLeft(leg: OutboundLeg, by: HungUpBy): Promise<void> {
    if (this.third?.leg !== leg) return;
    await this.dropThird(by);
    if (this.phase === 'ended') return;
    if (this.phase === 'department') {
      this.endedBy ??= by;
      await this.caller.hangup('department hung up');
      return;
    }
    if (this.phase === 'consulting' || this.phase === 'conference') {
      this.rejoinCaller();
      this.setPhase('talking');
    }
  }

  private async dropThird(by: HungUpBy): Promise<void> {
    const third = this.third;
    if (!third) return;
    this.third = undefined;
    this.mixer?.remove(third.leg.endpoint);
    await this.d.legs.end(await third.legRow, this.d.clock.now(), 'answered', by);
    await third.leg.close();
  }

  /** C4: every transfer attempt with its department and outcome, as a row and as a call event. */
  private async transferred(agent: string, departmentId: string, mode: TransferMode, outcome: TransferOutcome, reason: string | null): Promise<void> {
    await this.d.transfers.record({ callId: this.caller.callId, at: this.d.clock.now(), agent, departmentId, mode, outcome, reason });
    this.event('transfer', { department: departmentId, mode, outcome, ...(reason ? { reason } : {}) }, agent);
  }

  // ---- the end ----

  /** The caller's dialog is gone: everything still up is hung up, a caller still waiting is counted abandoned. */
  private finish(): void {
    if (this.phase === 'ended') return;
    const wasWaiting = this.phase === 'waiting';
    this.phase = 'ended';
    this.connected.abort();
    this.holdMusic?.abort();
    const by = this.endedBy ?? 'caller';
    this.endedBy = by;
    if (wasWaiting) this.d.acd.abandon(this.caller.callId);
    void this.releaseAgent(by).catch((e: unknown) => this.fail(e));
    void this.dropThird(by).catch((e: unknown) => this.fail(e));
    this.mixer?.close();
    this.event('hangup', { by });
  }

  private setPhase(phase: CallPhase): void {
    if (this.phase === 'ended') return;
    this.phase = phase;
    this.since = this.d.clock.now();
  }

  private event<K extends CallEventKind>(kind: K, detail: CallEventDetail[K], agent: string | null = this.agent): void {
    this.d.record.event({ at: this.d.clock.now(), callId: this.caller.callId, kind, queue: this.queue, agent, detail });
  }

  private fail(e: unknown): void {
    this.d.log.error('acd call failed', { callId: this.caller.callId, phase: this.phase, error: e instanceof Error ? e.message : String(e) });
    if (!this.caller.signal.aborted) {
      this.endedBy ??= 'system';
      void this.caller.hangup('acd failure');
    }
  }
}

function targetId(target: TransferTarget): string {
  return target.kind === 'department' ? target.department.id : 'interpreter';
}

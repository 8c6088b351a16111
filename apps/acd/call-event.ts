/**
 * The call event log (T5, §16): what happened to each call in the ACD, in order, stored as it happens
 * (db/repositories/call-events.ts). Live figures and the SLA formulas are computed from these rows, so they
 * survive a restart and can be recounted from the CDRs.
 */
export type HungUpBy = 'caller' | 'agent' | 'department' | 'system';
export type OfferFailure = 'no-answer' | 'rejected' | 'busy' | 'unreachable' | 'cancelled';
export type TransferMode = 'blind' | 'attended' | 'conference';
export type TransferOutcome = 'connected' | 'refused' | 'failed' | 'cancelled';

/** Detail per kind; `queue` and `agent` of the row are set where the kind names them. */
export interface CallEventDetail {
  /** The call reached the IVR in open hours (counts as 着信 for §16) or outside them. */
  arrive: { dnis: string; open: boolean };
  /** Joined a queue; priority > 0 after a failed transfer. */
  enqueue: { priority: number };
  /** An operator's phone was rung. */
  offer: Record<string, never>;
  'offer-failed': { reason: OfferFailure };
  /** An operator answered; waitMs is from queue entry (the caller's own menu time is not waiting). */
  answer: { waitMs: number };
  hold: Record<string, never>;
  unhold: Record<string, never>;
  transfer: { department: string; mode: TransferMode; outcome: TransferOutcome; reason?: string };
  /** Moved by an overflow rule, or back to a queue after a failed transfer. */
  requeue: { from: string; reason: 'overflow' | 'transfer-failed' | 'operator'; priority: number };
  /** An overflow rule fired: the busy message, the callback offer, or a move (followed by requeue). */
  overflow: { action: 'busy' | 'callback' | 'queue'; rule: number };
  callback: { callbackId: number };
  /** The caller hung up before any operator answered; waitMs is the time spent in the queue. */
  abandon: { waitMs: number };
  /** The talk with the operator ended (the operator's wrap-up starts). */
  'talk-end': { talkMs: number };
  'wrap-up-end': { wrapUpMs: number };
  hangup: { by: HungUpBy };
}

export type CallEventKind = keyof CallEventDetail;

export interface CallEvent<K extends CallEventKind = CallEventKind> {
  at: Date;
  callId: number;
  kind: K;
  queue: string | null;
  agent: string | null;
  detail: CallEventDetail[K];
}

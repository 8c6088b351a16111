/**
 * Operator states (T6, §9(1)①(エ)): 通話中, 待機中, 後処理中 and the rest. An operator is rung only while
 * ready; talking ends in after-call work (wrap-up) for the queue's seconds unless ended early; not ready
 * always carries a reason.
 */
export const AGENT_STATES = ['logged_out', 'ready', 'ringing', 'talking', 'wrap_up', 'not_ready'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const NOT_READY_REASONS = ['break', 'training', 'meeting', 'missed', 'other'] as const;
/** Why an operator is not ready: 休憩, 研修, 会議, 不在着信 (set by the ACD after missed offers), その他. */
export type NotReadyReason = (typeof NOT_READY_REASONS)[number];

export const AGENT_STATE_LABELS: Record<AgentState, string> = {
  logged_out: 'ログアウト',
  ready: '受付可',
  ringing: '呼出中',
  talking: '通話中',
  wrap_up: '後処理中',
  not_ready: '離席',
};

export const NOT_READY_LABELS: Record<NotReadyReason, string> = {
  break: '休憩',
  training: '研修',
  meeting: '会議',
  missed: '不在着信',
  other: 'その他',
};

/** Where an operator is rung: the softphone registered under its SIP user, or an outside number over the trunk. */
export type AgentContact = { kind: 'softphone' } | { kind: 'external'; number: string };

/** One operator's state as the ACD holds it and publishes it. */
export interface AgentStatus {
  agent: string;
  state: AgentState;
  reason: NotReadyReason | null;
  /** When the current state began (ISO). */
  since: string;
  /** The calls row the state is about (ringing, talking, wrap-up). */
  callId: number | null;
  contact: AgentContact | null;
}

export function isAgentState(s: string): s is AgentState {
  return (AGENT_STATES as readonly string[]).includes(s);
}

export function isNotReadyReason(s: string): s is NotReadyReason {
  return (NOT_READY_REASONS as readonly string[]).includes(s);
}

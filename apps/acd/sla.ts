/**
 * The telephone figures of §16 (サービスレベルに関する要件, R4) for a period, from the CDRs: the calls rows with
 * the ACD's columns, and the transfers by department (C4). Rates are fractions (0-1) and null when there is
 * nothing to divide by, so an empty day reads "no data", not 0% or 100%.
 */
import type { Db } from '../../db/connection.js';
import { CallsRepository, type Call } from '../../db/repositories/calls.js';
import { TransfersRepository, type TransferCount } from '../../db/repositories/transfers.js';
import { jstDate } from '../time/jst.js';
import { QUICK_ANSWER_MS, type QueueCounts } from './live-counts.js';

export type SlaCall = Pick<Call, 'outcome' | 'queue' | 'queuedAt' | 'agentAnsweredAt' | 'talkEndedAt' | 'wrapUpMs' | 'hungUpBy' | 'endedAt'>;

/** The §16 targets (R4) the figures are read against. */
export const SLA_TARGETS = { answerRate: 0.9, abandonRateBelow: 0.1, quickAnswerRate: 0.85, meanTalkS: 300, meanWrapUpS: 300 } as const;

export interface SlaFigures {
  /** 着信数: calls that arrived in open hours (outcome neither 'closed' nor 'rejected'); the denominator of the rates. */
  received: number;
  /** 応答数 / 応答率: 「発生した着信数に対し、オペレーター等が応答した率」. */
  answered: number;
  answerRate: number | null;
  /** 放棄数 / 放棄率: 「オペレーター等が応答する前に切られた率」: no operator answered and the caller hung up (in the menu too). */
  abandoned: number;
  abandonRate: number | null;
  /** 即応数 / 即応率: 「15秒以内にオペレーターが応答した率」, measured from queue entry, over all 着信. */
  answeredWithin15s: number;
  quickAnswerRate: number | null;
  /** 平均通話時間: 「1 応答あたりの通話時間」, operator answer to end of talk, mean in seconds. */
  meanTalkS: number | null;
  /** 平均後処理時間: 「通話終了後 1 応答あたりの記録等の処理に要した時間」, mean wrap-up in seconds. */
  meanWrapUpS: number | null;
  /** 転送 by department, mode and outcome (C4). */
  transfers: TransferCount[];
}

const ms = (iso: string) => new Date(iso).getTime();
const ratio = (n: number, d: number) => (d ? n / d : null);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

const isReceived = (c: SlaCall) => c.outcome !== 'closed' && c.outcome !== 'rejected';
const isQuick = (c: SlaCall) => c.queuedAt !== null && c.agentAnsweredAt !== null && ms(c.agentAnsweredAt) - ms(c.queuedAt) <= QUICK_ANSWER_MS;
const isAbandoned = (c: SlaCall) => c.agentAnsweredAt === null && c.hungUpBy === 'caller';

export function slaFigures(calls: SlaCall[], transfers: TransferCount[] = []): SlaFigures {
  const received = calls.filter(isReceived);
  const answered = received.filter((c) => c.agentAnsweredAt !== null);
  const abandoned = received.filter(isAbandoned).length;
  const quick = received.filter(isQuick).length;
  const talks = answered.filter((c) => c.talkEndedAt !== null).map((c) => (ms(c.talkEndedAt!) - ms(c.agentAnsweredAt!)) / 1000);
  const wrapUps = answered.filter((c) => c.wrapUpMs !== null).map((c) => c.wrapUpMs! / 1000);
  return {
    received: received.length,
    answered: answered.length,
    answerRate: ratio(answered.length, received.length),
    abandoned,
    abandonRate: ratio(abandoned, received.length),
    answeredWithin15s: quick,
    quickAnswerRate: ratio(quick, received.length),
    meanTalkS: round1(mean(talks)),
    meanWrapUpS: round1(mean(wrapUps)),
    transfers,
  };
}

/** The §16 figures of the calls that started in [from, to), with the transfers of that period. */
export async function slaBetween(db: Db, from: Date, to: Date): Promise<SlaFigures> {
  return slaFigures(await new CallsRepository(db).between(from, to), await new TransfersRepository(db).countsByDepartment(from, to));
}

export type CdrCounts = Pick<QueueCounts, 'offered' | 'answered' | 'answeredWithin15s' | 'abandoned'>;

/**
 * Today's queue counts made from the calls rows alone, independently of the event log, to check the live
 * figures against (apps/acd/live-counts.ts): offered on the JST day of queue entry, answered on the day of the
 * operator's answer, abandoned (queued, never answered, the caller hung up) on the day the call ended. Each
 * call is counted in the queue it first entered (calls.queue), so a call moved to another queue is counted
 * where it started; the total is the same either way.
 */
export function countFromCdrs(calls: SlaCall[], day: string): Record<string, CdrCounts> {
  const out: Record<string, CdrCounts> = { total: { offered: 0, answered: 0, answeredWithin15s: 0, abandoned: 0 } };
  const bump = (queue: string, k: keyof CdrCounts) => {
    out[queue] ??= { offered: 0, answered: 0, answeredWithin15s: 0, abandoned: 0 };
    out[queue][k]++;
    out.total![k]++;
  };
  for (const c of calls) {
    if (c.queue === null || c.queuedAt === null) continue;
    if (jstDate(new Date(c.queuedAt)) === day) bump(c.queue, 'offered');
    if (c.agentAnsweredAt !== null && jstDate(new Date(c.agentAnsweredAt)) === day) {
      bump(c.queue, 'answered');
      if (isQuick(c)) bump(c.queue, 'answeredWithin15s');
    }
    if (isAbandoned(c) && c.endedAt !== null && jstDate(new Date(c.endedAt)) === day) bump(c.queue, 'abandoned');
  }
  return out;
}

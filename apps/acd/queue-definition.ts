/**
 * A queue (待ち行列) as data (T5, T11): who may take its calls, how they are offered, what waiting callers
 * hear and where they go when it is long. Versioned in `acd_queues` (db/repositories/acd-queues.ts), checked
 * here before it is saved or used, in the manner of app_queue's queues.conf and mod_callcenter's queues.
 */
import { z } from 'zod';
import { firstIssue } from '../first-issue.js';

/**
 * How the next call is offered (app_queue's strategies): the operator idle longest (default), every ready
 * operator at once, the next in turn, the one with the fewest calls today, or the most skilled first.
 */
export const STRATEGIES = ['longest-idle', 'ring-all', 'round-robin', 'fewest-calls', 'top-down'] as const;
export type Strategy = (typeof STRATEGIES)[number];

const queueId = z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -');

export const overflowRule = z
  .strictObject({
    /** Fires once the caller has waited this long in this queue… */
    afterS: z.number().int().min(1).max(7200).optional(),
    /** …or once this many callers wait (the caller included). */
    waitingAtLeast: z.number().int().min(1).max(10_000).optional(),
    /** busy: the busy message with the count (T4); callback: offer a callback on key 1; queue: move to `queue`. */
    action: z.enum(['busy', 'callback', 'queue']),
    queue: queueId.optional(),
  })
  .refine((r) => r.afterS !== undefined || r.waitingAtLeast !== undefined, 'afterS or waitingAtLeast is needed')
  .refine((r) => (r.action === 'queue') === (r.queue !== undefined), 'queue is given exactly when action is queue');

export const queueDefinition = z
  .strictObject({
    format: z.literal(1),
    name: z.string().min(1).max(60),
    nameEn: z.string().min(1).max(60),
    /** The skill an operator needs for this queue (a language: ja, en, zh, ko; or a purpose: events, election). */
    skill: z.string().regex(/^[a-z0-9-]+$/),
    /** The lowest level of that skill (1-5) that may take the queue's calls. */
    minLevel: z.number().int().min(1).max(5).default(1),
    strategy: z.enum(STRATEGIES).default('longest-idle'),
    /** Seconds an operator's phone rings before the call is offered to the next. */
    ringTimeoutS: z.number().int().min(5).max(120).default(15),
    /** 後処理: seconds of after-call work following each call, ended early by the operator (T6). */
    wrapUpS: z.number().int().min(0).max(1800).default(30),
    /** Every this many seconds a waiting caller hears its position, and the estimated wait when known; 0 for never. */
    announceEveryS: z.number().int().min(0).max(3600).default(60),
    announceEstimate: z.boolean().default(true),
    /** Checked in order while a caller waits; each rule fires at most once per caller. */
    overflow: z.array(overflowRule).max(10).default([]),
    /** 待ち呼警告灯 (T5): raised when this many wait, cleared when the count falls to `clearAt` or below. */
    alarm: z
      .strictObject({ raiseAt: z.number().int().min(1).max(10_000), clearAt: z.number().int().min(0).max(10_000) })
      .refine((a) => a.clearAt < a.raiseAt, 'clearAt must be below raiseAt')
      .default({ raiseAt: 5, clearAt: 2 }),
  });

export type QueueDefinition = z.infer<typeof queueDefinition>;
export type OverflowRule = z.infer<typeof overflowRule>;

export class QueueDefinitionError extends Error {
  override name = 'QueueDefinitionError';
}

/** The definition with defaults filled in, or a QueueDefinitionError naming the first wrong key. */
export function parseQueue(input: unknown): QueueDefinition {
  const r = queueDefinition.safeParse(input);
  if (r.success) return r.data;
  throw new QueueDefinitionError(firstIssue(r.error));
}

/**
 * A call flow as data (T1): what a call to one dialled number hears and where it goes. Versioned in the
 * database (db/repositories/call-flows.ts) and checked here before it is saved or used; hours come from the
 * ward's calendar (T2, T3), not from the flow, so every number follows the same calendar.
 */
import { z } from 'zod';
import { firstIssue } from '../first-issue.js';

/** Languages the centre's own prompts speak (T10); any other goes to the interpreting route. */
export const LANGUAGES = ['ja', 'en', 'zh', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];
export type LanguageChoice = Language | 'interpreter';

const choice = z.union([z.enum(LANGUAGES), z.literal('interpreter')]);

export const flowDefinition = z.strictObject({
  /** The definition's format; a new format is a new literal here and a migration of stored flows. */
  format: z.literal(1),
  /** The ACD queue the call joins after the menu (apps/acd/queue-definition.ts); what waiting callers hear is the queue's. */
  queue: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -'),
  /** 言語選択: a key per choice; null greets in Japanese and queues at once. */
  languageMenu: z
    .strictObject({
      options: z
        .record(z.string().regex(/^[0-9*#]$/, 'one key: 0-9, * or #'), choice)
        .refine((o) => Object.keys(o).length > 0, 'at least one option'),
      /** Seconds to wait for a key after the menu; then the menu is repeated, and Japanese is assumed in the end. */
      timeoutS: z.number().int().min(1).max(30),
      attempts: z.number().int().min(1).max(5),
    })
    .nullable(),
  /** The queue per language chosen at the menu (T10), instead of `queue`; a choice not listed goes to `queue`. */
  languageQueues: z.partialRecord(choice, z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -')).default({}),
  /** T4: from this many callers ahead, the caller hears that it is busy and how many wait. */
  busyAt: z.number().int().min(1).max(10_000),
});

export type FlowDefinition = z.infer<typeof flowDefinition>;

export class FlowDefinitionError extends Error {
  override name = 'FlowDefinitionError';
}

/** The definition, or a FlowDefinitionError naming the first wrong key. */
export function parseFlow(input: unknown): FlowDefinition {
  const r = flowDefinition.safeParse(input);
  if (r.success) return r.data;
  throw new FlowDefinitionError(firstIssue(r.error));
}

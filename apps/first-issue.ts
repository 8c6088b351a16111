/** The house form of a refusal that names the key: the first problem zod found, as `key.path: message`. */
import type { z } from 'zod';

export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`;
}

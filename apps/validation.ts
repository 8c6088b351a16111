/** What every change from a person carries: who made it (for the audit log), and how a bad value is refused. */

/** A bad value from a person: `field` names the form field or CLI option, `message` is for them. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who does the change, for the audit log. */
export interface Actor {
  id: number | null;
  name: string;
  ip?: string | null;
}

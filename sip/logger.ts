/** What the SIP stack needs of a logger (the appliance's JSON-lines logger fits); silent when not given. */
export interface SipLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const nothing = (): void => undefined;
export const SILENT: SipLogger = { debug: nothing, info: nothing, warn: nothing, error: nothing };

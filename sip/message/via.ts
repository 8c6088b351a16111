/** Via (RFC 3261 §20.42, §18.2.1) with the rport extension (RFC 3581). */
import { parseHostPort } from './uri.js';
import { formatParams, isToken, parseParams, SipSyntaxError, type Params } from './syntax.js';

/** RFC 3261 §8.1.1.7: branches starting with this cookie are unique per transaction. */
export const MAGIC_COOKIE = 'z9hG4bK';

export interface Via {
  /** Upper-cased, e.g. UDP, TCP, TLS, WS; unknown transports are kept (RFC 4475 transports). */
  transport: string;
  host: string;
  port?: number;
  params: Params;
}

// LWS is allowed around each "/" (RFC 4475 wsinv: "SIP  /   2.0 / TCP").
const SENT_PROTOCOL = /^SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+/i;

export function parseVia(value: string): Via {
  const text = value.trim();
  const m = SENT_PROTOCOL.exec(text);
  if (!m) throw new SipSyntaxError(`bad Via: ${JSON.stringify(text.slice(0, 60))}`);
  const rest = text.slice(m[0].length);
  const semi = rest.indexOf(';');
  const sentBy = (semi < 0 ? rest : rest.slice(0, semi)).replace(/[ \t]+/g, '');
  const { host, port } = parseHostPort(sentBy);
  const params = parseParams(semi < 0 ? '' : rest.slice(semi));
  const branch = params.get('branch');
  if (branch !== undefined && (branch === null || !isToken(branch))) throw new SipSyntaxError('bad Via branch');
  const via: Via = { transport: m[1]!.toUpperCase(), host, params };
  if (port !== undefined) via.port = port;
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port !== undefined ? `:${via.port}` : '';
  return `SIP/2.0/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

export function branchOf(via: Via): string | undefined {
  return via.params.get('branch') ?? undefined;
}

/**
 * SIP requests and responses (RFC 3261 §7). Headers are kept as written; the accessors parse the fields
 * the stack needs on demand. `serialize` always writes a Content-Length that matches the body.
 */
import { Headers } from './headers.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { SipSyntaxError } from './syntax.js';
import { parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

export const EMPTY = Buffer.alloc(0);

export interface CSeq {
  seq: number;
  method: string;
}

abstract class SipMessageBase {
  constructor(
    public headers: Headers,
    public body: Buffer,
  ) {}

  get callId(): string {
    return required(this.headers.get('call-id'), 'Call-ID').trim();
  }

  get cseq(): CSeq {
    return parseCSeq(required(this.headers.get('cseq'), 'CSeq'));
  }

  get from(): NameAddr {
    return parseNameAddr(required(this.headers.get('from'), 'From'));
  }

  get to(): NameAddr {
    return parseNameAddr(required(this.headers.get('to'), 'To'));
  }

  get fromTag(): string | undefined {
    return this.from.params.get('tag') ?? undefined;
  }

  get toTag(): string | undefined {
    return this.to.params.get('tag') ?? undefined;
  }

  get vias(): Via[] {
    return this.headers.values('via').map(parseVia);
  }

  get topVia(): Via {
    const first = this.headers.values('via')[0];
    return parseVia(required(first, 'Via'));
  }

  get contacts(): NameAddr[] {
    return this.headers.values('contact').filter((v) => v !== '*').map(parseNameAddr);
  }

  get contentType(): string | undefined {
    return this.headers.get('content-type')?.split(';')[0]!.trim().toLowerCase();
  }

  /** The body as text (SDP, sipfrag), decoded as UTF-8. */
  get text(): string {
    return this.body.toString('utf8');
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request';
  version = 'SIP/2.0';

  constructor(
    public method: string,
    /** The Request-URI as written. */
    public uri: string,
    headers: Headers = new Headers(),
    body: Buffer = EMPTY,
  ) {
    super(headers, body);
  }

  get requestUri(): Uri {
    return parseUri(this.uri);
  }

  get maxForwards(): number | undefined {
    const v = this.headers.get('max-forwards');
    return v === undefined ? undefined : Number(v.trim());
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response';
  version = 'SIP/2.0';
  /** Made by this stack for a timeout or transport failure (§8.1.3.1), not received from the peer. */
  local = false;

  constructor(
    public status: number,
    public reason: string,
    headers: Headers = new Headers(),
    body: Buffer = EMPTY,
  ) {
    super(headers, body);
  }
}

export type SipMessage = SipRequest | SipResponse;

export function parseCSeq(value: string): CSeq {
  const m = /^[ \t]*([0-9]{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*$/.exec(value);
  // §8.1.1.5: the sequence number is 32-bit and less than 2**31.
  if (!m || Number(m[1]) >= 2 ** 31) throw new SipSyntaxError(`bad CSeq: ${JSON.stringify(value)}`);
  return { seq: Number(m[1]), method: m[2]! };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new SipSyntaxError(`missing ${name}`);
  return value;
}

export function serialize(msg: SipMessage): Buffer {
  let head = msg.kind === 'request' ? `${msg.method} ${msg.uri} ${msg.version}\r\n` : `${msg.version} ${msg.status} ${msg.reason}\r\n`;
  for (const f of msg.headers.fields) if (f.key !== 'content-length') head += `${f.name}: ${f.value}\r\n`;
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (!msg.body.length) return Buffer.from(head, 'utf8');
  const headBuf = Buffer.from(head, 'utf8');
  return Buffer.concat([headBuf, msg.body], headBuf.length + msg.body.length);
}

export const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  420: 'Bad Extension', 422: 'Session Interval Too Small', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 491: 'Request Pending', 500: 'Server Internal Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out', 505: 'Version Not Supported',
  513: 'Message Too Large', 600: 'Busy Everywhere', 603: 'Decline',
};

/** Building a response to a request (RFC 3261 §8.2.6.2): Via, From, To, Call-ID and CSeq copied. */
import { Headers } from './headers.js';
import { REASONS, SipResponse, type SipRequest } from './message.js';
import { parseNameAddr } from './name-addr.js';

export interface ResponseOptions {
  reason?: string;
  /** Added to To when the request's To has no tag; the same tag must go on every response of a request. */
  toTag?: string;
  headers?: Array<[string, string | number]>;
  body?: Buffer;
  contentType?: string;
}

export function createResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  return responseFromHeaders(req.headers, status, opts);
}

/** Also used for a request that did not parse whole: only its header lines are known. */
export function responseFromHeaders(from: Headers, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers = new Headers();
  for (const f of from.fields) if (f.key === 'via') headers.fields.push({ ...f });
  for (const key of ['from', 'to', 'call-id', 'cseq']) {
    const value = from.get(key);
    if (value !== undefined) headers.append(key, value);
  }
  if (opts.toTag && status > 100) {
    const to = headers.get('to');
    if (to !== undefined && !hasTag(to)) headers.set('to', `${to};tag=${opts.toTag}`);
  }
  for (const [n, v] of opts.headers ?? []) headers.append(n, String(v));
  if (opts.body?.length) headers.set('content-type', opts.contentType ?? 'application/sdp');
  return new SipResponse(status, opts.reason ?? REASONS[status] ?? 'Unknown', headers, opts.body);
}

/**
 * Whether a To value has a tag: a header parameter (§20.39), not a `tag` URI parameter inside <>. A To
 * that does not parse (a request answered 400) is judged by its text.
 */
function hasTag(to: string): boolean {
  try {
    return parseNameAddr(to).params.has('tag');
  } catch {
    return /;[ \t]*tag[ \t]*=/i.test(to);
  }
}

/**
 * Parses one SIP message from its bytes (a UDP datagram, or one frame cut by `StreamFramer`), checking
 * everything a request must have before any layer sees it (RFC 3261 §7, §8.2, §25; RFC 4475). A request
 * that fails carries what is needed to answer it (`SipParseError.partial`); a bad response is dropped
 * (§18.1.2 gives it nowhere to go).
 */
import { Headers, headerKey, displayName } from './headers.js';
import { EMPTY, parseCSeq, SipRequest, SipResponse, type SipMessage } from './message.js';
import { parseNameAddr } from './name-addr.js';
import { KNOWN_METHODS } from './methods.js';
import { isToken, SipSyntaxError } from './syntax.js';
import { parseUri } from './uri.js';
import { parseVia } from './via.js';

export class SipParseError extends Error {
  override name = 'SipParseError';
  constructor(
    message: string,
    /** The response status a request earns: 400, or 505, 416 and 501 (§8.2.2.1, §21.5.2). */
    readonly status = 400,
    /** Set when the start line was a request and the header lines could be read, so a response can be built. */
    readonly partial?: { method: string; headers: Headers },
  ) {
    super(message);
  }
}

// Header fields that must not repeat (RFC 3261 §7.3, RFC 4475 multi01).
const SINGLE = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-type', 'expires'];
const MAX_DELTA = 2 ** 32 - 1; // delta-seconds fits 32 bits (§25.1 note, RFC 4475 scalar02)

/** Where the header block ends: the index of its blank line and the length of the separator. */
export function headerEnd(data: Buffer, from = 0): { at: number; length: number } | undefined {
  const crlf = data.indexOf('\r\n\r\n', from, 'latin1');
  const lf = data.indexOf('\n\n', from, 'latin1');
  if (crlf < 0 && lf < 0) return undefined;
  if (lf >= 0 && (crlf < 0 || lf < crlf)) return { at: lf, length: 2 };
  return { at: crlf, length: 4 };
}

/**
 * `datagram`: the bytes came in one UDP datagram, where octets beyond Content-Length are discarded and a
 * missing Content-Length means "the rest" (§18.3). On streams the framer has already cut at Content-Length.
 */
export function parseMessage(data: Buffer, datagram = true): SipMessage {
  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++; // §7.5
  // A datagram without the blank line still holds its header lines: they are read so the request can be answered.
  const end = headerEnd(data, start) ?? (datagram ? { at: trimEnd(data), length: data.length - trimEnd(data) } : undefined);
  if (!end) throw new SipParseError('no blank line after the headers');
  const lines = data.toString('utf8', start, end.at).split(/\r?\n/);
  const startLine = lines[0]!;
  const isResponse = startLine.startsWith('SIP/');

  const fields = [];
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i]!;
    while (i + 1 < lines.length && (lines[i + 1]![0] === ' ' || lines[i + 1]![0] === '\t')) line += ' ' + lines[++i]!.trimStart(); // folding, §7.3.1
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).replace(/[ \t]+$/, '');
    if (!isToken(name)) throw requestError(isResponse, startLine, `bad header line: ${JSON.stringify(line.slice(0, 60))}`, fields);
    fields.push({ key: headerKey(name), name: displayName(name), value: line.slice(colon + 1).trim() });
  }
  const headers = new Headers(fields);
  const body = bodyOf(data, end.at + end.length, headers, datagram, isResponse, startLine);
  if (isResponse) return parseResponse(startLine, headers, body);

  const parts = startLine.split(' ');
  const method = parts[0] ?? '';
  const partial = isToken(method) ? { method, headers } : undefined;
  const fail = (message: string, status = 400) => new SipParseError(message, status, partial);
  if (parts.length !== 3 || !partial) throw fail(`bad request line: ${JSON.stringify(startLine.slice(0, 80))}`);
  const [, uri, version] = parts as [string, string, string];
  if (!/^SIP\/[0-9]+\.[0-9]+$/i.test(version)) throw fail(`bad SIP version: ${JSON.stringify(version)}`);
  if (version.toUpperCase() !== 'SIP/2.0') throw fail(`SIP version ${version} is not supported`, 505);
  checkCommon(headers, fail);
  let requestUri;
  try {
    requestUri = parseUri(uri);
  } catch (e) {
    throw fail(`bad Request-URI: ${(e as Error).message}`);
  }
  if (requestUri.scheme === 'other') throw fail(`URI scheme of ${uri.slice(0, 40)} is not supported`, 416);
  if (requestUri.scheme !== 'tel' && requestUri.headers !== undefined) throw fail('a Request-URI must not carry headers (§19.1.1)');
  const cseq = parseCSeq(headers.get('cseq')!);
  // §8.1.1.5: the CSeq method matches the request's; for a method we do not know, 501 says more (RFC 4475 mismatch02).
  if (cseq.method !== method) throw fail(`CSeq method ${cseq.method} does not match ${method}`, KNOWN_METHODS.has(method) ? 400 : 501);
  return new SipRequest(method, uri, headers, body);
}

function requestError(isResponse: boolean, startLine: string, message: string, fields: ConstructorParameters<typeof Headers>[0]): SipParseError {
  const method = startLine.split(' ')[0] ?? '';
  return new SipParseError(message, 400, !isResponse && isToken(method) ? { method, headers: new Headers(fields) } : undefined);
}

function bodyOf(data: Buffer, at: number, headers: Headers, datagram: boolean, isResponse: boolean, startLine: string): Buffer {
  const lengths = headers.lines('content-length');
  const fail = (m: string) => requestError(isResponse, startLine, m, headers.fields);
  if (!lengths.length) {
    if (!datagram) throw fail('Content-Length is required on a stream transport (§18.3)');
    return ownBody(data, at, data.length);
  }
  if (!lengths.every((l) => /^[0-9]{1,10}$/.test(l))) throw fail(`bad Content-Length: ${JSON.stringify(lengths.join(', '))}`);
  if (lengths.length > 1) throw fail('more than one Content-Length');
  const length = Number(lengths[0]);
  if (at + length > data.length) throw fail(`Content-Length ${length} is more than the ${data.length - at} octets of body`);
  return ownBody(data, at, at + length);
}

function parseResponse(startLine: string, headers: Headers, body: Buffer): SipResponse {
  const m = /^SIP\/2\.0 ([1-6][0-9]{2}) (.*)$/i.exec(startLine) ?? /^SIP\/2\.0 ([1-6][0-9]{2})$/i.exec(startLine);
  if (!m) throw new SipParseError(`bad status line: ${JSON.stringify(startLine.slice(0, 80))}`);
  checkCommon(headers, (message) => new SipParseError(message));
  return new SipResponse(Number(m[1]), m[2] ?? '', headers, body);
}

/** Checks shared by requests and responses: the mandatory headers parse and single ones are single. */
function checkCommon(headers: Headers, fail: (message: string) => SipParseError): void {
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) if (!headers.has(name)) throw fail(`missing ${displayName(name)}`);
  for (const key of SINGLE) if (headers.lines(key).length > 1) throw fail(`more than one ${displayName(key)}`);
  try {
    const vias = headers.values('via');
    if (!vias.length) throw new SipSyntaxError('empty Via');
    vias.forEach(parseVia);
    parseNameAddr(headers.get('from')!);
    parseNameAddr(headers.get('to')!);
    parseCSeq(headers.get('cseq')!);
    if (!headers.get('call-id')!.trim() || /\s/.test(headers.get('call-id')!.trim())) throw new SipSyntaxError('bad Call-ID');
    for (const c of headers.values('contact')) {
      if (c === '*') continue;
      const expires = parseNameAddr(c).params.get('expires');
      if (expires !== undefined && !isDelta(expires)) throw new SipSyntaxError(`bad Contact expires: ${expires}`);
    }
    for (const name of ['route', 'record-route']) headers.values(name).forEach(parseNameAddr);
    const mf = headers.get('max-forwards');
    if (mf !== undefined && !(/^[0-9]{1,10}$/.test(mf) && Number(mf) <= 255)) throw new SipSyntaxError(`bad Max-Forwards: ${mf}`);
    const expires = headers.get('expires');
    if (expires !== undefined && !isDelta(expires)) throw new SipSyntaxError(`bad Expires: ${expires}`);
  } catch (e) {
    if (e instanceof SipSyntaxError) throw fail(e.message);
    throw e;
  }
}

/**
 * The body as its own buffer: a view would keep the whole datagram alive as long as the message, which a
 * transaction holds for 32 s (Timer J) — at thousands of registrations that is most of the memory.
 */
function ownBody(data: Buffer, from: number, to: number): Buffer {
  return from >= to ? EMPTY : Buffer.from(data.subarray(from, to));
}

/** Where trailing CR/LF of a datagram begin. */
function trimEnd(data: Buffer): number {
  let at = data.length;
  while (at > 0 && (data[at - 1] === 0x0d || data[at - 1] === 0x0a)) at--;
  return at;
}

function isDelta(v: string | null): boolean {
  return v !== null && /^[0-9]{1,10}$/.test(v) && Number(v) <= MAX_DELTA;
}

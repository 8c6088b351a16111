/**
 * SIP, SIPS (RFC 3261 §19.1) and tel (RFC 3966) URIs. Other schemes are kept whole as `OtherUri`: they may
 * appear in To/From (RFC 4475 novelsc), but a Request-URI of an unknown scheme is answered 416 (§8.2.2.1).
 */
import { formatParams, parseParams, SipSyntaxError, type Params } from './syntax.js';

export interface SipUri {
  scheme: 'sip' | 'sips';
  /** As written, escapes included (RFC 3261 §19.1.4 compares unescaped, see `unescape`). */
  user?: string;
  password?: string;
  /** Lower-cased; IPv6 references keep their brackets. */
  host: string;
  port?: number;
  params: Params;
  /** The `?a=b&c=d` part, as written, without the `?`. */
  headers?: string;
}

export interface TelUri {
  scheme: 'tel';
  number: string;
  params: Params;
}

export interface OtherUri {
  scheme: 'other';
  text: string;
}

export type Uri = SipUri | TelUri | OtherUri;

// userinfo characters: unreserved, escaped and user-unreserved (RFC 3261 §25.1), plus ':' before password.
const USERINFO = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/:]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const IPV6REF = /^\[[0-9A-Fa-f:.]+\]$/;
const HEADERS = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$=&]|%[0-9A-Fa-f]{2})*$/;

export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipSyntaxError(`not a URI: ${JSON.stringify(text.slice(0, 60))}`);
  const scheme = text.slice(0, colon).toLowerCase();
  if (!/^[a-z][a-z0-9+\-.]*$/.test(scheme)) throw new SipSyntaxError(`bad URI scheme: ${JSON.stringify(scheme)}`);
  if (/[\s<>"]/.test(text)) throw new SipSyntaxError(`URI contains space, quote or angle bracket: ${JSON.stringify(text.slice(0, 60))}`);
  const rest = text.slice(colon + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest);
  if (scheme === 'tel') return parseTelUri(rest);
  return { scheme: 'other', text };
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string): SipUri {
  const uri: SipUri = { scheme, host: '', params: new Map() };
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    if (!USERINFO.test(userinfo)) throw new SipSyntaxError(`bad user part: ${JSON.stringify(userinfo)}`);
    const pw = userinfo.indexOf(':');
    uri.user = pw < 0 ? userinfo : userinfo.slice(0, pw);
    if (pw >= 0) uri.password = userinfo.slice(pw + 1);
    if (!uri.user) throw new SipSyntaxError('empty user part');
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    uri.headers = rest.slice(q + 1);
    if (!HEADERS.test(uri.headers)) throw new SipSyntaxError(`bad URI headers: ${JSON.stringify(uri.headers)}`);
    rest = rest.slice(0, q);
  }
  const semi = rest.indexOf(';');
  const hostport = semi < 0 ? rest : rest.slice(0, semi);
  if (semi >= 0) uri.params = parseParams(rest.slice(semi));
  const { host, port } = parseHostPort(hostport);
  uri.host = host;
  if (port !== undefined) uri.port = port;
  return uri;
}

function parseTelUri(rest: string): TelUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (!/^\+?[0-9A-Fa-f*#().\-]+$/.test(number)) throw new SipSyntaxError(`bad telephone number: ${JSON.stringify(number)}`);
  return { scheme: 'tel', number, params: semi < 0 ? new Map() : parseParams(rest.slice(semi)) };
}

/** `host[:port]` with IPv6 in brackets (RFC 3261 §25.1 hostport). */
export function parseHostPort(text: string): { host: string; port?: number } {
  let host = text;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new SipSyntaxError(`bad IPv6 reference: ${text}`);
    host = text.slice(0, close + 1);
    const after = text.slice(close + 1);
    if (after) {
      if (after[0] !== ':') throw new SipSyntaxError(`bad host: ${text}`);
      portText = after.slice(1);
    }
    if (!IPV6REF.test(host)) throw new SipSyntaxError(`bad IPv6 reference: ${host}`);
  } else {
    const c = text.lastIndexOf(':');
    if (c >= 0) {
      host = text.slice(0, c);
      portText = text.slice(c + 1);
    }
    if (!HOSTNAME.test(host)) throw new SipSyntaxError(`bad host: ${JSON.stringify(host)}`);
  }
  if (portText === undefined) return { host: host.toLowerCase() };
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) throw new SipSyntaxError(`bad port: ${JSON.stringify(portText)}`);
  return { host: host.toLowerCase(), port: Number(portText) };
}

export function formatUri(uri: Uri): string {
  if (uri.scheme === 'other') return uri.text;
  if (uri.scheme === 'tel') return `tel:${uri.number}${formatParams(uri.params)}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) out += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatParams(uri.params);
  if (uri.headers !== undefined) out += `?${uri.headers}`;
  return out;
}

export function isSipUri(uri: Uri): uri is SipUri {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

/** Decodes %XX escapes, as RFC 3261 §19.1.4 compares user parts. */
export function unescape(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * The address-of-record key of a SIP URI: `sip:user@host`, user unescaped, scheme sips folded to sip,
 * host lower-cased, port and parameters dropped, so a registration and a lookup meet (§10.3 step 5).
 */
export function addressOfRecord(uri: SipUri): string {
  return uri.user !== undefined ? `sip:${unescape(uri.user)}@${uri.host}` : `sip:${uri.host}`;
}

export function sipUri(parts: Partial<SipUri> & { host: string }): SipUri {
  return { scheme: 'sip', params: new Map(), ...parts };
}

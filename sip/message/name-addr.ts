/**
 * name-addr / addr-spec values of From, To, Contact, Route, Record-Route, Refer-To (RFC 3261 §20.10,
 * §25.1). Without angle brackets, parameters after the URI belong to the header, not to the URI.
 */
import { formatUri, parseUri, type Uri } from './uri.js';
import { formatParams, isToken, parseParams, quote, readQuoted, SipSyntaxError, type Params } from './syntax.js';

export interface NameAddr {
  displayName?: string;
  uri: Uri;
  /** The URI as written, kept so a relayed header is byte-for-byte what arrived. */
  uriText: string;
  params: Params;
}

export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  let displayName: string | undefined;
  let rest: string;
  if (text.startsWith('"')) {
    const q = readQuoted(text, 0);
    displayName = q.text;
    rest = text.slice(q.end).trimStart();
    if (!rest.startsWith('<')) throw new SipSyntaxError('quoted display name without <URI>');
  } else {
    const lt = text.indexOf('<');
    if (lt > 0) {
      const words = text.slice(0, lt).trim().split(/[ \t]+/);
      if (!words.every(isToken)) throw new SipSyntaxError(`display name must be quoted: ${JSON.stringify(text.slice(0, lt))}`);
      displayName = words.join(' ');
    }
    rest = lt >= 0 ? text.slice(lt) : text;
  }
  if (rest.startsWith('<')) {
    const gt = rest.indexOf('>');
    if (gt < 0) throw new SipSyntaxError('unterminated <');
    // No LWS inside the brackets (RFC 4475 badaspec): name-addr is LAQUOT addr-spec RAQUOT.
    const uriText = rest.slice(1, gt);
    const out: NameAddr = { uri: parseUri(uriText), uriText, params: parseParams(rest.slice(gt + 1)) };
    if (displayName !== undefined) out.displayName = displayName;
    return out;
  }
  // addr-spec: the URI ends at the first ';' (its own parameters cannot be told apart, §20.10).
  const semi = rest.indexOf(';');
  const uriText = (semi < 0 ? rest : rest.slice(0, semi)).trim();
  if (/[,?]/.test(uriText)) throw new SipSyntaxError(`a URI with "," or "?" must be in <>: ${uriText}`);
  return { uri: parseUri(uriText), uriText, params: parseParams(semi < 0 ? '' : rest.slice(semi)) };
}

export function formatNameAddr(na: NameAddr): string {
  const uri = na.uriText || formatUri(na.uri);
  const name = na.displayName !== undefined ? `${quote(na.displayName)} ` : '';
  return `${name}<${uri}>${formatParams(na.params)}`;
}

export function nameAddr(uri: Uri, params: Params = new Map(), displayName?: string): NameAddr {
  const out: NameAddr = { uri, uriText: formatUri(uri), params };
  if (displayName !== undefined) out.displayName = displayName;
  return out;
}

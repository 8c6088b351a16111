/**
 * An ordered header list (RFC 3261 §7.3). Names are matched case-insensitively with compact forms
 * folded to their long names; values stay as written so a relayed header is unchanged.
 */
import { splitOutside } from './syntax.js';

// RFC 3261 §7.3.3 and the extensions that define compact forms (RFC 3265, 3515, 3841, 4028, 4474).
const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type', f: 'from',
  s: 'subject', k: 'supported', t: 'to', v: 'via', o: 'event', r: 'refer-to', b: 'referred-by',
  x: 'session-expires', u: 'allow-events', y: 'identity', a: 'accept-contact', j: 'reject-contact',
  d: 'request-disposition',
};

const CANONICAL = new Map(
  [
    'Via', 'Max-Forwards', 'Route', 'Record-Route', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Expires',
    'Min-Expires', 'Allow', 'Supported', 'Require', 'Proxy-Require', 'Unsupported', 'Content-Type',
    'Content-Length', 'Content-Encoding', 'Content-Disposition', 'Accept', 'Accept-Encoding', 'Accept-Language',
    'User-Agent', 'Server', 'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate',
    'Authentication-Info', 'Retry-After', 'Reason', 'Date', 'Timestamp', 'Subject', 'Event', 'Allow-Events',
    'Subscription-State', 'Refer-To', 'Referred-By', 'Replaces', 'Session-Expires', 'Min-SE', 'Warning',
    'Organization', 'Priority', 'Call-Info', 'Alert-Info', 'Error-Info', 'In-Reply-To', 'Reply-To', 'RSeq',
    'RAck', 'Path', 'Service-Route', 'P-Asserted-Identity', 'Privacy', 'Diversion', 'History-Info',
  ].map((n) => [n.toLowerCase(), n]),
);

/** Headers whose values may be comma-joined on one line (§7.3.1); the others hold commas inside. */
const LIST_HEADERS = new Set([
  'via', 'route', 'record-route', 'contact', 'allow', 'supported', 'require', 'proxy-require', 'unsupported',
  'accept', 'accept-encoding', 'accept-language', 'content-encoding', 'allow-events', 'path', 'service-route',
  'p-asserted-identity', 'call-info', 'alert-info', 'error-info', 'in-reply-to', 'warning', 'reason',
  'history-info', 'diversion',
]);

/** A list header split at commas; one that cannot be split (an open quote) stays one value for its parser to refuse. */
function splitList(value: string): string[] {
  try {
    return splitOutside(value, ',');
  } catch {
    return [value];
  }
}

export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

export function displayName(name: string): string {
  const key = headerKey(name);
  return CANONICAL.get(key) ?? name;
}

export interface HeaderField {
  /** Lower-case long name. */
  key: string;
  /** Name to write: canonical for known headers, as received otherwise. */
  name: string;
  value: string;
}

export class Headers {
  readonly fields: HeaderField[];

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  static of(entries: Array<[string, string | number]>): Headers {
    const h = new Headers();
    for (const [n, v] of entries) h.append(n, String(v));
    return h;
  }

  /** The first line's value, as written. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.fields) if (f.key === key) return f.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every line's value, without splitting comma lists. */
  lines(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.fields) if (f.key === key) out.push(f.value);
    return out;
  }

  /** All values: lines of list headers are split at commas outside quotes and <> (§7.3.1). */
  values(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.fields) {
      if (f.key !== key) continue;
      if (!LIST_HEADERS.has(key)) out.push(f.value);
      else for (const v of splitList(f.value)) if (v.trim()) out.push(v.trim());
    }
    return out;
  }

  append(name: string, value: string): this {
    this.fields.push({ key: headerKey(name), name: displayName(name), value });
    return this;
  }

  prepend(name: string, value: string): this {
    this.fields.unshift({ key: headerKey(name), name: displayName(name), value });
    return this;
  }

  /** Replaces every line of `name` by one, at the place of the first (or at the end). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => f.key === key);
    this.remove(name);
    const field = { key, name: displayName(name), value };
    if (at < 0) this.fields.push(field);
    else this.fields.splice(at, 0, field);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    for (let i = this.fields.length - 1; i >= 0; i--) if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    return this;
  }

  /** Removes the first value of a list header (the top Via when a response goes upstream, §18.1.2). */
  shift(name: string): string | undefined {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => f.key === key);
    if (at < 0) return undefined;
    const field = this.fields[at]!;
    const parts = splitOutside(field.value, ',');
    const first = parts.shift()!.trim();
    if (parts.length) field.value = parts.join(',').trim();
    else this.fields.splice(at, 1);
    return first;
  }

  clone(): Headers {
    return new Headers(this.fields.map((f) => ({ ...f })));
  }
}

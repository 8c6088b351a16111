/**
 * The small pieces of RFC 3261 §25 grammar every header parser shares: tokens, quoted strings, and
 * splitting on a separator outside quotes and angle brackets. Errors are `SipSyntaxError`, which the
 * stack turns into 400 Bad Request.
 */

export class SipSyntaxError extends Error {
  override name = 'SipSyntaxError';
}

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

export function isWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/**
 * Splits `value` at every `sep` that is outside a quoted string and outside `<...>` (a URI may hold the
 * separator, e.g. `;` of URI parameters or `,` of escaped headers). Unbalanced quotes or brackets throw.
 */
export function splitOutside(value: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<' && !angle) angle = true;
    else if (c === '>' && angle) angle = false;
    else if (c === sep && !angle) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new SipSyntaxError('unterminated quoted string');
  if (angle) throw new SipSyntaxError('unterminated <');
  parts.push(value.slice(start));
  return parts;
}

/** Reads a quoted string starting at `value[at] === '"'`; returns the unescaped text and the index after it. */
export function readQuoted(value: string, at: number): { text: string; end: number } {
  let text = '';
  for (let i = at + 1; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      if (i + 1 >= value.length) break;
      text += value[++i];
    } else if (c === '"') return { text, end: i + 1 };
    else text += c;
  }
  throw new SipSyntaxError('unterminated quoted string');
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Parameters as `;name=value` pairs (names compared case-insensitively, kept lower-case; null for a flag). */
export type Params = Map<string, string | null>;

/**
 * Parses `;a=b;c;d="x y"` (the part after a URI or value). Whitespace around `;` and `=` is allowed
 * (LWS in SEMI and EQUAL); quoted values keep their quotes so they serialize back unchanged.
 */
export function parseParams(text: string): Params {
  const params: Params = new Map();
  const trimmed = text.trim();
  if (!trimmed) return params;
  if (trimmed[0] !== ';') throw new SipSyntaxError(`expected ";" before parameters: ${trimmed.slice(0, 40)}`);
  for (const raw of splitOutside(trimmed.slice(1), ';')) {
    const eq = raw.indexOf('=');
    const name = (eq < 0 ? raw : raw.slice(0, eq)).trim();
    if (!isToken(name)) throw new SipSyntaxError(`bad parameter name: ${JSON.stringify(name)}`);
    let value: string | null = null;
    if (eq >= 0) {
      value = raw.slice(eq + 1).trim();
      if (value.startsWith('"')) {
        const q = readQuoted(value, 0);
        if (q.end !== value.length) throw new SipSyntaxError(`text after quoted parameter ${name}`);
      } else if (!/^[^\s;"<>\\]+$/.test(value)) {
        throw new SipSyntaxError(`bad value of parameter ${name}: ${JSON.stringify(value)}`);
      }
    }
    params.set(name.toLowerCase(), value);
  }
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

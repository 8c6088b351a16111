/**
 * The value of WWW-Authenticate, Proxy-Authenticate, Authorization and Proxy-Authorization with the Digest
 * scheme (RFC 3261 §25.1 `challenge` / `credentials`): `Digest name=value, name="quoted", ...`.
 */

export class DigestSyntaxError extends Error {
  override name = 'DigestSyntaxError';
}

/** Parameter values keyed by lower-cased name; quoted values come unquoted and unescaped. */
export type DigestParams = ReadonlyMap<string, string>;

// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const isTokenChar = (c: string): boolean => TOKEN.test(c);
// Header values normally arrive unfolded (RFC 3261 §7.3.1); stray line breaks between parameters are tolerated.
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isControl = (code: number): boolean => (code < 0x20 && code !== 0x09) || code === 0x7f;

/**
 * Parses a Digest challenge or credentials. Scheme and parameter names are case-insensitive (RFC 3261 §22.4,
 * RFC 7616 §3.3); a parameter given twice is an error, since the two values could be read differently by
 * different parties.
 */
export function parseDigest(value: string): DigestParams {
  let i = 0;
  const fail = (what: string): never => {
    throw new DigestSyntaxError(`malformed Digest header at offset ${i}: ${what} in ${JSON.stringify(value)}`);
  };
  const skipSpace = (): void => {
    while (isSpace(value[i])) i++;
  };
  const token = (what: string): string => {
    const start = i;
    while (i < value.length && isTokenChar(value[i] as string)) i++;
    if (i === start) fail(`expected ${what}`);
    return value.slice(start, i);
  };
  // RFC 3261 §25.1: quoted-string with quoted-pair = "\" followed by any character but CR and LF.
  const quoted = (): string => {
    let out = '';
    for (i++; ; i++) {
      const c = value[i];
      if (c === undefined) return fail('unterminated quoted string');
      if (c === '"') break;
      if (c === '\\') {
        const next = value[++i];
        if (next === undefined || next === '\r' || next === '\n') return fail('bad escape in quoted string');
        out += next;
      } else if (isControl(c.charCodeAt(0))) {
        return fail('control character in quoted string');
      } else {
        out += c;
      }
    }
    i++;
    return out;
  };

  skipSpace();
  const scheme = token('the auth scheme');
  if (scheme.toLowerCase() !== 'digest') throw new DigestSyntaxError(`auth scheme is ${scheme}, not Digest`);
  const params = new Map<string, string>();
  if (i < value.length && !isSpace(value[i])) fail('expected a space after the scheme');
  skipSpace();
  if (i === value.length) return params;
  for (;;) {
    const name = token('a parameter name').toLowerCase();
    skipSpace();
    if (value[i] !== '=') fail(`expected "=" after ${name}`);
    i++;
    skipSpace();
    const v = value[i] === '"' ? quoted() : token(`a value for ${name}`);
    if (params.has(name)) fail(`duplicate parameter ${name}`);
    params.set(name, v);
    skipSpace();
    if (i === value.length) return params;
    if (value[i] !== ',') fail('expected ","');
    i++;
    skipSpace();
  }
}

/** Splits a quoted list parameter such as qop="auth,auth-int" (RFC 3261 §25.1 qop-options). */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Formats `Digest name=value, ...` in the given order, skipping undefined values. Names listed in `bare`
 * are written as tokens, the rest as quoted strings: RFC 3261 §25.1 fixes which is which, and the same
 * name can differ between challenge and credentials (qop is a quoted list in one, a token in the other).
 */
export function formatDigest(params: Record<string, string | undefined>, bare: readonly string[]): string {
  const parts: string[] = [];
  for (const [name, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (!TOKEN.test(name)) throw new DigestSyntaxError(`bad parameter name ${JSON.stringify(name)}`);
    if (bare.includes(name)) {
      if (!TOKEN.test(v)) throw new DigestSyntaxError(`${name} must be a token, got ${JSON.stringify(v)}`);
      parts.push(`${name}=${v}`);
    } else {
      if ([...v].some((c) => isControl(c.charCodeAt(0)))) {
        throw new DigestSyntaxError(`${name} contains a control character`);
      }
      parts.push(`${name}="${v.replace(/[\\"]/g, '\\$&')}"`);
    }
  }
  return `Digest ${parts.join(', ')}`;
}

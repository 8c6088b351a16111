/**
 * A seeded mutator of SIP messages for fuzzing the parser and the layers above it: the same corpus and
 * seed always give the same messages, so a failure found by a fuzz run can be replayed from its seed.
 */

const CRLF = Buffer.from('\r\n', 'latin1');

/** Outputs never exceed this: a UDP datagram cannot carry more than 64 KiB, and some slack shows the limit. */
export const maxMutationBytes = 70 * 1024;

/** mulberry32: small, fast, and the same sequence on every platform. Values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A well-formed message: CRLF line ends and a Content-Length that counts the body's octets. */
function sip(startLine: string, headers: string[], body = ''): Buffer {
  const length = Buffer.byteLength(body, 'utf8');
  return Buffer.from([startLine, ...headers, `Content-Length: ${length}`, '', body].join('\r\n'), 'utf8');
}

const callId = 'a84b4c76e66710@192.0.2.10';
const caller = '"Caller" <sip:0312345678@trunk.example.net>;tag=1928301774';
const centre = '<sip:0120123456@pbx.example.com>';
const sdp = (address: string, port: number) =>
  [
    'v=0',
    `o=- 2890844526 2890844526 IN IP4 ${address}`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=sendrecv',
    '',
  ].join('\r\n');

/** Everyday RFC 3261 traffic of the appliance: a call from the trunk, its transfer, and a softphone's registration. */
export const ordinaryMessages: readonly Buffer[] = [
  sip(
    'INVITE sip:0120123456@pbx.example.com SIP/2.0',
    [
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
      'Max-Forwards: 70',
      `To: ${centre}`,
      `From: ${caller}`,
      `Call-ID: ${callId}`,
      'CSeq: 314159 INVITE',
      'Contact: <sip:0312345678@192.0.2.10:5060>',
      'Allow: INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS',
      'Content-Type: application/sdp',
    ],
    sdp('192.0.2.10', 49170),
  ),
  sip(
    'SIP/2.0 200 OK',
    [
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;received=192.0.2.10',
      `To: ${centre};tag=as83kd9`,
      `From: ${caller}`,
      `Call-ID: ${callId}`,
      'CSeq: 314159 INVITE',
      'Contact: <sip:0120123456@192.0.2.1:5060>',
      'Content-Type: application/sdp',
    ],
    sdp('192.0.2.1', 20000),
  ),
  sip('ACK sip:0120123456@192.0.2.1:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds8',
    'Max-Forwards: 70',
    `To: ${centre};tag=as83kd9`,
    `From: ${caller}`,
    `Call-ID: ${callId}`,
    'CSeq: 314159 ACK',
  ]),
  sip('BYE sip:0120123456@192.0.2.1:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds9',
    'Max-Forwards: 70',
    `To: ${centre};tag=as83kd9`,
    `From: ${caller}`,
    `Call-ID: ${callId}`,
    'CSeq: 314161 BYE',
  ]),
  sip('REGISTER sip:pbx.example.com SIP/2.0', [
    'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKnashd92',
    'Max-Forwards: 70',
    'To: "Operator 101" <sip:101@pbx.example.com>',
    'From: "Operator 101" <sip:101@pbx.example.com>;tag=a73kszlfl',
    'Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.20',
    'CSeq: 2 REGISTER',
    'Contact: <sip:101@192.0.2.20:5060>',
    'Expires: 3600',
    'Authorization: Digest username="101", realm="setagaya-call", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",' +
      ' uri="sip:pbx.example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5,' +
      ' qop=auth, nc=00000001, cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  ]),
  sip('OPTIONS sip:pbx.example.com SIP/2.0', [
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKhjhs8ass877',
    'Max-Forwards: 70',
    'To: <sip:pbx.example.com>',
    'From: <sip:trunk.example.net>;tag=93810874',
    'Call-ID: 843817637684230@998sdasdh09',
    'CSeq: 63104 OPTIONS',
    'Contact: <sip:192.0.2.10:5060>',
    'Accept: application/sdp',
  ]),
  sip('CANCEL sip:0120123456@pbx.example.com SIP/2.0', [
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    `To: ${centre}`,
    `From: ${caller}`,
    `Call-ID: ${callId}`,
    'CSeq: 314159 CANCEL',
  ]),
  sip('SIP/2.0 401 Unauthorized', [
    'Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKnashd91;received=192.0.2.20',
    'To: "Operator 101" <sip:101@pbx.example.com>;tag=1410948204',
    'From: "Operator 101" <sip:101@pbx.example.com>;tag=a73kszlfl',
    'Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.20',
    'CSeq: 1 REGISTER',
    'WWW-Authenticate: Digest realm="setagaya-call", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",' +
      ' opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5, qop="auth"',
  ]),
  sip('REFER sip:0312345678@192.0.2.10:5060 SIP/2.0', [
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKrefer4711',
    'Max-Forwards: 70',
    'To: <sip:0312345678@trunk.example.net>;tag=1928301774',
    `From: ${centre};tag=as83kd9`,
    `Call-ID: ${callId}`,
    'CSeq: 101 REFER',
    'Refer-To: <sip:0354321111@ward.example.org?Replaces=abc%40192.0.2.30%3Bto-tag%3D1%3Bfrom-tag%3D2>',
    'Referred-By: <sip:101@pbx.example.com>',
    'Contact: <sip:0120123456@192.0.2.1:5060>',
  ]),
  sip(
    'NOTIFY sip:0120123456@192.0.2.1:5060 SIP/2.0',
    [
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnotify99',
      'Max-Forwards: 70',
      `To: ${centre};tag=as83kd9`,
      `From: ${caller}`,
      `Call-ID: ${callId}`,
      'CSeq: 314160 NOTIFY',
      'Event: refer',
      'Subscription-State: active;expires=60',
      'Contact: <sip:0312345678@192.0.2.10:5060>',
      'Content-Type: message/sipfrag;version=2.0',
    ],
    'SIP/2.0 100 Trying\r\n',
  ),
];

type Random = () => number;
type Mutation = (message: Buffer, random: Random, corpus: readonly Buffer[]) => Buffer;

const int = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;

/** The octets parsers trip on: NUL, bytes that are not UTF-8, bare line ends and SIP's delimiters. */
const NASTY = [0x00, 0x0d, 0x0a, 0x20, 0x09, ...Buffer.from(':;,"<>\\%=@?[]', 'latin1')];
const nastyByte = (random: Random) => (random() < 0.3 ? 0x80 + int(random, 0x80) : pick(random, NASTY));

/** Header section split into lines (start line first) and everything after the blank line. */
function split(message: Buffer): { lines: Buffer[]; body: Buffer } {
  const end = message.indexOf('\r\n\r\n', 0, 'latin1');
  const head = end < 0 ? message : message.subarray(0, end);
  const lines: Buffer[] = [];
  for (let from = 0; ; ) {
    const at = head.indexOf(CRLF, from);
    lines.push(head.subarray(from, at < 0 ? head.length : at));
    if (at < 0) break;
    from = at + 2;
  }
  return { lines, body: end < 0 ? Buffer.alloc(0) : message.subarray(end + 4) };
}

function join(lines: readonly Buffer[], body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(line, CRLF);
  parts.push(CRLF, body);
  return Buffer.concat(parts);
}

function splice(message: Buffer, at: number, remove: number, insert: Buffer): Buffer {
  return Buffer.concat([message.subarray(0, at), insert, message.subarray(at + remove)]);
}

/** Applies `change` to one header line (never the start line), or leaves a message without headers alone. */
function onHeader(message: Buffer, random: Random, change: (line: Buffer, lines: Buffer[], i: number) => void): Buffer {
  const { lines, body } = split(message);
  if (lines.length < 2) return message;
  const i = 1 + int(random, lines.length - 1);
  change(lines[i]!, lines, i);
  return join(lines, body);
}

function headerValue(random: Random): string {
  return pick(random, [
    '',
    ' ',
    '0',
    '-1',
    '-2147483649',
    '4294967296',
    '18446744073709551616',
    '9'.repeat(400),
    '1e400',
    '0x10',
    'x'.repeat(64 * 1024),
  ]);
}

const mutationsByKind: readonly Mutation[] = [
  // Replace or bit-flip a few random octets.
  (m, r) => {
    const out = Buffer.from(m);
    for (let n = 1 + int(r, 8); n > 0 && out.length > 0; n--) {
      const i = int(r, out.length);
      out[i] = r() < 0.5 ? out[i]! ^ (1 << int(r, 8)) : int(r, 256);
    }
    return out;
  },
  // Insert a run of awkward octets.
  (m, r) => {
    const run = Buffer.alloc(1 + int(r, 16));
    for (let i = 0; i < run.length; i++) run[i] = nastyByte(r);
    return splice(m, int(r, m.length + 1), 0, run);
  },
  // Delete a range.
  (m, r) => {
    const at = int(r, m.length + 1);
    return splice(m, at, 1 + int(r, Math.max(1, Math.min(256, m.length - at))), Buffer.alloc(0));
  },
  // Truncate anywhere, often inside the header section.
  (m, r) => m.subarray(0, int(r, m.length)),
  // Duplicate a header line, next to it or elsewhere.
  (m, r) => onHeader(m, r, (line, lines) => lines.splice(1 + int(r, lines.length), 0, line)),
  // Delete a header line.
  (m, r) => onHeader(m, r, (_line, lines, i) => lines.splice(i, 1)),
  // Swap two lines, the start line included.
  (m, r) => {
    const { lines, body } = split(m);
    const i = int(r, lines.length);
    const j = int(r, lines.length);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return join(lines, body);
  },
  // Replace a header value with a huge, negative, empty or 64 KiB one.
  (m, r) =>
    onHeader(m, r, (line, lines, i) => {
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.subarray(0, colon);
      lines[i] = Buffer.concat([name, Buffer.from(': ' + headerValue(r), 'latin1')]);
    }),
  // Break line ends: bare CR or LF, doubled or many CRLFs, a fold, or a line end removed.
  (m, r) => {
    const ends: number[] = [];
    for (let at = m.indexOf(CRLF); at >= 0; at = m.indexOf(CRLF, at + 2)) ends.push(at);
    const at = ends.length > 0 ? pick(r, ends) : int(r, m.length + 1);
    const replacement = pick(r, ['\n', '\r', '\r\r\n', '\n\r', '\r\n\r\n', '\r\n'.repeat(2 + int(r, 50)), '\r\n ', '']);
    return splice(m, at, ends.length > 0 ? 2 : 0, Buffer.from(replacement, 'latin1'));
  },
  // Mangle the start line: method, Request-URI, version, status code or reason.
  (m, r) => {
    const { lines, body } = split(m);
    const parts = lines[0]!.toString('latin1').split(' ');
    const isResponse = parts[0]!.startsWith('SIP/');
    const slot = int(r, Math.max(parts.length, 1));
    const choices = isResponse
      ? [
          ['SIP/2.1', 'SIP/', 'sip/2.0', 'HTTP/1.1', 'SIP/2.0/UDP', ''],
          ['99', '1000', 'abc', '-200', '0200', '4294967301', '', '2 00'],
          ['', 'OK\u0000', '\u00ff\u00fe', 'x'.repeat(5000)],
        ]
      : [
          ['', 'invite', 'INV\u0000ITE', 'IN VITE', 'A'.repeat(300), '\u00ff', 'SIP/2.0'],
          ['', '<sip:a@b>', 'sip:', 'sip:@', 'sip:a@b:99999', 'sip:a@[::1', 'sip:a b@c', `sip:a@b${';x'.repeat(500)}`],
          ['SIP/2.1', 'SIP/20', 'SIP/', 'HTTP/1.1', 'SIP/2.0 ', 'sip/2.0', '', 'SIP/7.0'],
        ];
    parts[slot] = pick(r, choices[Math.min(slot, 2)]!);
    lines[0] = Buffer.from(parts.join(r() < 0.2 ? '  ' : ' '), 'latin1');
    return join(lines, body);
  },
  // Declare a wrong Content-Length, or a second one.
  (m, r) => {
    const { lines, body } = split(m);
    const value = pick(r, [
      String(body.length + 1),
      String(Math.max(0, body.length - 1)),
      '0',
      '-1',
      '65536',
      '99999999999999999999',
      'abc',
      '',
      ` ${body.length} `,
      `${body.length}, ${body.length}`,
    ]);
    const line = Buffer.from(`${pick(r, ['Content-Length', 'l', 'content-length'])}: ${value}`, 'latin1');
    const existing = lines.findIndex((l, i) => i > 0 && /^(content-length|l)[ \t]*:/i.test(l.toString('latin1')));
    if (existing > 0 && r() < 0.7) lines[existing] = line;
    else lines.splice(1 + int(r, lines.length), 0, line);
    return join(lines, body);
  },
  // Nest quotes, escapes and angle brackets inside a header value.
  (m, r) =>
    onHeader(m, r, (line, lines, i) => {
      const depth = 1 + int(r, 200);
      const nest = pick(r, [
        '"<'.repeat(depth) + '>"'.repeat(depth),
        '<'.repeat(depth),
        '"'.repeat(depth),
        '\\"'.repeat(depth),
        '"\\',
        '<sip:a@b;x="<y>">',
      ]);
      const at = int(r, line.length + 1);
      lines[i] = splice(line, at, 0, Buffer.from(nest, 'latin1'));
    }),
  // Repeat a parameter a thousand times.
  (m, r) =>
    onHeader(m, r, (line, lines, i) => {
      const params = line.toString('latin1').match(/;[^;,>\s]+/g);
      const param = params ? pick(r, params) : ';x=y';
      lines[i] = Buffer.concat([line, Buffer.from(param.repeat(1000), 'latin1')]);
    }),
  // Graft the tail of another corpus message onto the head of this one.
  (m, r, corpus) => {
    const other = pick(r, corpus);
    return Buffer.concat([m.subarray(0, int(r, m.length + 1)), other.subarray(int(r, other.length + 1))]);
  },
];

/**
 * `count` mutants of messages drawn from `corpus`, the same for the same seed. Each applies one to three
 * mutations (again until it differs from its original) and is at most `maxMutationBytes` long.
 */
export function* mutations(corpus: readonly Buffer[], seed: number, count: number): Generator<Buffer> {
  if (corpus.length === 0) throw new RangeError('mutations need a non-empty corpus');
  const random = seededRandom(seed);
  for (let n = 0; n < count; n++) {
    const original = pick(random, corpus);
    let message = original;
    for (let rounds = 1 + int(random, 3), tries = 0; (rounds > 0 || message.equals(original)) && tries < 8; rounds--, tries++) {
      message = pick(random, mutationsByKind)(message, random, corpus);
      if (message.length > maxMutationBytes) message = message.subarray(0, maxMutationBytes);
    }
    yield message;
  }
}

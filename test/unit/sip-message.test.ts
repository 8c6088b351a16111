/**
 * SIP messages (RFC 3261 §7, §19, §20, §25): URIs, name-addr, Via, the header list, the parser with its
 * 400/416/505 verdicts, serialisation and response building.
 */
import t from 'tap';
import { Headers, headerKey } from '../../sip/message/headers.js';
import { EMPTY, serialize, SipRequest, SipResponse, type SipMessage } from '../../sip/message/message.js';
import { formatNameAddr, nameAddr, parseNameAddr } from '../../sip/message/name-addr.js';
import { parseMessage, SipParseError } from '../../sip/message/parser.js';
import { createResponse, responseFromHeaders } from '../../sip/message/response.js';
import { parseParams, SipSyntaxError, splitOutside } from '../../sip/message/syntax.js';
import { addressOfRecord, formatUri, parseUri, sipUri, type SipUri, type TelUri } from '../../sip/message/uri.js';
import { branchOf, formatVia, parseVia } from '../../sip/message/via.js';

const CRLF = '\r\n';

function sip(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new Error(`not a SIP URI: ${text}`);
  return uri;
}

/** A request's lines joined by CRLF, with the blank line and an optional body. */
function wire(lines: string[], body = ''): Buffer {
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF + body, 'utf8');
}

const INVITE_HEADERS = [
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
];

function request(lines: string[] = INVITE_HEADERS, body = '', startLine = 'INVITE sip:bob@biloxi.example.com SIP/2.0'): Buffer {
  return wire([startLine, ...lines], body);
}

function parseFailure(data: Buffer, datagram = true): SipParseError {
  try {
    parseMessage(data, datagram);
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error('the message parsed');
}

function asRequest(msg: SipMessage): SipRequest {
  if (msg.kind !== 'request') throw new Error('expected a request');
  return msg;
}

function asResponse(msg: SipMessage): SipResponse {
  if (msg.kind !== 'response') throw new Error('expected a response');
  return msg;
}

t.test('URIs (RFC 3261 §19.1, §25.1; RFC 3966)', async (t) => {
  t.test('a SIP URI with every part', async (t) => {
    const uri = sip('sip:alice:secretword@Atlanta.Example.COM:5070;Transport=TCP;lr?subject=project%20x&priority=urgent');
    t.equal(uri.scheme, 'sip');
    t.equal(uri.user, 'alice');
    t.equal(uri.password, 'secretword');
    t.equal(uri.host, 'atlanta.example.com', 'host is lower-cased');
    t.equal(uri.port, 5070);
    t.same([...uri.params], [['transport', 'TCP'], ['lr', null]], 'parameter names lower-cased, values kept, flags null');
    t.equal(uri.headers, 'subject=project%20x&priority=urgent');
    t.equal(formatUri(uri), 'sip:alice:secretword@atlanta.example.com:5070;transport=TCP;lr?subject=project%20x&priority=urgent');
  });

  t.test('sips, and a URI without user or port', async (t) => {
    const uri = sip('sips:example.com');
    t.equal(uri.scheme, 'sips');
    t.equal(uri.user, undefined);
    t.equal(uri.port, undefined);
    t.equal(uri.params.size, 0);
    t.equal(formatUri(uri), 'sips:example.com');
  });

  t.test('a user part keeps escapes and the user-unreserved ";" and "?" (§25.1 user-unreserved)', async (t) => {
    const uri = sip('sip:+81-3-1234;phone-context=setagaya?x=1%40y@Example.com;user=phone');
    t.equal(uri.user, '+81-3-1234;phone-context=setagaya?x=1%40y', '";" and "?" before "@" belong to the user');
    t.same([...uri.params], [['user', 'phone']], 'only the parameters after the host are URI parameters');
    t.equal(uri.headers, undefined, 'a "?" in the user part does not start headers');
    const escaped = sip('sip:sip%3Auser%40example.com@company.com;other-param=summit');
    t.equal(escaped.user, 'sip%3Auser%40example.com', 'escapes are kept as written');
    t.equal(addressOfRecord(escaped), 'sip:sip:user@example.com@company.com', 'and decoded for comparison (§19.1.4)');
  });

  t.test('IPv6 references keep their brackets (§19.1.1)', async (t) => {
    const uri = sip('sip:[2001:DB8::10]:5070;maddr=[2001:db8::20]');
    t.equal(uri.host, '[2001:db8::10]');
    t.equal(uri.port, 5070);
    t.equal(uri.params.get('maddr'), '[2001:db8::20]');
    t.equal(sip('sip:alice@[::1]').host, '[::1]');
    t.throws(() => parseUri('sip:[2001:db8::10'), SipSyntaxError, 'an unterminated reference');
    t.throws(() => parseUri('sip:[2001:db8::10]5060'), SipSyntaxError, 'text after "]" that is not ":port"');
    t.throws(() => parseUri('sip:2001:db8::10'), SipSyntaxError, 'IPv6 without brackets');
  });

  t.test('ports are 0..65535 and all digits', async (t) => {
    t.equal(sip('sip:h.example:65535').port, 65535);
    t.equal(sip('sip:h.example:0').port, 0);
    t.throws(() => parseUri('sip:h.example:65536'), SipSyntaxError);
    t.throws(() => parseUri('sip:h.example:123456'), SipSyntaxError);
    t.throws(() => parseUri('sip:h.example:'), SipSyntaxError, 'an empty port');
    t.throws(() => parseUri('sip:h.example:50a'), SipSyntaxError);
    t.throws(() => parseUri('sip:h.example:-1'), SipSyntaxError);
  });

  t.test('tel URIs (RFC 3966) and other schemes', async (t) => {
    const tel = parseUri('tel:+81-3-5432-1111;Ext=22') as TelUri;
    t.equal(tel.scheme, 'tel');
    t.equal(tel.number, '+81-3-5432-1111');
    t.equal(tel.params.get('ext'), '22');
    t.equal(formatUri(tel), 'tel:+81-3-5432-1111;ext=22');
    t.throws(() => parseUri('tel:call-me'), SipSyntaxError, 'a telephone number of letters');
    const other = parseUri('mailto:alice@example.com');
    t.same(other, { scheme: 'other', text: 'mailto:alice@example.com' }, 'an unknown scheme is kept whole');
    t.equal(formatUri(other), 'mailto:alice@example.com');
  });

  t.test('malformed URIs are SipSyntaxError', async (t) => {
    const bad = [
      'alice@example.com', // no scheme
      ':alice@example.com',
      '1sip:alice@example.com', // scheme starts with a digit
      'sip:', // no host
      'sip:@example.com', // empty user
      'sip:al ice@example.com', // space
      'sip:alice@exa_mple.com', // bad host name
      'sip:alice@-example.com',
      'sip:al"ice@example.com',
      'sip:alice@example.com;=x', // empty parameter name
      'sip:alice@example.com;p=', // empty parameter value
      'sip:alice@example.com?a=<b>',
      'sip:al<ice@example.com',
    ];
    for (const text of bad) t.throws(() => parseUri(text), SipSyntaxError, text);
  });

  t.test('address-of-record: user unescaped, sips folded, host lower-cased, port and parameters dropped (§10.3)', async (t) => {
    t.equal(addressOfRecord(sip('sips:Op%2D7@Setagaya.Example:5061;transport=tls')), 'sip:Op-7@setagaya.example');
    t.equal(addressOfRecord(sip('sip:op-7@setagaya.example')), 'sip:op-7@setagaya.example', 'the same AOR as the escaped one');
    t.equal(addressOfRecord(sip('sip:Setagaya.Example')), 'sip:setagaya.example', 'no user');
    t.equal(formatUri(sipUri({ host: 'h.example', user: 'u', port: 5062 })), 'sip:u@h.example:5062');
  });

  t.test('parameters: LWS around ";" and "=", quoted values kept, names checked', async (t) => {
    const params = parseParams(' ; a = b ;Flag; q="x; y"');
    t.same([...params], [['a', 'b'], ['flag', null], ['q', '"x; y"']]);
    t.throws(() => parseParams('a=b'), SipSyntaxError, 'no leading ";"');
    t.throws(() => parseParams(';q="x" y'), SipSyntaxError, 'text after a quoted value');
    t.throws(() => parseParams(';a b=c'), SipSyntaxError, 'a space inside a name');
    t.same(splitOutside('a,"b,\\",c",<d,e>,f', ','), ['a', '"b,\\",c"', '<d,e>', 'f'], 'split outside quotes (with escapes) and <>');
    t.throws(() => splitOutside('"a,b', ','), SipSyntaxError);
    t.throws(() => splitOutside('<a,b', ','), SipSyntaxError);
  });
});

t.test('name-addr and addr-spec (RFC 3261 §20.10, §25.1)', async (t) => {
  t.test('a quoted display name with escaped quote and backslash', async (t) => {
    const na = parseNameAddr('"Tanaka \\"Taro\\" \\\\ 世田谷"  <sip:taro@Example.com;transport=tcp> ;tag=88sja8x');
    t.equal(na.displayName, 'Tanaka "Taro" \\ 世田谷', 'escapes removed, UTF-8 kept');
    t.equal(na.uriText, 'sip:taro@Example.com;transport=tcp', 'the URI as written');
    t.equal((na.uri as SipUri).params.get('transport'), 'tcp', 'parameters inside <> belong to the URI');
    t.same([...na.params], [['tag', '88sja8x']], 'parameters after > belong to the header');
    t.equal(formatNameAddr(na), '"Tanaka \\"Taro\\" \\\\ 世田谷" <sip:taro@Example.com;transport=tcp>;tag=88sja8x', 'and it is written back escaped');
    t.same(parseNameAddr(formatNameAddr(na)).displayName, na.displayName, 'round trip');
  });

  t.test('an unquoted display name of several tokens', async (t) => {
    const na = parseNameAddr('Bob   Smith\t<sip:bob@biloxi.example.com>');
    t.equal(na.displayName, 'Bob Smith', 'LWS between tokens becomes one space');
    t.equal(na.params.size, 0);
    t.equal(parseNameAddr('<sip:bob@biloxi.example.com>').displayName, undefined, 'no display name');
    t.equal(parseNameAddr('"" <sip:bob@biloxi.example.com>').displayName, '', 'an empty quoted one');
  });

  t.test('an addr-spec: parameters after the URI belong to the header (§20.10)', async (t) => {
    const na = parseNameAddr('sip:bob@biloxi.example.com;tag=a6c85cf;expires=60');
    t.equal(na.uriText, 'sip:bob@biloxi.example.com');
    t.equal((na.uri as SipUri).params.size, 0, 'the URI has no parameters');
    t.same([...na.params], [['tag', 'a6c85cf'], ['expires', '60']]);
    t.equal(formatNameAddr(na), '<sip:bob@biloxi.example.com>;tag=a6c85cf;expires=60', 'written back as a name-addr');
    t.equal(parseNameAddr('tel:+81-3-5432-1111').uri.scheme, 'tel');
  });

  t.test('errors', async (t) => {
    const bad = [
      '"Alice <sip:alice@example.com>', // unterminated quote
      '"Alice" sip:alice@example.com', // quoted name without <>
      'Alice <sip:alice@example.com', // unterminated <
      'Alice@home <sip:alice@example.com>', // unquoted name that is not tokens
      '<sip:alice@example.com> junk', // text after > that is not a parameter
      'sip:alice@example.com?subject=x', // addr-spec with ?
      'sip:alice@example.com, sip:bob@example.com', // addr-spec with ,
      '<alice@example.com>', // not a URI
      '',
    ];
    for (const text of bad) t.throws(() => parseNameAddr(text), SipSyntaxError, JSON.stringify(text));
  });

  t.test('nameAddr builds one from a URI', async (t) => {
    const na = nameAddr(sipUri({ host: 'example.com', user: 'op1' }), new Map([['tag', 'abc']]), 'Op "1"');
    t.equal(formatNameAddr(na), '"Op \\"1\\"" <sip:op1@example.com>;tag=abc');
  });
});

t.test('Via (RFC 3261 §20.42, RFC 3581, RFC 4475)', async (t) => {
  t.test('LWS around "/" and ":" (RFC 4475 wsinv), case folded transport', async (t) => {
    const via = parseVia('SIP  /   2.0 / tcp   Example.COM : 5062 ;branch=z9hG4bK-a ; rport');
    t.equal(via.transport, 'TCP');
    t.equal(via.host, 'example.com');
    t.equal(via.port, 5062);
    t.equal(branchOf(via), 'z9hG4bK-a');
    t.equal(via.params.get('rport'), null, 'rport without value is a flag (RFC 3581 §3)');
    t.equal(formatVia(via), 'SIP/2.0/TCP example.com:5062;branch=z9hG4bK-a;rport');
  });

  t.test('IPv6 sent-by with received and a filled rport', async (t) => {
    const via = parseVia('SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKabc;received=192.0.2.4;rport=40001');
    t.equal(via.host, '[2001:db8::9]');
    t.equal(via.port, 5070);
    t.equal(via.params.get('received'), '192.0.2.4');
    t.equal(via.params.get('rport'), '40001');
    const noPort = parseVia('SIP/2.0/TLS [::1];branch=z9hG4bKx');
    t.equal(noPort.port, undefined);
    t.equal(noPort.transport, 'TLS');
  });

  t.test('errors', async (t) => {
    const bad = [
      'SIP/2.0 UDP host.example', // missing "/"
      'SIP/3.0/UDP host.example',
      'SIP/2.0/UDP', // no sent-by
      'SIP/2.0/UDP ;branch=z9hG4bK1', // empty host
      'SIP/2.0/UDP host.example:70000',
      'SIP/2.0/UDP host.example;branch', // branch without value
      'SIP/2.0/UDP host.example;branch="z9hG4bK1"', // branch is a token, not quoted
      'SIP/2.0/UDP host.example;;branch=z9hG4bK1',
      'SIP/2.0/UDP [2001:db8::9;branch=z9hG4bK1',
    ];
    for (const text of bad) t.throws(() => parseVia(text), SipSyntaxError, text);
  });
});

t.test('Headers (RFC 3261 §7.3)', async (t) => {
  t.test('compact forms and any case name the same header (§7.3.3)', async (t) => {
    const h = Headers.of([
      ['v', 'SIP/2.0/UDP a.example;branch=z9hG4bK1'],
      ['i', 'abc@x'],
      ['f', '<sip:a@x>;tag=1'],
      ['t', '<sip:b@x>'],
      ['m', '<sip:a@10.0.0.1>'],
      ['l', 0],
      ['k', 'timer'],
      ['x-Custom-HEADER', 'kept'],
    ]);
    t.equal(h.get('Call-ID'), 'abc@x');
    t.equal(h.get('CALL-id'), 'abc@x');
    t.equal(h.get('i'), 'abc@x');
    t.equal(h.get('Contact'), '<sip:a@10.0.0.1>');
    t.equal(h.get('content-length'), '0');
    t.equal(h.get('Supported'), 'timer');
    t.equal(h.get('X-CUSTOM-header'), 'kept');
    t.equal(h.get('Route'), undefined);
    t.notOk(h.has('route'));
    t.same(h.fields.map((f) => f.name), ['Via', 'Call-ID', 'From', 'To', 'Contact', 'Content-Length', 'Supported', 'x-Custom-HEADER'],
      'known names are written in full, unknown as given');
    t.equal(headerKey('V'), 'via');
    t.equal(headerKey('o'), 'event');
  });

  t.test('list headers split at commas outside quotes and <> (§7.3.1); other headers do not', async (t) => {
    const h = new Headers()
      .append('Contact', '"Doe, John" <sip:jd@x;a=1,2>;expires=60 , <sip:b@y>')
      .append('Contact', '<sip:c@z>')
      .append('Subject', 'lunch, then coffee')
      .append('Via', 'SIP/2.0/UDP a;branch=z9hG4bK1,SIP/2.0/UDP b;branch=z9hG4bK2');
    t.same(h.values('contact'), ['"Doe, John" <sip:jd@x;a=1,2>;expires=60', '<sip:b@y>', '<sip:c@z>']);
    t.same(h.lines('contact'), ['"Doe, John" <sip:jd@x;a=1,2>;expires=60 , <sip:b@y>', '<sip:c@z>'], 'lines are not split');
    t.same(h.values('subject'), ['lunch, then coffee'], 'Subject is not a list');
    t.same(h.values('v'), ['SIP/2.0/UDP a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2']);
  });

  t.test('set replaces every line at the first one\'s place; remove; prepend', async (t) => {
    const h = Headers.of([['From', 'f'], ['Route', '<sip:r1>'], ['To', 't'], ['route', '<sip:r2>']]);
    h.set('ROUTE', '<sip:r3>');
    t.same(h.fields.map((f) => `${f.name}: ${f.value}`), ['From: f', 'Route: <sip:r3>', 'To: t']);
    h.set('Subject', 'new');
    t.equal(h.fields.at(-1)?.value, 'new', 'a header not present is appended');
    h.remove('from');
    t.notOk(h.has('From'));
    h.prepend('v', 'SIP/2.0/UDP p');
    t.equal(h.fields[0]?.name, 'Via');
    t.equal(h.fields.length, 4);
  });

  t.test('shift removes the first value of a list header, then the line (§18.1.2)', async (t) => {
    const h = Headers.of([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2'], ['Via', 'SIP/2.0/UDP c']]);
    t.equal(h.shift('via'), 'SIP/2.0/UDP a;branch=z9hG4bK1');
    t.same(h.lines('via'), ['SIP/2.0/UDP b;branch=z9hG4bK2', 'SIP/2.0/UDP c']);
    t.equal(h.shift('via'), 'SIP/2.0/UDP b;branch=z9hG4bK2');
    t.same(h.lines('via'), ['SIP/2.0/UDP c'], 'an emptied line is removed');
    t.equal(h.shift('via'), 'SIP/2.0/UDP c');
    t.equal(h.shift('via'), undefined);
  });

  t.test('clone is independent', async (t) => {
    const h = Headers.of([['To', 'a']]);
    const c = h.clone();
    c.fields[0]!.value = 'b';
    c.append('From', 'x');
    t.equal(h.get('to'), 'a');
    t.notOk(h.has('from'));
  });
});

t.test('parser (RFC 3261 §7, §8.2.2, §18.3; RFC 4475)', async (t) => {
  t.test('a valid INVITE', async (t) => {
    const req = asRequest(parseMessage(request(INVITE_HEADERS.concat('Content-Type: application/sdp', 'Content-Length: 4'), 'v=0\n')));
    t.equal(req.method, 'INVITE');
    t.equal(req.uri, 'sip:bob@biloxi.example.com');
    t.equal(req.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    t.same(req.cseq, { seq: 314159, method: 'INVITE' });
    t.equal(req.fromTag, '1928301774');
    t.equal(req.toTag, undefined);
    t.equal(req.maxForwards, 70);
    t.equal(req.topVia.port, 5060);
    t.equal(req.contentType, 'application/sdp');
    t.equal(req.text, 'v=0\n');
    t.equal(req.contacts[0]?.uriText, 'sip:alice@pc33.atlanta.example.com');
  });

  t.test('folded header lines are joined with one space (§7.3.1)', async (t) => {
    const req = parseMessage(request(INVITE_HEADERS.concat('Subject: I know you\'re there,', '      pull up a chair', '\tand sit', 'Content-Length: 0')));
    t.equal(req.headers.get('subject'), 'I know you\'re there, pull up a chair and sit');
    t.equal(req.headers.lines('subject').length, 1);
  });

  t.test('leading CRLFs are skipped (§7.5)', async (t) => {
    const data = Buffer.concat([Buffer.from('\r\n\r\n\r\n'), request(INVITE_HEADERS.concat('Content-Length: 0'))]);
    t.equal(asRequest(parseMessage(data)).method, 'INVITE');
  });

  t.test('bare LF line ends are accepted', async (t) => {
    const text = ['OPTIONS sip:bob@biloxi.example.com SIP/2.0', ...INVITE_HEADERS.map((l) => l.replace('INVITE', 'OPTIONS')), 'Content-Length: 3', '', 'abc'].join('\n');
    const req = asRequest(parseMessage(Buffer.from(text)));
    t.equal(req.method, 'OPTIONS');
    t.equal(req.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    t.equal(req.text, 'abc');
  });

  t.test('datagram body framing by Content-Length (§18.3)', async (t) => {
    const withLength = parseMessage(request(INVITE_HEADERS.concat('Content-Length: 5'), 'hello, and extra octets'));
    t.equal(withLength.text, 'hello', 'octets beyond Content-Length are ignored');
    const compact = parseMessage(request(INVITE_HEADERS.concat('l: 3'), 'hello'));
    t.equal(compact.text, 'hel', 'the compact form l counts too');
    const without = parseMessage(request(INVITE_HEADERS, 'the rest\r\n'));
    t.equal(without.text, 'the rest\r\n', 'without Content-Length a datagram\'s body is the rest of it');
    const stream = parseFailure(request(INVITE_HEADERS, 'x'), false);
    t.equal(stream.status, 400, 'on a stream Content-Length is required');
  });

  t.test('Content-Length larger than the body: 400 with what is needed to answer', async (t) => {
    const err = parseFailure(request(INVITE_HEADERS.concat('Content-Length: 50'), 'short'));
    t.equal(err.status, 400);
    t.match(err.message, /Content-Length 50/);
    t.equal(err.partial?.method, 'INVITE');
    t.equal(err.partial?.headers.get('call-id'), 'a84b4c76e66710@pc33.atlanta.example.com');
    t.equal(err.partial?.headers.lines('via').length, 1);
    const answer = responseFromHeaders(err.partial!.headers, err.status);
    t.equal(answer.status, 400);
    t.equal(answer.headers.get('cseq'), '314159 INVITE', 'a 400 can be built from the partial');
    t.equal(parseFailure(request(INVITE_HEADERS.concat('Content-Length: -1'))).status, 400, 'a negative length');
    t.equal(parseFailure(request(INVITE_HEADERS.concat('Content-Length: 1', 'Content-Length: 1'), 'x')).status, 400, 'two lengths');
  });

  t.test('a missing mandatory header is 400 (§8.1.1)', async (t) => {
    for (const name of ['Via', 'To', 'From', 'Call-ID', 'CSeq']) {
      const lines = INVITE_HEADERS.filter((l) => !l.startsWith(`${name}:`));
      t.equal(lines.length, INVITE_HEADERS.length - 1, `${name} was removed`);
      const err = parseFailure(request(lines.concat('Content-Length: 0')));
      t.equal(err.status, 400, `without ${name}`);
      t.match(err.message, new RegExp(`missing ${name}`));
      t.equal(err.partial?.method, 'INVITE', 'with a partial');
    }
  });

  t.test('a header that must be single appears twice: 400 (RFC 4475 multi01)', async (t) => {
    for (const line of ['To: <sip:carol@chicago.example.com>', 'Call-ID: other@x', 'CSeq: 1 INVITE', 'Max-Forwards: 10', 'f: <sip:eve@x>;tag=3']) {
      const err = parseFailure(request(INVITE_HEADERS.concat(line, 'Content-Length: 0')));
      t.equal(err.status, 400, line);
      t.match(err.message, /more than one/);
    }
    t.equal(parseFailure(request(INVITE_HEADERS.concat('Content-Length: 0', 'Content-Length: 0'))).status, 400, 'two Content-Length lines');
  });

  t.test('other header checks', async (t) => {
    const cases: [string, string][] = [
      ['Max-Forwards over 255', 'Max-Forwards: 256'],
      ['Expires beyond 32 bits (RFC 4475 scalar02)', 'Expires: 4294967296'],
      ['a Contact expires that is not delta-seconds', 'Contact: <sip:a@x>;expires=soon'],
      ['a bad Route', 'Route: <sip:p1.example.com;lr'],
    ];
    for (const [what, line] of cases) {
      const lines = INVITE_HEADERS.filter((l) => !l.startsWith(line.split(':')[0]!)).concat(line, 'Content-Length: 0');
      t.equal(parseFailure(request(lines)).status, 400, what);
    }
    t.equal(parseFailure(request(['Via SIP/2.0/UDP x', ...INVITE_HEADERS])).partial?.method, 'INVITE', 'a header line without colon');
    t.equal(parseFailure(request(INVITE_HEADERS.map((l) => (l.startsWith('CSeq') ? 'CSeq: 2147483648 INVITE' : l)))).status, 400, 'CSeq of 2**31');
    t.equal(parseFailure(request(INVITE_HEADERS.map((l) => (l.startsWith('Call-ID') ? 'Call-ID: a b' : l)))).status, 400, 'Call-ID with a space');
    t.equal(parseFailure(request(INVITE_HEADERS.concat('Content-Length: 0')).subarray(0, -2), false).status, 400, 'no blank line on a stream');
  });

  t.test('SIP version other than 2.0: 505 (§21.5.6, RFC 4475 badvers); a malformed request line: 400', async (t) => {
    const err = parseFailure(request(INVITE_HEADERS, '', 'INVITE sip:bob@biloxi.example.com SIP/7.0'));
    t.equal(err.status, 505);
    t.equal(err.partial?.method, 'INVITE');
    t.equal(parseFailure(request(INVITE_HEADERS, '', 'INVITE sip:bob@biloxi.example.com SIP/two')).status, 400);
    t.equal(parseFailure(request(INVITE_HEADERS, '', 'INVITE  sip:bob@biloxi.example.com SIP/2.0')).status, 400, 'two spaces in the request line');
    t.equal(parseFailure(request(INVITE_HEADERS, '', 'INVITE sip:bob@biloxi.example.com')).status, 400, 'no version');
    t.equal(parseFailure(request(INVITE_HEADERS, '', 'IN"VITE sip:bob@biloxi.example.com SIP/2.0')).partial, undefined, 'a method that is not a token: nothing to answer with');
  });

  t.test('Request-URI: unknown scheme 416 (§8.2.2.1), malformed 400, headers 400', async (t) => {
    const err = parseFailure(request(INVITE_HEADERS, '', 'INVITE mailto:bob@biloxi.example.com SIP/2.0'));
    t.equal(err.status, 416);
    t.equal(err.partial?.method, 'INVITE');
    t.equal(parseFailure(request(INVITE_HEADERS, '', 'INVITE sip:bob@bi_loxi SIP/2.0')).status, 400);
    t.equal(parseFailure(request(INVITE_HEADERS, '', 'INVITE sip:bob@biloxi.example.com?Subject=x SIP/2.0')).status, 400);
    const tel = asRequest(parseMessage(request(INVITE_HEADERS.concat('Content-Length: 0'), '', 'INVITE tel:+81-3-5432-1111 SIP/2.0')));
    t.equal(tel.requestUri.scheme, 'tel', 'tel is supported');
  });

  t.test('CSeq method must match the request method (§8.1.1.5)', async (t) => {
    const err = parseFailure(request(INVITE_HEADERS.map((l) => (l.startsWith('CSeq') ? 'CSeq: 314159 ACK' : l)).concat('Content-Length: 0')));
    t.equal(err.status, 400);
    t.match(err.message, /CSeq method ACK/);
  });

  t.test('responses', async (t) => {
    const lines = INVITE_HEADERS.filter((l) => !l.startsWith('Contact') && !l.startsWith('Max-Forwards')).concat('Content-Length: 0');
    const ok = asResponse(parseMessage(wire(['SIP/2.0 180 Ringing Now', ...lines])));
    t.equal(ok.status, 180);
    t.equal(ok.reason, 'Ringing Now');
    t.equal(asResponse(parseMessage(wire(['SIP/2.0 200 ', ...lines]))).reason, '', 'an empty reason phrase');
    for (const startLine of ['SIP/2.0 99 Low', 'SIP/2.0 700 High', 'SIP/2.0 2000 OK', 'SIP/2.0 abc OK', 'SIP/3.0 200 OK', 'SIP/2.0200 OK']) {
      const err = parseFailure(wire([startLine, ...lines]));
      t.equal(err.partial, undefined, `${startLine}: a bad response has no partial (nothing answers it)`);
    }
    t.equal(parseFailure(wire(['SIP/2.0 200 OK', ...lines.filter((l) => !l.startsWith('Via'))])).partial, undefined, 'a response without Via');
    t.equal(parseFailure(wire(['SIP/2.0 200 OK', 'bad line', ...lines])).partial, undefined, 'a response with a bad header line');
  });
});

t.test('serialize (§7): parse(serialize(x)) gives x back, Content-Length recomputed', async (t) => {
  const text = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=世田谷\r\n';
  const body = Buffer.from(text, 'utf8');
  const headers = Headers.of([
    ['Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport'],
    ['Via', 'SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK2'],
    ['From', '"世田谷 区役所" <sip:ward@setagaya.example>;tag=xyz'],
    ['To', '<sip:op1@setagaya.example>'],
    ['Call-ID', 'c1@192.0.2.1'],
    ['CSeq', '7 INVITE'],
    ['Max-Forwards', 70],
    ['Content-Length', 999],
    ['Content-Type', 'application/sdp'],
  ]);
  const req = new SipRequest('INVITE', 'sip:op1@setagaya.example;transport=udp', headers, body);
  const data = serialize(req);
  t.equal(body.length, text.length + 6, 'three characters of three octets each');
  t.match(data.toString('utf8'), new RegExp(`\r\nContent-Length: ${body.length}\r\n\r\n`), 'Content-Length counts octets, not characters');
  t.notMatch(data.toString('utf8'), /999/, 'the stale Content-Length is not written');
  const back = asRequest(parseMessage(data, false));
  t.equal(back.method, req.method);
  t.equal(back.uri, req.uri);
  t.same(back.body, body);
  const others = (m: SipMessage) => m.headers.fields.filter((f) => f.key !== 'content-length').map((f) => [f.name, f.value]);
  t.same(others(back), others(req), 'the other header lines in order');
  t.equal(back.from.displayName, '世田谷 区役所');

  const res = new SipResponse(486, 'Busy Here', Headers.of([['Via', 'SIP/2.0/UDP h;branch=z9hG4bK3'], ['From', '<sip:a@h>;tag=1'], ['To', '<sip:b@h>;tag=2'], ['Call-ID', 'x'], ['CSeq', '1 INVITE']]));
  const resBack = asResponse(parseMessage(serialize(res)));
  t.equal(resBack.status, 486);
  t.equal(resBack.reason, 'Busy Here');
  t.equal(resBack.headers.get('content-length'), '0', 'an empty body gets Content-Length: 0');
  t.equal(resBack.body.length, 0);
  t.equal(serialize(new SipRequest('OPTIONS', 'sip:h', new Headers(), EMPTY)).toString(), 'OPTIONS sip:h SIP/2.0\r\nContent-Length: 0\r\n\r\n');
});

t.test('createResponse (§8.2.6.2)', async (t) => {
  const lines = [
    'Via: SIP/2.0/UDP proxy.example;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK2;received=192.0.2.99',
    'v: SIP/2.0/TCP 192.0.2.11;branch=z9hG4bK3',
    ...INVITE_HEADERS.slice(1),
    'Subject: hello',
    'Content-Length: 0',
  ];
  const req = asRequest(parseMessage(request(lines)));

  t.test('Via lines, From, To, Call-ID, CSeq are copied; nothing else', async (t) => {
    const res = createResponse(req, 180, { toTag: 'a6c85cf' });
    t.same(res.headers.lines('via'), req.headers.lines('via'), 'every Via line, in order, as written');
    t.equal(res.headers.get('from'), req.headers.get('from'));
    t.equal(res.headers.get('call-id'), req.headers.get('call-id'));
    t.equal(res.headers.get('cseq'), '314159 INVITE');
    t.notOk(res.headers.has('contact'));
    t.notOk(res.headers.has('subject'));
    t.notOk(res.headers.has('max-forwards'));
    t.equal(res.reason, 'Ringing');
    t.equal(res.toTag, 'a6c85cf', 'the To tag is added above 100');
  });

  t.test('100 Trying gets no To tag; a To that has a tag keeps it', async (t) => {
    t.equal(createResponse(req, 100, { toTag: 'a6c85cf' }).headers.get('to'), 'Bob <sip:bob@biloxi.example.com>');
    const inDialog = asRequest(parseMessage(request(lines.map((l) => (l.startsWith('To:') ? 'To: <sip:bob@biloxi.example.com>;tag=old' : l)))));
    t.equal(createResponse(inDialog, 200, { toTag: 'new' }).toTag, 'old');
    t.equal(createResponse(req, 404).toTag, undefined, 'without toTag nothing is added');
  });

  t.test('a "tag" parameter of the To URI is not the To tag', async (t) => {
    const tricky = asRequest(parseMessage(request(lines.map((l) => (l.startsWith('To:') ? 'To: <sip:bob@biloxi.example.com;tag=uri-param>' : l)))));
    const res = createResponse(tricky, 486, { toTag: 'hdr' });
    t.equal(res.toTag, 'hdr');
    t.equal(res.headers.get('to'), '<sip:bob@biloxi.example.com;tag=uri-param>;tag=hdr');
  });

  t.test('reason, extra headers and body', async (t) => {
    const res = createResponse(req, 200, { reason: 'Fine', headers: [['Contact', '<sip:bob@192.0.2.4>'], ['Expires', 60]], body: Buffer.from('v=0\r\n') });
    t.equal(res.reason, 'Fine');
    t.equal(res.headers.get('expires'), '60');
    t.equal(res.contentType, 'application/sdp', 'a body gets a Content-Type');
    t.equal(createResponse(req, 299).reason, 'Unknown');
    const back = asResponse(parseMessage(serialize(res)));
    t.equal(back.text, 'v=0\r\n');
    t.equal(back.vias.length, 3);
  });
});

/**
 * Framing SIP on a byte stream (RFC 3261 §18.3): messages cut by Content-Length whatever the chunking,
 * CRLF keep-alives between them (RFC 5626 §3.5.1), and a lost framing reported as FramingError.
 */
import t from 'tap';
import { parseMessage } from '../../sip/message/parser.js';
import { FramingError, StreamFramer } from '../../sip/message/stream-framer.js';

function message(callId: string, body = '', lengthHeader = 'Content-Length'): string {
  return [
    'OPTIONS sip:op1@setagaya.example SIP/2.0',
    `Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK${callId}`,
    'From: <sip:a@setagaya.example>;tag=1',
    'To: <sip:op1@setagaya.example>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    `${lengthHeader}: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function pushAll(framer: StreamFramer, data: Buffer, size: number): { messages: Buffer[]; pings: number; completedAt: number[] } {
  const messages: Buffer[] = [];
  const completedAt: number[] = [];
  let pings = 0;
  for (let i = 0; i < data.length; i += size) {
    const out = framer.push(data.subarray(i, i + size));
    for (const m of out.messages) {
      messages.push(Buffer.from(m));
      completedAt.push(Math.min(i + size, data.length));
    }
    pings += out.pings;
  }
  return { messages, pings, completedAt };
}

t.test('byte-at-a-time feeding gives each message when its last body octet arrives', async (t) => {
  const first = message('one', 'v=0\r\ns=世田谷\r\n');
  const second = message('two', 'x');
  const data = Buffer.from(first + second, 'utf8');
  const framer = new StreamFramer();
  const { messages, completedAt } = pushAll(framer, data, 1);
  t.equal(messages.length, 2);
  t.same(completedAt, [Buffer.byteLength(first), data.length], 'not one octet early or late');
  t.equal(messages[0]!.toString('utf8'), first);
  t.equal(messages[1]!.toString('utf8'), second);
  t.equal(parseMessage(messages[0]!, false).text, 'v=0\r\ns=世田谷\r\n', 'the frame parses with its whole body');
  t.equal(framer.pending, 0);
});

t.test('several messages and keep-alives in one chunk; the compact l counts as Content-Length', async (t) => {
  const framer = new StreamFramer();
  const out = framer.push(Buffer.from(message('a') + '\r\n\r\n' + message('b', 'hello', 'l') + message('c', '', 'content-LENGTH') + message('d', 'partial').slice(0, -3)));
  t.same(out.messages.map((m) => parseMessage(m, false).callId), ['a', 'b', 'c']);
  t.equal(parseMessage(out.messages[1]!, false).text, 'hello');
  t.equal(out.pings, 1);
  t.ok(framer.pending > 0, 'the incomplete fourth message waits');
  const rest = framer.push(Buffer.alloc(0));
  t.equal(rest.messages.length, 0);
});

t.test('keep-alive pings are CRLFCRLF, a lone CRLF is a pong (RFC 5626 §3.5.1, §4.4.1)', async (t) => {
  t.equal(new StreamFramer().push(Buffer.from('\r\n\r\n')).pings, 1);
  t.equal(new StreamFramer().push(Buffer.from('\r\n\r\n\r\n\r\n')).pings, 2);
  t.equal(new StreamFramer().push(Buffer.from('\r\n')).pings, 0, 'a pong is not a ping');
  const split = new StreamFramer();
  t.equal(split.push(Buffer.from('\r\n')).pings + split.push(Buffer.from('\r\n')).pings, 1, 'a ping split over two reads is still one ping');
  const bytes = new StreamFramer();
  t.equal(pushAll(bytes, Buffer.from('\r\n\r\n\r\n\r\n'), 1).pings, 2, 'byte at a time');
  const before = new StreamFramer();
  const out = pushAll(before, Buffer.from('\r\n\r\n' + message('m') + '\r\n\r\n'), 3);
  t.equal(out.pings, 2, 'pings around a message');
  t.equal(out.messages.length, 1);
  const pongThenMessage = new StreamFramer().push(Buffer.from('\r\n' + message('p')));
  t.equal(pongThenMessage.pings, 0, 'a pong before a message is not a ping');
  t.equal(pongThenMessage.messages.length, 1);
});

t.test('a message without Content-Length loses the framing: FramingError (§18.3)', async (t) => {
  const framer = new StreamFramer();
  const text = message('x').replace(/Content-Length: 0\r\n/, '');
  t.notMatch(text, /Content-Length/);
  t.throws(() => framer.push(Buffer.from(text)), FramingError);
  t.throws(() => new StreamFramer().push(Buffer.from(message('y').replace('Content-Length: 0', 'X-Content-Length: 0'))), FramingError,
    'another header ending in Content-Length does not count');
});

t.test('over-size messages: FramingError', async (t) => {
  const framer = new StreamFramer(1000);
  t.throws(() => framer.push(Buffer.from(message('big', 'x'.repeat(1000)))), FramingError, 'Content-Length beyond the limit, before the body arrives');
  t.throws(() => new StreamFramer(1000).push(Buffer.from('OPTIONS sip:a SIP/2.0\r\n' + 'X-Long: y\r\n'.repeat(100))), FramingError,
    'headers that do not end within the limit');
  const ok = new StreamFramer(1000).push(Buffer.from('OPTIONS sip:a SIP/2.0\r\n' + 'X-Long: y\r\n'.repeat(50)));
  t.equal(ok.messages.length, 0, 'unfinished headers under the limit just wait');
  t.doesNotThrow(() => new StreamFramer(1000).push(Buffer.from(message('fits', 'x'.repeat(700)))));
});

/** Call flows as data (T1): the seeded definition is valid, and a wrong one is refused naming the key. */
import t from 'tap';
import { FlowDefinitionError, parseFlow } from '../../apps/callflow/flow-definition.js';
import { DigitInput } from '../../apps/callflow/digit-input.js';
import { DEFAULT_FLOW } from '../../db/seeds/call-flows.js';
import { parseMessage } from '../../sip/message/parser.js';
import type { SipRequest } from '../../sip/message/message.js';
import { dtmfFromInfo } from '../../sip/message/dtmf-info.js';

t.test('the seeded flow of every ward number is a valid definition', async (t) => {
  const flow = parseFlow(DEFAULT_FLOW);
  t.same(flow.languageMenu?.options, { '1': 'ja', '2': 'en', '3': 'zh', '4': 'ko', '9': 'interpreter' }, 'T10: Japanese, English, Chinese, Korean, others by interpreting');
});

t.test('a wrong definition is refused with the key and the reason', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ ...DEFAULT_FLOW, format: 2 }, /^format: /],
    [{ ...DEFAULT_FLOW, queue: 'General Queue' }, /^queue: lower-case/],
    [{ ...DEFAULT_FLOW, busyAt: 0 }, /^busyAt: /],
    [{ ...DEFAULT_FLOW, languageMenu: { ...DEFAULT_FLOW.languageMenu, options: { '12': 'en' } } }, /^languageMenu\.options\.12: /],
    [{ ...DEFAULT_FLOW, languageMenu: { ...DEFAULT_FLOW.languageMenu, options: { '2': 'fr' } } }, /^languageMenu\.options\.2: /],
    [{ ...DEFAULT_FLOW, languageMenu: { ...DEFAULT_FLOW.languageMenu, options: {} } }, /^languageMenu\.options: at least one option/],
    [{ ...DEFAULT_FLOW, colour: 'red' }, /unrecognized|colour/i],
    ['not an object', /^\(top level\): /],
  ];
  for (const [input, message] of cases) t.throws(() => parseFlow(input), { name: FlowDefinitionError.name, message }, String(message));
});

function info(contentType: string, body: string): SipRequest {
  const text = `INFO sip:ivr@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: c1\r\nCSeq: 2 INFO\r\nMax-Forwards: 70\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return parseMessage(Buffer.from(text)) as SipRequest;
}

t.test('DTMF by SIP INFO: application/dtmf-relay and application/dtmf; anything else is no key', async (t) => {
  t.equal(dtmfFromInfo(info('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')), '5');
  t.equal(dtmfFromInfo(info('application/dtmf-relay', 'Signal= #\r\nDuration=160\r\n')), '#');
  t.equal(dtmfFromInfo(info('application/dtmf-relay', 'Signal=11\r\n')), '#', 'the event number 11 of gateways that send it');
  t.equal(dtmfFromInfo(info('application/dtmf', '9')), '9');
  t.equal(dtmfFromInfo(info('application/dtmf-relay', 'Signal=X\r\n')), null);
  t.equal(dtmfFromInfo(info('application/json', '{"signal":"5"}')), null);
});

t.test('digit input: type-ahead is kept, a wait ends on a key, a timeout or the hang-up', async (t) => {
  const input = new DigitInput();
  input.push('1');
  input.push('x');
  t.equal(await input.next(10), '1', 'a key pressed before is returned at once');
  t.equal(await input.next(10), null, 'a non-DTMF character was never a key');
  setTimeout(() => input.push('#'), 5);
  t.equal(await input.next(1000), '#');
  const hangup = new AbortController();
  setTimeout(() => hangup.abort(), 5);
  t.equal(await input.next(10_000, hangup.signal), null, 'the caller hung up');
});

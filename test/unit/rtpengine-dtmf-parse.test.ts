/** Parsing rtpengine's DTMF datagrams (dtmf-log-dest): every key, and anything else dropped (issue 4 item 3). */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import t from 'tap';
import { DtmfEvents, parseDtmfDatagram } from '../../media/rtpengine/dtmf-events.js';

const report = (o: Record<string, unknown> = {}) =>
  JSON.stringify({ callid: 'c1', source_tag: 'ft', tags: ['ft', 'tt'], type: 'DTMF', timestamp: 1732490000, source_ip: '127.0.0.1', event: 5, duration: 80, volume: 10, ...o });

t.test('a report of rtpengine 10.5 becomes a typed key press', async (t) => {
  t.same(parseDtmfDatagram(Buffer.from(report())), {
    callId: 'c1', sourceTag: 'ft', tags: ['ft', 'tt'], digit: '5', event: 5, durationMs: 80, volume: 10, sourceIp: '127.0.0.1', timestamp: 1732490000,
  });
  const digits = Array.from({ length: 16 }, (_, event) => parseDtmfDatagram(report({ event }))?.digit).join('');
  t.equal(digits, '0123456789*#ABCD', 'RFC 4733 events 0-15');
});

t.test('anything else is not a key press', async (t) => {
  const bad: [string, string][] = [
    ['not JSON', 'DTMF 5'],
    ['truncated JSON', report().slice(0, 30)],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['another type', report({ type: 'RTCP' })],
    ['event 16 (flash)', report({ event: 16 })],
    ['negative event', report({ event: -1 })],
    ['event as a string', report({ event: '5' })],
    ['no call-id', report({ callid: undefined })],
    ['empty call-id', report({ callid: '' })],
    ['no source tag', report({ source_tag: 7 })],
    ['fractional duration', report({ duration: 1.5 })],
    ['empty', ''],
    ['invalid UTF-8', '\xff\xfe'],
  ];
  for (const [name, text] of bad) t.equal(parseDtmfDatagram(Buffer.from(text, 'latin1')), null, name);
  const odd = parseDtmfDatagram(report({ tags: 'x', volume: 99 }));
  t.same([odd?.tags, odd?.volume], [[], 0], 'odd optional fields are defaulted, not trusted');
});

t.test('the listener emits key presses and counts the rest', async (t) => {
  const events = await DtmfEvents.listen({ port: 0 });
  t.teardown(() => events.close());
  const sender = createSocket('udp4');
  t.teardown(() => sender.close());
  const got: string[] = [];
  events.on('dtmf', (e) => got.push(e.digit));
  for (const d of ['{oops', report({ event: 1 }), 'x', report({ event: 11 })]) sender.send(d, events.port, '127.0.0.1');
  while (got.length < 2) await once(events, 'dtmf');
  t.same(got, ['1', '#']);
  t.equal(events.malformed, 2, 'two malformed datagrams counted');
  await t.rejects(DtmfEvents.listen({ port: events.port }), { code: 'EADDRINUSE' }, 'a taken port is refused');
});

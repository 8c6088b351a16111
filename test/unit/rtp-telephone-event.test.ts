import t from 'tap';
import {
  decodeTelephoneEvent,
  digitToEvent,
  encodeTelephoneEvent,
  TelephoneEventReceiver,
  telephoneEventPackets,
} from '../../media/rtp/telephone-event.js';

t.test('digits map to RFC 4733 event codes and back', async (t) => {
  t.same([...'0123456789*#ABCD'].map(digitToEvent), [...Array(16).keys()]);
  t.equal(digitToEvent('a'), 12, 'A-D in either case');
  for (const bad of ['', 'E', '12', ' ', '+']) t.throws(() => digitToEvent(bad), { name: 'TelephoneEventError' }, `'${bad}' is refused`);
});

t.test('the payload is event, E bit, volume, duration', async (t) => {
  const buf = encodeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 800 });
  t.same([...buf], [11, 0x8a, 0x03, 0x20]);
  t.same(decodeTelephoneEvent(buf), { event: 11, end: true, volume: 10, duration: 800 });
  t.throws(() => decodeTelephoneEvent(Buffer.from([1, 2, 3])), /3 octets/);
});

t.test('one key press: marker on the first packet, growing durations, three identical end packets', async (t) => {
  const packets = telephoneEventPackets('5', 100);
  const decoded = packets.map((p) => decodeTelephoneEvent(p.payload));
  t.same(packets.map((p) => p.marker), [true, false, false, false, false, false, false]);
  t.same(decoded.map((d) => d.duration), [160, 320, 480, 640, 800, 800, 800]);
  t.same(decoded.map((d) => d.end), [false, false, false, false, true, true, true]);
  t.ok(decoded.every((d) => d.event === 5 && d.volume === 10));
  t.throws(() => telephoneEventPackets('5', 10), /duration 10 ms/);
  t.throws(() => telephoneEventPackets('X', 100), /not a DTMF digit/);
});

t.test('the receiver reports each event once, however many end packets arrive', async (t) => {
  const rx = new TelephoneEventReceiver();
  const events = [];
  let at = 0;
  for (const p of telephoneEventPackets('#', 120)) events.push(...rx.receive(4000, p.payload, (at += 20)));
  // A late retransmission of the end packet after the event was reported.
  events.push(...rx.receive(4000, telephoneEventPackets('#', 120).at(-1)!.payload, (at += 20)));
  t.same(events, [{ digit: '#', durationMs: 120 }]);
  t.same(rx.expire(at + 1000), [], 'nothing left to expire');
});

t.test('an event whose end packets were all lost is reported when the next begins, or when it goes quiet', async (t) => {
  const rx = new TelephoneEventReceiver(250);
  const one = telephoneEventPackets('1', 100).filter((p) => !decodeTelephoneEvent(p.payload).end);
  const two = telephoneEventPackets('2', 60);
  const out = [];
  for (const p of one) out.push(...rx.receive(1000, p.payload, 0));
  t.same(out, [], 'no end yet');
  for (const p of two) out.push(...rx.receive(3000, p.payload, 100));
  t.same(out, [{ digit: '1', durationMs: 80 }, { digit: '2', durationMs: 60 }], 'digit 1 with the duration last seen, then digit 2');

  const three = telephoneEventPackets('9', 200).slice(0, 3);
  for (const p of three) t.same(rx.receive(9000, p.payload, 200), []);
  t.same(rx.expire(300), [], 'not yet quiet for 250 ms');
  t.same(rx.expire(450), [{ digit: '9', durationMs: 60 }], 'reported after 250 ms without packets');
  t.same(rx.receive(9000, telephoneEventPackets('9', 200).at(-1)!.payload, 460), [], 'its late end packet does not report it again');
});

t.test('events other than digits (flash, tones) are ignored', async (t) => {
  const rx = new TelephoneEventReceiver();
  t.same(rx.receive(1, encodeTelephoneEvent({ event: 16, end: true, volume: 10, duration: 800 }), 0), []);
  t.same(rx.expire(10_000), []);
});

import t from 'tap';
import { parseRtp, RtpPacketError, seqDiff, serializeRtp, type RtpPacket } from '../../media/rtp/rtp-packet.js';

const base: RtpPacket = { marker: false, payloadType: 0, sequence: 1, timestamp: 160, ssrc: 0x11223344, csrcs: [], padding: 0, payload: Buffer.alloc(160, 0xff) };

t.test('a plain G.711 packet round-trips and has the RFC 3550 layout', async (t) => {
  const wire = serializeRtp({ ...base, marker: true, payloadType: 8, sequence: 65535, timestamp: 0xfffffff0 });
  t.equal(wire.length, 172, '12-octet header + 160 octets');
  t.equal(wire[0], 0x80, 'V=2, no padding, extension or CSRC');
  t.equal(wire[1], 0x88, 'marker bit and PT 8');
  const p = parseRtp(wire);
  t.match(p, { marker: true, payloadType: 8, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0x11223344, csrcs: [], padding: 0 });
  t.same([...p.payload], [...base.payload]);
});

t.test('CSRCs, a header extension and padding round-trip; padding is not payload', async (t) => {
  const packet: RtpPacket = { ...base, csrcs: [1, 0xffffffff], extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) }, padding: 4, payload: Buffer.from('abc') };
  const wire = serializeRtp(packet);
  t.equal(wire[0], 0x80 | 0x20 | 0x10 | 2);
  t.equal(wire.length, 12 + 8 + 4 + 8 + 3 + 4);
  const p = parseRtp(wire);
  t.same(p.csrcs, [1, 0xffffffff]);
  t.equal(p.extension?.profile, 0xbede);
  t.same([...p.extension!.data], [1, 2, 3, 4, 5, 6, 7, 8]);
  t.equal(p.padding, 4);
  t.equal(p.payload.toString(), 'abc');
});

t.test('malformed packets are RtpPacketErrors naming the fault', async (t) => {
  const good = serializeRtp(base);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /shorter than the 12-octet header/],
    ['11 octets', good.subarray(0, 11), /shorter/],
    ['version 1', Buffer.concat([Buffer.from([0x40]), good.subarray(1)]), /version 1/],
    ['version 0 (STUN-like)', Buffer.concat([Buffer.from([0x00]), good.subarray(1)]), /version 0/],
    ['15 CSRCs in a short packet', Buffer.concat([Buffer.from([0x8f]), good.subarray(1, 20)]), /CSRC count 15/],
    ['extension bit without extension', Buffer.concat([Buffer.from([0x90]), good.subarray(1, 12)]), /no extension header/],
    ['extension longer than the packet', Buffer.concat([Buffer.from([0x90]), good.subarray(1, 12), Buffer.from([0xbe, 0xde, 0x00, 0x09])]), /runs past/],
    ['padding count 0', (() => { const b = Buffer.from(good); b[0] = 0xa0; b[b.length - 1] = 0; return b; })(), /padding count 0/],
    ['padding longer than the body', (() => { const b = Buffer.from(good); b[0] = 0xa0; b[b.length - 1] = 200; return b; })(), /padding count 200/],
  ];
  for (const [name, buf, message] of cases) t.throws(() => parseRtp(buf), { name: 'RtpPacketError', message }, name);
  t.ok(new RtpPacketError('x') instanceof Error);
});

t.test('serializing refuses what cannot be put on the wire', async (t) => {
  t.throws(() => serializeRtp({ ...base, payloadType: 128 }), /payload type 128/);
  t.throws(() => serializeRtp({ ...base, csrcs: new Array(16).fill(1) }), /at most 15/);
  t.throws(() => serializeRtp({ ...base, extension: { profile: 1, data: Buffer.alloc(3) } }), /32-bit words/);
  t.throws(() => serializeRtp({ ...base, padding: 256 }), /padding 256/);
});

t.test('sequence numbers compare across the 16-bit wrap', async (t) => {
  t.equal(seqDiff(0, 65535), 1);
  t.equal(seqDiff(65535, 0), -1);
  t.equal(seqDiff(10, 5), 5);
  t.equal(seqDiff(5, 10), -5);
  t.equal(seqDiff(100, 65500), 136);
});

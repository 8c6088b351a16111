/** The libpcap reader (T8 captures): byte orders, time resolutions, chunking, cut and broken files. */
import t from 'tap';
import { PcapError, PcapReader, type PcapRecord } from '../../media/recording/pcap-reader.js';
import { capture, ipUdp, pcapHeader, rtp, type CaptureOptions } from '../helpers/recording-capture.js';

const packets = [
  { timeUs: 1_795_566_182_001_069, frame: ipUdp(34183, 43014, rtp(0, 1000, 0, 0xaaaa0001, Buffer.alloc(160, 0x11))) },
  { timeUs: 1_795_566_182_021_500, frame: ipUdp(41646, 43000, rtp(8, 5000, 8000, 0xbbbb0002, Buffer.alloc(160, 0x22))) },
  { timeUs: 1_795_566_182_041_999, frame: ipUdp(34183, 43014, rtp(0, 1001, 160, 0xaaaa0001, Buffer.alloc(80, 0x33))) },
];

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function readAll(buf: Buffer, chunkSize = 1 << 20): Promise<{ reader: PcapReader; records: { timeUs: number; length: number; data: string }[] }> {
  const reader = new PcapReader(chunks(buf, chunkSize));
  const records: { timeUs: number; length: number; data: string }[] = [];
  for await (const r of reader.records() as AsyncIterable<PcapRecord>) records.push({ timeUs: r.timeUs, length: r.originalLength, data: r.data.toString('hex') });
  return { reader, records };
}

const expected = packets.map((p) => ({ timeUs: p.timeUs, length: p.frame.length, data: p.frame.toString('hex') }));

t.test('both byte orders and both time resolutions read the same records', async (t) => {
  for (const o of [{}, { bigEndian: true }, { nanosecond: true }, { bigEndian: true, nanosecond: true }] as CaptureOptions[]) {
    const { reader, records } = await readAll(capture(packets, o));
    t.same(records, expected, JSON.stringify(o));
    t.equal(reader.header?.littleEndian, !o.bigEndian);
    t.equal(reader.header?.nanosecond, Boolean(o.nanosecond));
    t.equal(reader.header?.linkType, 101);
    t.equal(reader.truncated, false);
  }
});

t.test('records split across chunks of any size come out whole', async (t) => {
  const file = capture(packets);
  for (const size of [1, 7, 16, 23, 24, 25, 200]) t.same((await readAll(file, size)).records, expected, `chunks of ${size}`);
});

t.test('a file cut inside a record gives the whole records before it and says where it was cut', async (t) => {
  const file = capture(packets);
  const cut = file.length - 50;
  const { reader, records } = await readAll(file.subarray(0, cut), 64);
  t.same(records, expected.slice(0, 2));
  t.equal(reader.truncated, true);
  t.match(reader.truncatedReason, /file ends inside a record: \d+ bytes after byte \d+/);
  t.equal(reader.bytesRead, cut - (packets[2]!.frame.length + 16 - 50));

  const inHeader = await readAll(file.subarray(0, 24 + 16 + packets[0]!.frame.length + 9));
  t.same(inHeader.records, expected.slice(0, 1), 'cut inside the next record header');
  t.equal(inHeader.reader.truncated, true);
});

t.test('a record header claiming an absurd length ends the reading as truncated, not with an error', async (t) => {
  const file = capture(packets);
  const second = 24 + 16 + packets[0]!.frame.length;
  file.writeUInt32LE(0x7fffffff, second + 8);
  const { reader, records } = await readAll(file);
  t.same(records, expected.slice(0, 1));
  t.equal(reader.truncated, true);
  t.match(reader.truncatedReason, /claims 2147483647 bytes/);
});

t.test('a header-only file is a capture with no packets', async (t) => {
  const { reader, records } = await readAll(pcapHeader());
  t.same(records, []);
  t.equal(reader.truncated, false);
});

t.test('a file that is not a pcap is a clear error', async (t) => {
  const fails = async (buf: Buffer, kind: string, message: RegExp) => {
    const err = await readAll(buf).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(err, PcapError);
    t.equal((err as PcapError).kind, kind);
    t.match((err as PcapError).message, message);
  };
  await fails(Buffer.alloc(0), 'empty', /capture file is empty/);
  await fails(pcapHeader().subarray(0, 10), 'short-header', /ends inside its global header \(10 of 24 bytes\)/);
  await fails(Buffer.from('RIFF....WAVEfmt data and some more bytes'), 'bad-magic', /not a pcap file \(magic 0x52494646\)/);
  await fails(Buffer.concat([Buffer.from('0a0d0d0a', 'hex'), Buffer.alloc(40)]), 'pcapng', /pcapng/);
  const v1 = pcapHeader();
  v1.writeUInt16LE(1, 4);
  await fails(v1, 'bad-version', /unsupported pcap version 1\.4/);
});

/**
 * A streaming reader of classic libpcap files (not pcapng), the format rtpengine writes with
 * `recording-method = pcap`: both byte orders, microsecond and nanosecond timestamps. A file cut short by a
 * crash or a full disk is read up to its last whole record and reported `truncated`; only a file whose
 * global header is not a pcap header is an error.
 */
import { createReadStream } from 'node:fs';

export class PcapError extends Error {
  override name = 'PcapError';
  constructor(
    /** `empty` and `short-header`: the writer died before its header reached the disk. */
    readonly kind: 'empty' | 'short-header' | 'bad-magic' | 'pcapng' | 'bad-version' | 'bad-link-type',
    message: string,
  ) {
    super(message);
  }
}

export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snapLength: number;
  /** LINKTYPE_* of tcpdump.org: 101 raw IP (rtpengine's `raw`), 1 Ethernet (rtpengine's `eth`). */
  linkType: number;
}

export interface PcapRecord {
  /** Capture time in microseconds since the Unix epoch (exact in a double until the year 2255). */
  timeUs: number;
  originalLength: number;
  /** The captured bytes; valid only until the reader moves to the next record. */
  data: Buffer;
}

export const GLOBAL_HEADER_BYTES = 24;
export const RECORD_HEADER_BYTES = 16;
/** No capture of ours has a record this large; a larger length means the record header is garbage. */
const MAX_RECORD_BYTES = 262_144;

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const PCAPNG = 0x0a0d0d0a;

export function parseGlobalHeader(buf: Buffer): PcapHeader {
  if (buf.length === 0) throw new PcapError('empty', 'capture file is empty');
  if (buf.length < GLOBAL_HEADER_BYTES) throw new PcapError('short-header', `capture file ends inside its global header (${buf.length} of 24 bytes)`);
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (le === MAGIC_US || le === MAGIC_NS) [littleEndian, nanosecond] = [true, le === MAGIC_NS];
  else if (be === MAGIC_US || be === MAGIC_NS) [littleEndian, nanosecond] = [false, be === MAGIC_NS];
  else if (be === PCAPNG) throw new PcapError('pcapng', 'capture file is pcapng, not classic pcap');
  else throw new PcapError('bad-magic', `not a pcap file (magic 0x${be.toString(16).padStart(8, '0')})`);
  const u16 = (o: number) => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const versionMajor = u16(4);
  if (versionMajor !== 2) throw new PcapError('bad-version', `unsupported pcap version ${versionMajor}.${u16(6)}`);
  return { littleEndian, nanosecond, versionMajor, versionMinor: u16(6), snapLength: u32(16), linkType: u32(20) & 0x0fffffff };
}

/**
 * Reads one capture. Iterate `records()` once; afterwards `truncated` and `truncatedReason` say whether
 * the file ended inside a record (or a record header made no sense) and where.
 */
export class PcapReader {
  header: PcapHeader | undefined;
  truncated = false;
  truncatedReason: string | undefined;
  /** Bytes of the file consumed as whole records (plus the global header). */
  bytesRead = 0;

  constructor(private readonly source: AsyncIterable<Buffer | Uint8Array>) {}

  async *records(): AsyncGenerator<PcapRecord> {
    let pending: Buffer = Buffer.alloc(0);
    let header: PcapHeader | undefined;
    for await (const chunk of this.source) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (!header) {
        if (pending.length < GLOBAL_HEADER_BYTES) continue;
        header = this.header = parseGlobalHeader(pending);
        pending = pending.subarray(GLOBAL_HEADER_BYTES);
        this.bytesRead = GLOBAL_HEADER_BYTES;
      }
      const h = header;
      const u32 = h.littleEndian ? (o: number) => pending.readUInt32LE(o) : (o: number) => pending.readUInt32BE(o);
      let offset = 0;
      while (offset + RECORD_HEADER_BYTES <= pending.length) {
        const captured = u32(offset + 8);
        if (captured > MAX_RECORD_BYTES) {
          this.stop(`record header at byte ${this.bytesRead} claims ${captured} bytes: rest of the file is unreadable`);
          return;
        }
        if (offset + RECORD_HEADER_BYTES + captured > pending.length) break;
        const frac = u32(offset + 4);
        const start = offset + RECORD_HEADER_BYTES;
        yield {
          timeUs: u32(offset) * 1e6 + (h.nanosecond ? Math.floor(frac / 1000) : frac),
          originalLength: u32(offset + 12),
          data: pending.subarray(start, start + captured),
        };
        offset = start + captured;
        this.bytesRead += RECORD_HEADER_BYTES + captured;
      }
      // Copy the remainder so the chunk it came from can be released.
      pending = Buffer.from(pending.subarray(offset));
    }
    if (!header) {
      parseGlobalHeader(pending); // throws: empty or short
      return;
    }
    if (pending.length) this.stop(`file ends inside a record: ${pending.length} bytes after byte ${this.bytesRead}`);
  }

  private stop(reason: string): void {
    this.truncated = true;
    this.truncatedReason = reason;
  }
}

/** A reader of the file at `path`, read in 1 MiB chunks. */
export function openPcapFile(path: string): PcapReader {
  return new PcapReader(createReadStream(path, { highWaterMark: 1 << 20 }));
}

/**
 * RTP packets (RFC 3550 §5.1): the fixed header, CSRC list, header extension and padding. Parsing checks
 * every length against the datagram, so a malformed packet is an RtpPacketError naming what is wrong
 * (the endpoint counts and drops it) and never an out-of-range read.
 */

export class RtpPacketError extends Error {
  override name = 'RtpPacketError';
}

export interface RtpExtension {
  /** The 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  /** Whole 32-bit words, as on the wire. */
  data: Buffer;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  extension?: RtpExtension;
  /** Octets of padding after the payload (0: the P bit is clear). */
  padding: number;
  payload: Buffer;
}

const VERSION = 2;
const FIXED_HEADER = 12;

export function parseRtp(buf: Buffer): RtpPacket {
  if (buf.length < FIXED_HEADER) throw new RtpPacketError(`RTP packet of ${buf.length} octets is shorter than the 12-octet header`);
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  const version = b0 >> 6;
  if (version !== VERSION) throw new RtpPacketError(`RTP version ${version}, expected 2`);
  const cc = b0 & 0x0f;
  let offset = FIXED_HEADER + 4 * cc;
  if (offset > buf.length) throw new RtpPacketError(`CSRC count ${cc} runs past the end of a ${buf.length}-octet packet`);
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(buf.readUInt32BE(FIXED_HEADER + 4 * i));

  let extension: RtpExtension | undefined;
  if (b0 & 0x10) {
    if (offset + 4 > buf.length) throw new RtpPacketError('header extension flag set but no extension header');
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + 4 * words;
    if (end > buf.length) throw new RtpPacketError(`header extension of ${words} words runs past the end of the packet`);
    extension = { profile, data: Buffer.from(buf.subarray(offset + 4, end)) };
    offset = end;
  }

  let end = buf.length;
  let padding = 0;
  if (b0 & 0x20) {
    padding = buf[buf.length - 1]!;
    // RFC 3550 §5.1: the last octet counts itself, so 0 is invalid, and padding cannot eat the header.
    if (padding === 0 || offset + padding > buf.length) throw new RtpPacketError(`padding count ${padding} is invalid for a ${buf.length - offset}-octet body`);
    end -= padding;
  }

  const packet: RtpPacket = {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    padding,
    payload: buf.subarray(offset, end),
  };
  if (extension) packet.extension = extension;
  return packet;
}

export function serializeRtp(p: RtpPacket): Buffer {
  if (p.csrcs.length > 15) throw new RtpPacketError(`${p.csrcs.length} CSRCs: at most 15 fit the header`);
  if (!Number.isInteger(p.payloadType) || p.payloadType < 0 || p.payloadType > 127) throw new RtpPacketError(`payload type ${p.payloadType} is not 0-127`);
  if (!Number.isInteger(p.padding) || p.padding < 0 || p.padding > 255) throw new RtpPacketError(`padding ${p.padding} is not 0-255`);
  if (p.extension && p.extension.data.length % 4 !== 0) throw new RtpPacketError('header extension data must be whole 32-bit words');
  const extLength = p.extension ? 4 + p.extension.data.length : 0;
  const headerLength = FIXED_HEADER + 4 * p.csrcs.length + extLength;
  const buf = Buffer.alloc(headerLength + p.payload.length + p.padding);
  buf[0] = (VERSION << 6) | (p.padding ? 0x20 : 0) | (p.extension ? 0x10 : 0) | p.csrcs.length;
  buf[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  buf.writeUInt16BE(p.sequence & 0xffff, 2);
  buf.writeUInt32BE(p.timestamp >>> 0, 4);
  buf.writeUInt32BE(p.ssrc >>> 0, 8);
  let offset = FIXED_HEADER;
  for (const csrc of p.csrcs) {
    buf.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (p.extension) {
    buf.writeUInt16BE(p.extension.profile, offset);
    buf.writeUInt16BE(p.extension.data.length / 4, offset + 2);
    p.extension.data.copy(buf, offset + 4);
    offset += extLength;
  }
  p.payload.copy(buf, offset);
  if (p.padding) buf[buf.length - 1] = p.padding;
  return buf;
}

/** Signed distance from sequence number `b` to `a` on the 16-bit circle: positive when `a` comes after `b`. */
export function seqDiff(a: number, b: number): number {
  return ((a - b + 0x8000) & 0xffff) - 0x8000;
}

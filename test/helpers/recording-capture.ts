/**
 * Synthetic captures in rtpengine 10.5's pcap layout, as read from real ones (test/integration/
 * recording-rtpengine.test.ts compares the two byte for byte): libpcap 2.4, little-endian, microseconds,
 * snaplen 65535, link type 101 (raw IP); each record one IPv4 header (no options, id 0, ttl 64, checksum 0)
 * and UDP header (checksum 0) around the RTP packet as rtpengine received it, from the sender's address to
 * rtpengine's receiving port.
 */
import { encodeG711, G711_PAYLOAD_TYPE, type G711Law } from '../../media/audio/g711.js';
import { serializeRtp } from '../../media/rtp/rtp-packet.js';

export interface CaptureOptions {
  bigEndian?: boolean;
  nanosecond?: boolean;
  linkType?: number;
}

export function pcapHeader(o: CaptureOptions = {}): Buffer {
  const h = Buffer.alloc(24);
  const w32 = (v: number, at: number) => (o.bigEndian ? h.writeUInt32BE(v, at) : h.writeUInt32LE(v, at));
  const w16 = (v: number, at: number) => (o.bigEndian ? h.writeUInt16BE(v, at) : h.writeUInt16LE(v, at));
  w32(o.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(2, 4);
  w16(4, 6);
  w32(65535, 16);
  w32(o.linkType ?? 101, 20);
  return h;
}

export function pcapRecord(timeUs: number, frame: Buffer, o: CaptureOptions = {}): Buffer {
  const h = Buffer.alloc(16);
  const w32 = (v: number, at: number) => (o.bigEndian ? h.writeUInt32BE(v, at) : h.writeUInt32LE(v, at));
  w32(Math.floor(timeUs / 1e6), 0);
  w32(o.nanosecond ? (timeUs % 1e6) * 1000 : timeUs % 1e6, 4);
  w32(frame.length, 8);
  w32(frame.length, 12);
  return Buffer.concat([h, frame]);
}

/** An IPv4/UDP datagram from 127.0.0.1:src to 127.0.0.1:dst, headers as rtpengine makes them up. */
export function ipUdp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(28 + payload.length);
  b[0] = 0x45;
  b.writeUInt16BE(b.length, 2);
  b[8] = 64;
  b[9] = 17;
  b.writeUInt32BE(0x7f000001, 12);
  b.writeUInt32BE(0x7f000001, 16);
  b.writeUInt16BE(srcPort, 20);
  b.writeUInt16BE(dstPort, 22);
  b.writeUInt16BE(8 + payload.length, 24);
  payload.copy(b, 28);
  return b;
}

export function rtp(pt: number, sequence: number, timestamp: number, ssrc: number, payload: Uint8Array): Buffer {
  return serializeRtp({ marker: false, payloadType: pt, sequence: sequence & 0xffff, timestamp: timestamp >>> 0, ssrc, csrcs: [], padding: 0, payload: Buffer.from(payload) });
}

export interface Stream {
  /** rtpengine's port the packets were sent to (the caller's port marks the caller). */
  dstPort: number;
  srcPort: number;
  ssrc: number;
  law?: G711Law;
  /** RTP timestamp of the first packet. */
  firstTimestamp?: number;
  firstSequence?: number;
  /** Capture time of the first packet, µs since the epoch. */
  startUs: number;
}

/** One captured packet: when, and the frame (IP/UDP/RTP). */
export interface Captured {
  timeUs: number;
  frame: Buffer;
}

/** 20 ms packets of `samples` from one stream, captured exactly on time. */
export function streamPackets(s: Stream, samples: Int16Array): Captured[] {
  const law = s.law ?? 'PCMU';
  const out: Captured[] = [];
  for (let i = 0; i * 160 < samples.length; i++) {
    const payload = encodeG711(law, samples.subarray(i * 160, (i + 1) * 160));
    const packet = rtp(G711_PAYLOAD_TYPE[law], (s.firstSequence ?? 1000) + i, (s.firstTimestamp ?? 0) + i * 160, s.ssrc, payload);
    out.push({ timeUs: s.startUs + i * 20_000, frame: ipUdp(s.srcPort, s.dstPort, packet) });
  }
  return out;
}

/** A whole capture file of these packets in the order given. */
export function capture(packets: Captured[], o: CaptureOptions = {}): Buffer {
  return Buffer.concat([pcapHeader(o), ...packets.map((p) => pcapRecord(p.timeUs, p.frame, o))]);
}

/** Packets of several streams in capture-time order. */
export function interleave(...streams: Captured[][]): Captured[] {
  return streams.flat().sort((a, b) => a.timeUs - b.timeUs);
}

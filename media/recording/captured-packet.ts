/**
 * From a captured frame to the UDP datagram inside it: link layer (raw IP or Ethernet), IPv4 or IPv6, UDP.
 * rtpengine writes made-up IP/UDP headers (checksums 0) around each packet it received; anything that is
 * not a whole, unfragmented UDP datagram comes back undefined.
 */

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

function ipPacket(linkType: number, frame: Buffer): Buffer | undefined {
  switch (linkType) {
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return frame;
    case LINKTYPE_ETHERNET: {
      if (frame.length < 14) return undefined;
      const etherType = frame.readUInt16BE(12);
      return etherType === 0x0800 || etherType === 0x86dd ? frame.subarray(14) : undefined;
    }
    default:
      return undefined;
  }
}

/** Whether `parseUdp` understands frames of this link type. */
export function supportedLinkType(linkType: number): boolean {
  return [LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_ETHERNET].includes(linkType);
}

export function parseUdp(linkType: number, frame: Buffer): UdpDatagram | undefined {
  const ip = ipPacket(linkType, frame);
  if (!ip || ip.length < 1) return undefined;
  let udp: Buffer;
  const version = ip[0]! >> 4;
  if (version === 4) {
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ihl < 20 || ip.length < ihl + 8 || ip[9] !== 17) return undefined;
    // A fragment (more-fragments flag or an offset) is never a whole RTP packet.
    if (ip.readUInt16BE(6) & 0x3fff) return undefined;
    udp = ip.subarray(ihl);
  } else if (version === 6) {
    if (ip.length < 48 || ip[6] !== 17) return undefined;
    udp = ip.subarray(40);
  } else {
    return undefined;
  }
  const length = udp.readUInt16BE(4);
  if (length < 8 || length > udp.length) return undefined;
  return { srcPort: udp.readUInt16BE(0), dstPort: udp.readUInt16BE(2), payload: udp.subarray(8, length) };
}

/** RTCP shares the port with RTP when multiplexed (RFC 5761): its packet types 192-223 are never RTP. */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

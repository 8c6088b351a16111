/**
 * One call's rtpengine capture to one stereo WAV (8 kHz, 16-bit; T8): left the caller, right everything the
 * caller heard from the other legs (operator, interpreter, our own prompt endpoint), mixed.
 *
 * rtpengine records each packet as it RECEIVED it: source = the sender, destination = rtpengine's own port
 * that took it in (checked on rtpengine 10.5 captures; `recording-method = pcap` has no egress option
 * there). So the packets sent TO the port rtpengine opened towards the caller are the caller's voice and all
 * other RTP is the other side. Media rtpengine generates itself (`play media`) is not in the capture.
 *
 * G.711 µ-law and A-law are decoded; RTCP, telephone-event (RFC 4733) and every other payload are skipped.
 * The file is written as a `.part`, its header completed at the end, then renamed: a WAV under the final
 * name is always whole. A capture cut short (crash, full disk) is converted as far as it goes and reported
 * incomplete.
 */
import { open, rename, rm } from 'node:fs/promises';
import { decodeG711, G711_PAYLOAD_TYPE } from '../audio/g711.js';
import { wavHeader } from '../audio/wav.js';
import { parseRtp, type RtpPacket } from '../rtp/rtp-packet.js';
import { isRtcp, parseUdp, supportedLinkType } from './captured-packet.js';
import { openPcapFile, PcapError } from './pcap-reader.js';
import { SAMPLE_RATE, SourceClock } from './source-clock.js';
import { StereoTimeline, type Channel } from './stereo-timeline.js';

export interface CaptureToWavOptions {
  pcapPath: string;
  outPath: string;
  /**
   * rtpengine's RTP port facing the caller: packets sent to it are the caller's voice. Unknown (a capture
   * left by a crash without SDP in its metadata): the port the first audio packet went to, reported as a
   * guess.
   */
  callerPort: number | undefined;
}

export interface CaptureConversion {
  durationMs: number;
  /** Capture time of the first audio packet; null when the capture holds none. */
  startedAt: Date | null;
  endedAt: Date | null;
  complete: boolean;
  /** `capture-truncated: ...` or `capture-empty: ...` when not complete. */
  incompleteReason?: string;
  /** The caller's port was not given and was taken from the first audio packet. */
  callerGuessed: boolean;
  /** Audio packets decoded from each side. */
  packets: { caller: number; other: number };
  /** RTCP, DTMF events, other payloads, duplicates. */
  ignored: number;
  /** Audio packets that arrived after their place was already written (over 4 s late). */
  late: number;
  /** Size of the WAV file. */
  bytes: number;
}

const LAW_BY_PT = new Map([
  [G711_PAYLOAD_TYPE.PCMU, 'PCMU' as const],
  [G711_PAYLOAD_TYPE.PCMA, 'PCMA' as const],
]);
const HEADER_BYTES = 44;
const CHANNELS = 2;

export async function captureToWav(o: CaptureToWavOptions): Promise<CaptureConversion> {
  const part = `${o.outPath}.part`;
  const file = await open(part, 'w');
  try {
    await file.write(wavHeader(SAMPLE_RATE, CHANNELS, 0), 0, HEADER_BYTES, 0);
    let offset = HEADER_BYTES;
    const timeline = new StereoTimeline(async (pcm) => {
      await file.write(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), 0, pcm.byteLength, offset);
      offset += pcm.byteLength;
    });
    const r = await placePackets(o, timeline);
    const frames = await timeline.finish();
    const dataBytes = frames * CHANNELS * 2;
    await file.write(wavHeader(SAMPLE_RATE, CHANNELS, dataBytes), 0, HEADER_BYTES, 0);
    await file.sync();
    await file.close();
    await rename(part, o.outPath);
    const durationMs = Math.round((frames * 1000) / SAMPLE_RATE);
    return {
      durationMs,
      startedAt: r.startUs === undefined ? null : new Date(Math.floor(r.startUs / 1000)),
      endedAt: r.startUs === undefined ? null : new Date(Math.floor(r.startUs / 1000) + durationMs),
      complete: !r.incompleteReason,
      ...(r.incompleteReason ? { incompleteReason: r.incompleteReason } : {}),
      packets: r.packets,
      callerGuessed: o.callerPort === undefined && r.startUs !== undefined,
      ignored: r.ignored,
      late: r.late,
      bytes: HEADER_BYTES + dataBytes,
    };
  } catch (e) {
    await file.close().catch(() => undefined);
    await rm(part, { force: true });
    throw e;
  }
}

interface Placed {
  startUs: number | undefined;
  packets: { caller: number; other: number };
  ignored: number;
  late: number;
  incompleteReason?: string;
}

async function placePackets(o: CaptureToWavOptions, timeline: StereoTimeline): Promise<Placed> {
  const reader = openPcapFile(o.pcapPath);
  const placed: Placed = { startUs: undefined, packets: { caller: 0, other: 0 }, ignored: 0, late: 0 };
  const sources = new Map<string, SourceClock>();
  let callerPort = o.callerPort;
  try {
    for await (const record of reader.records()) {
      const linkType = reader.header!.linkType;
      if (!supportedLinkType(linkType)) throw new PcapError('bad-link-type', `capture link type ${linkType} is neither raw IP nor Ethernet`);
      const udp = parseUdp(linkType, record.data);
      const rtp = udp && !isRtcp(udp.payload) ? rtpOrUndefined(udp.payload) : undefined;
      const law = rtp && LAW_BY_PT.get(rtp.payloadType);
      if (!udp || !rtp || !law || !rtp.payload.length) {
        placed.ignored++;
        continue;
      }
      placed.startUs ??= record.timeUs;
      callerPort ??= udp.dstPort;
      const capturePosition = Math.round(((record.timeUs - placed.startUs) * SAMPLE_RATE) / 1e6);
      const channel: Channel = udp.dstPort === callerPort ? 0 : 1;
      const key = `${udp.dstPort}/${rtp.ssrc}`;
      let clock = sources.get(key);
      if (!clock) sources.set(key, (clock = new SourceClock(rtp.timestamp, capturePosition)));
      if (!clock.firstSight(rtp.sequence)) {
        placed.ignored++;
        continue;
      }
      const position = clock.position(rtp.timestamp, capturePosition);
      if (await timeline.put(channel, position, decodeG711(law, rtp.payload))) placed.packets[channel === 0 ? 'caller' : 'other']++;
      else placed.late++;
    }
  } catch (e) {
    if (!(e instanceof PcapError) || (e.kind !== 'empty' && e.kind !== 'short-header')) throw e;
    placed.incompleteReason = `capture-empty: ${e.message}`;
    return placed;
  }
  if (reader.truncated) placed.incompleteReason = `capture-truncated: ${reader.truncatedReason}`;
  return placed;
}

function rtpOrUndefined(buf: Buffer): RtpPacket | undefined {
  try {
    return parseRtp(buf);
  } catch {
    return undefined; // not RTP (a STUN or malformed packet): skipped like RTCP
  }
}

/**
 * Offer/answer (RFC 3264) for our endpoint: one audio stream of G.711 (PCMU or PCMA, T13) with RFC 4733
 * telephone-event, 20 ms packets. An offer without G.711 is an SdpNegotiationError, which call control
 * answers with 488 Not Acceptable Here.
 */
import type { G711Law } from '../audio/g711.js';
import { G711_PAYLOAD_TYPE } from '../audio/g711.js';
import { effectiveDirection, mediaAddress, type Sdp, type SdpDirection, type SdpFmtp, type SdpMedia, type SdpRtpMap } from '../../sip/sdp/sdp.js';

export class SdpNegotiationError extends Error {
  override name = 'SdpNegotiationError';
  /** The SIP status call control answers with. */
  readonly status = 488;
}

/** What the two sides agreed on, and where to send. */
export interface Negotiated {
  law: G711Law;
  payloadType: number;
  /** Payload type of telephone-event/8000, when both sides have it. */
  dtmfPayloadType?: number;
  remote: { address: string; port: number };
  /** Our direction: whether we may send and should expect to receive. */
  direction: SdpDirection;
}

/** The dynamic payload type we offer for telephone-event (101, as most phones use). */
export const OFFERED_DTMF_PT = 101;

interface Codec {
  law: G711Law;
  pt: number;
}

/** The G.711 codecs of a media section in its order of preference, and its telephone-event/8000. */
function codecsOf(m: SdpMedia): { codecs: Codec[]; dtmf?: number } {
  const codecs: Codec[] = [];
  let dtmf: number | undefined;
  for (const format of m.formats) {
    if (!/^\d+$/.test(format)) continue;
    const pt = Number(format);
    const map = m.rtpmaps.find((r) => r.pt === pt);
    const name = map ? map.encoding.toUpperCase() : pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : '';
    const rate = map?.clockRate ?? 8000;
    if ((name === 'PCMU' || name === 'PCMA') && rate === 8000 && (map?.channels ?? 1) === 1) codecs.push({ law: name, pt });
    else if (name === 'TELEPHONE-EVENT' && rate === 8000 && dtmf === undefined) dtmf = pt;
  }
  return dtmf === undefined ? { codecs } : { codecs, dtmf };
}

/** The first audio stream we can take part in: RTP/AVP (or its kin), a port, and at least one G.711 codec. */
function usableAudio(sdp: Sdp): { index: number; codecs: Codec[]; dtmf?: number } {
  let reason = 'the SDP has no audio stream';
  for (let index = 0; index < sdp.media.length; index++) {
    const m = sdp.media[index]!;
    if (m.media !== 'audio') continue;
    if (m.port === 0) {
      reason = 'the audio stream is disabled (port 0)';
      continue;
    }
    if (!/^RTP\/AVPF?$/.test(m.proto)) {
      reason = `audio over ${m.proto} is not supported (plain RTP/AVP only)`;
      continue;
    }
    const found = codecsOf(m);
    if (found.codecs.length === 0) {
      reason = `no G.711 codec (PCMU/PCMA 8000) among the offered formats ${m.formats.join(' ')}`;
      continue;
    }
    return { index, ...found };
  }
  throw new SdpNegotiationError(reason);
}

function remoteOf(sdp: Sdp, index: number): { address: string; port: number } {
  try {
    return mediaAddress(sdp, index);
  } catch (err) {
    throw new SdpNegotiationError((err as Error).message);
  }
}

const REVERSED: Record<SdpDirection, SdpDirection> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };

function audioSection(address: string, port: number, codecs: Codec[], dtmf: number | undefined, direction: SdpDirection): SdpMedia {
  const formats = codecs.map((c) => String(c.pt));
  const rtpmaps: SdpRtpMap[] = codecs.map((c) => ({ pt: c.pt, encoding: c.law, clockRate: 8000 }));
  const fmtps: SdpFmtp[] = [];
  if (dtmf !== undefined) {
    formats.push(String(dtmf));
    rtpmaps.push({ pt: dtmf, encoding: 'telephone-event', clockRate: 8000 });
    fmtps.push({ pt: dtmf, params: '0-15' });
  }
  return {
    media: 'audio',
    port,
    proto: 'RTP/AVP',
    formats,
    connection: { netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address },
    rtpmaps,
    fmtps,
    ptime: 20,
    direction,
    attributes: [],
    lines: [],
  };
}

export interface LocalSession {
  address: string;
  port: number;
  sessId: string;
  version: bigint;
}

function session(local: LocalSession, media: SdpMedia[]): Sdp {
  const addrType = local.address.includes(':') ? 'IP6' : 'IP4';
  return {
    origin: { username: '-', sessId: local.sessId, sessVersion: local.version, netType: 'IN', addrType, address: local.address },
    sessionName: '-',
    timing: { start: 0, stop: 0 },
    attributes: [],
    lines: [],
    media,
  };
}

/**
 * Our answer to `offer`: the offer's first G.711 codec (its order is its preference, RFC 3264 §6.1) and its
 * telephone-event; every other stream is declined with port 0, as §6 requires one answer line per offer line.
 */
export function answerOffer(offer: Sdp, local: LocalSession): { answer: Sdp; negotiated: Negotiated } {
  const audio = usableAudio(offer);
  const codec = audio.codecs[0]!;
  const direction = REVERSED[effectiveDirection(offer, audio.index)];
  const media = offer.media.map((m, i): SdpMedia =>
    i === audio.index
      ? audioSection(local.address, local.port, [codec], audio.dtmf, direction)
      : { media: m.media, port: 0, proto: m.proto, formats: m.formats, rtpmaps: [], fmtps: [], attributes: [], lines: [] },
  );
  const negotiated: Negotiated = { law: codec.law, payloadType: codec.pt, remote: remoteOf(offer, audio.index), direction };
  if (audio.dtmf !== undefined) negotiated.dtmfPayloadType = audio.dtmf;
  return { answer: session(local, media), negotiated };
}

/** Our offer for an outgoing leg: PCMU, PCMA and telephone-event/8000. */
export function makeOffer(local: LocalSession): Sdp {
  const codecs: Codec[] = [
    { law: 'PCMU', pt: G711_PAYLOAD_TYPE.PCMU },
    { law: 'PCMA', pt: G711_PAYLOAD_TYPE.PCMA },
  ];
  return session(local, [audioSection(local.address, local.port, codecs, OFFERED_DTMF_PT, 'sendrecv')]);
}

/** What an answer to our offer chose: its first G.711 codec, telephone-event if it kept it. */
export function acceptAnswer(answer: Sdp): Negotiated {
  const audio = usableAudio(answer);
  const codec = audio.codecs[0]!;
  const negotiated: Negotiated = {
    law: codec.law,
    payloadType: codec.pt,
    remote: remoteOf(answer, audio.index),
    direction: REVERSED[effectiveDirection(answer, audio.index)],
  };
  if (audio.dtmf !== undefined) negotiated.dtmfPayloadType = audio.dtmf;
  return negotiated;
}

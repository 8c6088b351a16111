/**
 * Typed requests to rtpengine over its ng protocol (bencode over UDP on 127.0.0.1), through npm
 * `rtpengine-client`. rtpengine answering `result: error` becomes an RtpengineError carrying its
 * `error-reason`; no answer within the timeout (or a socket error) an RtpengineUnavailable, on which call
 * control answers 503.
 */
import { once } from 'node:events';
import { Client, type NgMessage, type NgValue } from 'rtpengine-client';

/** rtpengine answered, and refused (`result: error`). */
export class RtpengineError extends Error {
  override name = 'RtpengineError';
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`rtpengine ${command}: ${reason}`);
  }
}

/** rtpengine did not answer in time, or could not be reached: the media plane is down. */
export class RtpengineUnavailable extends Error {
  override name = 'RtpengineUnavailable';
  constructor(
    readonly command: string,
    detail: string,
  ) {
    super(`rtpengine ${command}: ${detail}`);
  }
}

export interface NgClientOptions {
  /** rtpengine's listen-ng port on 127.0.0.1. */
  port: number;
  /** Per request; default 2000 ms. */
  timeoutMs?: number;
}

/**
 * How the SDP is rewritten for one leg. The defaults suit a contact centre: G.711 towards the SIP trunk and
 * the softphones, DTMF as RFC 4733, no ICE (plain RTP/AVP on both sides).
 */
export interface MediaFlags {
  /**
   * 'g711' (default) strips every codec but PCMU, PCMA and telephone-event from the SDP passed on; an offer
   * without any of them then leaves no usable codec (call control answers 488). 'any' passes codecs as they are.
   */
  codecs?: 'g711' | 'any';
  /** Start recording the call (rtpengine's `record call: yes`). */
  record?: boolean;
  /**
   * The address the SIP message came from, for a softphone behind NAT whose SDP names a private address:
   * rtpengine then sends media there (`SIP-source-address`) until it learns the real source from the first
   * RTP packet. Without it the SDP address is trusted (the trunk).
   */
  sipSourceAddress?: string;
  /** A label rtpengine keeps with this side's tag (shown in query). */
  label?: string;
}

export interface OfferRequest extends MediaFlags {
  callId: string;
  fromTag: string;
  sdp: string;
}

export interface AnswerRequest extends MediaFlags {
  callId: string;
  fromTag: string;
  toTag: string;
  sdp: string;
}

export interface CallRef {
  callId: string;
  /** Narrows some commands to one side; a delete with it ends only that branch. */
  fromTag?: string;
}

export interface SdpResult {
  /** The rewritten SDP, with rtpengine's address and ports, to send on. */
  sdp: string;
  /** The rest of rtpengine's answer (warnings and such). */
  raw: NgMessage;
}

export interface StreamFigures {
  localPort: number;
  /** Where rtpengine sends this side's media (learnt from its packets, or from SDP before any arrived). */
  endpoint?: { address: string; port: number };
  packets: number;
  bytes: number;
  errors: number;
}

export interface CallQuery {
  created: number;
  /** Streams of each tag (RTP then RTCP, per m= line), as counted by rtpengine: packets received from that side. */
  tags: Record<string, { label?: string; streams: StreamFigures[] }>;
  totals: { rtp: { packets: number; bytes: number; errors: number } };
  raw: NgMessage;
}

export interface RtpengineStatistics {
  /** Calls rtpengine is handling now. */
  sessionsOwn: number;
  /** Calls handled since start. */
  sessionsTotal: number;
  packetRate: number;
  byteRate: number;
  errorRate: number;
  raw: NgMessage;
}

type Command =
  | 'ping'
  | 'offer'
  | 'answer'
  | 'delete'
  | 'query'
  | 'statistics'
  | 'startRecording'
  | 'stopRecording';

const WIRE_NAMES: Record<Command, string> = {
  ping: 'ping',
  offer: 'offer',
  answer: 'answer',
  delete: 'delete',
  query: 'query',
  statistics: 'statistics',
  startRecording: 'start recording',
  stopRecording: 'stop recording',
};

function num(v: NgValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return 0;
}

function dict(v: NgValue | undefined): NgMessage {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function list(v: NgValue | undefined): NgValue[] {
  return Array.isArray(v) ? v : [];
}

/** The ng dictionary for an offer or answer (rtpengine 10.5 key names). */
export function mediaFlags(f: MediaFlags): NgMessage {
  const flags: string[] = [];
  const m: NgMessage = {
    // Our address everywhere in the SDP, not the other side's session-level c= and o= lines.
    replace: ['origin', 'session-connection'],
    // Softphones may offer ICE candidates of their own network; media goes through rtpengine, plain RTP.
    ICE: 'remove',
    'transport-protocol': 'RTP/AVP',
  };
  if ((f.codecs ?? 'g711') === 'g711') m.codec = { strip: ['all'], except: ['PCMU', 'PCMA', 'telephone-event'] };
  if (f.record) m['record call'] = 'yes';
  if (f.sipSourceAddress !== undefined) {
    flags.push('SIP-source-address');
    m['received-from'] = [f.sipSourceAddress.includes(':') ? 'IP6' : 'IP4', f.sipSourceAddress];
  }
  if (f.label !== undefined) m.label = f.label;
  if (flags.length) m.flags = flags;
  return m;
}

function parseStreams(media: NgMessage[]): StreamFigures[] {
  return media.flatMap((md) =>
    list(md.streams).map((s) => {
      const stream = dict(s);
      const ep = dict(stream.endpoint);
      const stats = dict(stream.stats);
      const figures: StreamFigures = { localPort: num(stream['local port']), packets: num(stats.packets), bytes: num(stats.bytes), errors: num(stats.errors) };
      if (typeof ep.address === 'string' && ep.address !== '') figures.endpoint = { address: ep.address, port: num(ep.port) };
      return figures;
    }),
  );
}

export class NgClient {
  private constructor(
    private readonly client: Client,
    private readonly port: number,
  ) {}

  /** Opens the client's UDP socket on 127.0.0.1; rtpengine need not be running yet. */
  static async open(o: NgClientOptions): Promise<NgClient> {
    const client = new Client({ localAddress: '127.0.0.1', timeout: o.timeoutMs ?? 2000 });
    // The library emits 'error' for an answer that came after its timeout: nothing waits for it any more.
    client.on('error', () => undefined);
    await once(client, 'listening');
    return new NgClient(client, o.port);
  }

  private async send(command: Command, body: NgMessage = {}): Promise<NgMessage> {
    const wire = WIRE_NAMES[command];
    let reply: NgMessage;
    try {
      reply = await this.client[command](this.port, '127.0.0.1', body);
    } catch (e) {
      throw new RtpengineUnavailable(wire, e instanceof Error ? e.message : String(e));
    }
    if (reply.result === 'error') throw new RtpengineError(wire, typeof reply['error-reason'] === 'string' ? reply['error-reason'] : 'unknown error');
    return reply;
  }

  /** Resolves when rtpengine answers `pong`. */
  async ping(): Promise<void> {
    const reply = await this.send('ping');
    if (reply.result !== 'pong') throw new RtpengineError('ping', `unexpected answer ${String(reply.result)}`);
  }

  async offer(r: OfferRequest): Promise<SdpResult> {
    return this.sdpCommand('offer', { ...mediaFlags(r), 'call-id': r.callId, 'from-tag': r.fromTag, sdp: r.sdp });
  }

  async answer(r: AnswerRequest): Promise<SdpResult> {
    return this.sdpCommand('answer', { ...mediaFlags(r), 'call-id': r.callId, 'from-tag': r.fromTag, 'to-tag': r.toTag, sdp: r.sdp });
  }

  private async sdpCommand(command: 'offer' | 'answer', body: NgMessage): Promise<SdpResult> {
    const reply = await this.send(command, body);
    if (typeof reply.sdp !== 'string') throw new RtpengineError(WIRE_NAMES[command], 'answer without SDP');
    return { sdp: reply.sdp, raw: reply };
  }

  /**
   * Ends the call (or, with fromTag, that side's branch). rtpengine keeps it for its delete-delay, then
   * frees ports and closes the capture. Deleting an unknown call is no error in 10.5: it answers ok with the
   * warning "Call-ID not found or tags didn't match", returned here, so a delete may safely be repeated.
   */
  async delete(r: CallRef): Promise<{ warning?: string }> {
    const reply = await this.send('delete', this.ref(r));
    return typeof reply.warning === 'string' ? { warning: reply.warning } : {};
  }

  async startRecording(r: CallRef): Promise<void> {
    await this.send('startRecording', this.ref(r));
  }

  async stopRecording(r: CallRef): Promise<void> {
    await this.send('stopRecording', this.ref(r));
  }

  async query(r: CallRef): Promise<CallQuery> {
    const reply = await this.send('query', this.ref(r));
    const tags: CallQuery['tags'] = {};
    for (const [tag, v] of Object.entries(dict(reply.tags))) {
      const entry = dict(v);
      const streams = parseStreams(list(entry.medias).map(dict));
      tags[tag] = typeof entry.label === 'string' ? { label: entry.label, streams } : { streams };
    }
    const rtp = dict(dict(reply.totals).RTP);
    return { created: num(reply.created), tags, totals: { rtp: { packets: num(rtp.packets), bytes: num(rtp.bytes), errors: num(rtp.errors) } }, raw: reply };
  }

  /** Figures for health and SNMP. */
  async statistics(): Promise<RtpengineStatistics> {
    const reply = await this.send('statistics');
    const current = dict(dict(reply.statistics).currentstatistics);
    const total = dict(dict(reply.statistics).totalstatistics);
    return {
      sessionsOwn: num(current.sessionsown),
      sessionsTotal: num(total.managedsessions),
      packetRate: num(current.packetrate),
      byteRate: num(current.byterate),
      errorRate: num(current.errorrate),
      raw: reply,
    };
  }

  private ref(r: CallRef): NgMessage {
    return r.fromTag === undefined ? { 'call-id': r.callId } : { 'call-id': r.callId, 'from-tag': r.fromTag };
  }

  close(): void {
    this.client.close();
  }
}

/**
 * Our RTP endpoint: one G.711 audio stream with RFC 4733 DTMF on an even port of our range, for IVR
 * audio, three-way calls (T10) and the voicebot. It is driven by the shared frame clock: each 20 ms it takes
 * one 20 ms frame from its jitter buffer ('frame' event, capture), whatever the far end's packetisation, and
 * sends one 20 ms packet, a prompt being played, frames fed by a mixer, or silence. Silence is sent when nothing plays so that a NAT or a latching relay
 * on the far side keeps the flow open and recordings of the call have a continuous stream.
 *
 * The far end is the address of its SDP until its first packet arrives; from then on we send to where
 * its packets come from (symmetric RTP, RFC 4961), which is what gets through NAT.
 */
import { randomInt } from 'node:crypto';
import type { Socket, RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { decodeG711, encodeG711, G711_SILENCE, type G711Law } from '../audio/g711.js';
import type { Sdp } from '../../sip/sdp/sdp.js';
import { FrameClock } from './frame-clock.js';
import { JitterBuffer, type JitterBufferOptions } from './jitter-buffer.js';
import type { PortPool } from './port-pool.js';
import { parseRtp, RtpPacketError, serializeRtp } from './rtp-packet.js';
import { acceptAnswer, answerOffer, makeOffer, type Negotiated } from './sdp-negotiation.js';
import { TelephoneEventError, TelephoneEventReceiver, telephoneEventPackets, type EventPacket } from './telephone-event.js';

const SAMPLES = 160;
/**
 * Received G.711 packets may hold 10 to 60 ms (one octet a sample): a=ptime is only a preference (RFC 3264
 * §6.1, RFC 4566 §6), and carriers and phones use 10, 20, 30, 40 or 60 ms whatever we answered.
 */
const MIN_RECEIVED = 80;
const MAX_RECEIVED = 480;
/** Frames of audio between two digits sent in a row (RFC 4733 §2.5.1.1 leaves the gap to the sender). */
const DTMF_GAP_FRAMES = 3;

export interface RtpEndpointOptions {
  address: string;
  ports: PortPool;
  clock?: FrameClock;
  /** Only 20 ms packets are sent; packets of 10 to 60 ms are received. */
  ptime?: 20;
  jitter?: JitterBufferOptions;
}

export interface RtpEndpointStats {
  sent: number;
  /** Packets taken: G.711 of 10 to 60 ms (late or duplicate ones included) and telephone-events. */
  received: number;
  /** Audio of lost packets filled by the jitter buffer, in 20 ms frames (rounded up): a lost 30 ms packet is 2. */
  lost: number;
  /** Datagrams that are not RTP, or telephone-events too short to read: counted and dropped. */
  malformed: number;
  /** Valid RTP of a payload type not negotiated (RTCP muxed in, another codec), or G.711 of other than 10-60 ms: dropped. */
  ignored: number;
  /** Packets that came after (part of) their audio was due. */
  late: number;
  duplicate: number;
  /** Times the received stream ran dry during playout (a gap of at least the jitter buffer's depth). */
  underruns: number;
  jitterMs: number;
}

export interface RtpEndpointEvents {
  dtmf: [digit: string, durationMs: number];
  frame: [samples: Int16Array];
  close: [];
}

export type PlayResult = 'finished' | 'stopped';

interface Playback {
  samples: Int16Array;
  offset: number;
  loop: boolean;
  done: (result: PlayResult) => void;
}

interface DtmfJob {
  packets: EventPacket[];
  next: number;
  timestamp: number;
  done: () => void;
  fail: (err: Error) => void;
}

export class RtpEndpoint extends EventEmitter<RtpEndpointEvents> {
  private readonly clock: FrameClock;
  private readonly ssrc = randomInt(2 ** 32);
  private sequence = randomInt(2 ** 16);
  private timestamp = randomInt(2 ** 32);
  private readonly sessId = String(randomInt(2 ** 47));
  private sdpVersion = 0n;
  private negotiated: Negotiated | undefined;
  private remote: { address: string; port: number } | undefined;
  private latched = false;
  private jitter: JitterBuffer;
  private readonly dtmfIn = new TelephoneEventReceiver();
  private playback: Playback | undefined;
  private fed: Int16Array | undefined;
  private readonly dtmfQueue: DtmfJob[] = [];
  private dtmfGap = 0;
  private capture: Int16Array[] | undefined;
  private readonly unsubscribe: Array<() => void>;
  private closed = false;
  private firstPacket = true;
  private readonly counts = { sent: 0, received: 0, malformed: 0, ignored: 0 };

  static async open(opts: RtpEndpointOptions): Promise<RtpEndpoint> {
    if (opts.ptime !== undefined && opts.ptime !== 20) throw new RangeError(`ptime ${String(opts.ptime)}: only 20 ms is supported`);
    const { port, socket } = await opts.ports.bind(opts.address);
    return new RtpEndpoint(opts, port, socket);
  }

  private constructor(
    private readonly opts: RtpEndpointOptions,
    readonly port: number,
    private readonly socket: Socket,
  ) {
    super();
    this.clock = opts.clock ?? FrameClock.shared();
    this.jitter = new JitterBuffer(opts.jitter);
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    // Sending to a port nobody listens on can surface here on some systems; it is not fatal to the call.
    socket.on('error', () => undefined);
    this.unsubscribe = [this.clock.subscribe(() => this.onReceiveTick(), 'receive'), this.clock.subscribe(() => this.onSendTick(), 'send')];
  }

  get address(): string {
    return this.opts.address;
  }

  /** The negotiated codec, once an offer was answered or an answer applied. */
  get codec(): G711Law | undefined {
    return this.negotiated?.law;
  }

  /** Where packets go: the SDP's address, or where the far end's packets came from once one arrived. */
  get remoteAddress(): { address: string; port: number } | undefined {
    return this.remote && { ...this.remote };
  }

  /**
   * Answers a remote offer: the first of PCMU/PCMA in the offer's order, and telephone-event if offered.
   * Throws SdpNegotiationError (call control answers 488) when the offer has no G.711 audio.
   */
  answer(offer: Sdp): Sdp {
    const { answer, negotiated } = answerOffer(offer, this.local());
    this.use(negotiated);
    return answer;
  }

  /** An offer (PCMU, PCMA, telephone-event/8000) for an outgoing leg; its answer goes to applyAnswer. */
  offer(): Sdp {
    return makeOffer(this.local());
  }

  applyAnswer(answer: Sdp): void {
    this.use(acceptAnswer(answer));
  }

  /**
   * Plays 8 kHz mono samples, 20 ms a tick, replacing what was playing (that play resolves 'stopped').
   * Resolves 'finished' once the last frame was sent, 'stopped' on abort, stopPlayback or close.
   */
  play(samples: Int16Array, opts: { signal?: AbortSignal; loop?: boolean } = {}): Promise<PlayResult> {
    this.stopPlayback();
    const { signal } = opts;
    if (this.closed || signal?.aborted) return Promise.resolve('stopped');
    if (samples.length === 0) return Promise.resolve('finished');
    return new Promise((resolve) => {
      const onAbort = () => {
        if (this.playback === playback) this.endPlayback('stopped');
      };
      const playback: Playback = {
        samples,
        offset: 0,
        loop: opts.loop ?? false,
        done: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.playback = playback;
    });
  }

  stopPlayback(): void {
    if (this.playback) this.endPlayback('stopped');
  }

  /** Audio to send on this tick, mixed with any prompt playing; a mixer calls this in the clock's 'mix' phase. */
  feed(samples: Int16Array): void {
    if (samples.length !== SAMPLES) throw new RangeError(`a frame is ${SAMPLES} samples, got ${samples.length}`);
    this.fed = samples;
  }

  /**
   * Sends one digit as RFC 4733 events; digits sent in a row queue up. Resolves when its last packet is sent
   * (or the endpoint closes); rejects with TelephoneEventError for a bad digit or duration, or when the far end
   * did not negotiate telephone-event.
   */
  sendDtmf(digit: string, durationMs = 100): Promise<void> {
    try {
      if (this.negotiated && this.negotiated.dtmfPayloadType === undefined) throw new TelephoneEventError('the far end did not negotiate telephone-event');
      const packets = telephoneEventPackets(digit, durationMs);
      if (this.closed) return Promise.resolve();
      return new Promise((resolve, reject) => this.dtmfQueue.push({ packets, next: 0, timestamp: 0, done: resolve, fail: reject }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Starts keeping what is received (after the jitter buffer), from now on. */
  startCapture(): void {
    this.capture = [];
  }

  /** What was received since startCapture, and stops keeping it. */
  stopCapture(): Int16Array {
    const chunks = this.capture ?? [];
    this.capture = undefined;
    const out = new Int16Array(chunks.length * SAMPLES);
    chunks.forEach((c, i) => out.set(c, i * SAMPLES));
    return out;
  }

  stats(): RtpEndpointStats {
    const j = this.jitter.stats();
    return { ...this.counts, lost: j.lost, late: j.late, duplicate: j.duplicate, underruns: j.underruns, jitterMs: Math.round(j.jitterMs * 10) / 10 };
  }

  /** Stops sending and receiving and gives the port back; pending plays resolve 'stopped', pending digits resolve. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    this.stopPlayback();
    for (const job of this.dtmfQueue.splice(0)) job.done();
    this.socket.close();
    this.opts.ports.release(this.port);
    this.emit('close');
  }

  private local() {
    return { address: this.opts.address, port: this.port, sessId: this.sessId, version: this.sdpVersion++ };
  }

  private use(negotiated: Negotiated): void {
    const moved = this.remote && (this.remote.address !== negotiated.remote.address || this.remote.port !== negotiated.remote.port);
    this.negotiated = negotiated;
    if (negotiated.dtmfPayloadType === undefined) {
      // Digits queued before the answer came cannot be sent: the far end has no telephone-event.
      for (const job of this.dtmfQueue.splice(0)) job.fail(new TelephoneEventError('the far end did not negotiate telephone-event'));
    }
    // A re-INVITE naming a new address (a transfer, a relay) is followed until that side's packets latch again.
    if (!this.remote || moved) {
      this.remote = { ...negotiated.remote };
      this.latched = false;
    }
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    let packet;
    try {
      packet = parseRtp(msg);
    } catch (err) {
      if (!(err instanceof RtpPacketError)) throw err;
      this.counts.malformed++;
      return;
    }
    const n = this.negotiated;
    const pt = packet.payloadType;
    let law: G711Law | undefined;
    if (n ? pt === n.payloadType : pt === 0 || pt === 8) law = n?.law ?? (pt === 0 ? 'PCMU' : 'PCMA');
    const isDtmf = n?.dtmfPayloadType !== undefined && pt === n.dtmfPayloadType;
    if (!law && !isDtmf) {
      this.counts.ignored++;
      return;
    }
    if (isDtmf) {
      this.jitter.markNonAudio(packet.sequence);
      try {
        for (const e of this.dtmfIn.receive(packet.timestamp, packet.payload, performance.now())) this.emit('dtmf', e.digit, e.durationMs);
      } catch (err) {
        if (!(err instanceof TelephoneEventError)) throw err;
        this.counts.malformed++;
        return;
      }
    } else if (packet.payload.length >= MIN_RECEIVED && packet.payload.length <= MAX_RECEIVED) {
      const { sequence, timestamp, ssrc } = packet;
      this.jitter.push({ sequence, timestamp, ssrc, samples: decodeG711(law!, packet.payload) }, performance.now());
    } else {
      this.counts.ignored++; // shorter than 10 ms or longer than 60 ms: not a packetisation anyone uses
      return;
    }
    this.counts.received++;
    if (!this.latched && (rinfo.address !== this.remote?.address || rinfo.port !== this.remote?.port)) {
      this.remote = { address: rinfo.address, port: rinfo.port };
    }
    this.latched = true;
  }

  private onReceiveTick(): void {
    for (const e of this.dtmfIn.expire(performance.now())) this.emit('dtmf', e.digit, e.durationMs);
    const { samples } = this.jitter.pop();
    if (!this.jitter.started) return;
    this.capture?.push(samples);
    this.emit('frame', samples);
  }

  private onSendTick(): void {
    const timestamp = this.timestamp;
    this.timestamp = (this.timestamp + SAMPLES) >>> 0;
    const audio = this.nextAudio();
    const n = this.negotiated;
    if (!n || !this.remote || n.direction === 'recvonly' || n.direction === 'inactive') return;

    const dtmf = this.dtmfGap === 0 ? this.dtmfQueue[0] : undefined;
    if (this.dtmfGap > 0) this.dtmfGap--;
    if (dtmf && n.dtmfPayloadType !== undefined) {
      if (dtmf.next === 0) dtmf.timestamp = timestamp;
      const p = dtmf.packets[dtmf.next++]!;
      this.send(n.dtmfPayloadType, p.marker, dtmf.timestamp, p.payload);
      if (dtmf.next === dtmf.packets.length) {
        this.dtmfQueue.shift();
        this.dtmfGap = DTMF_GAP_FRAMES;
        dtmf.done();
      }
      return;
    }
    const payload = audio ? Buffer.from(encodeG711(n.law, audio).buffer) : silence(n.law);
    this.send(n.payloadType, this.firstPacket, timestamp, payload);
    this.firstPacket = false;
  }

  /** This tick's outgoing audio: the prompt's next frame and the mixer's frame, summed; undefined for silence. */
  private nextAudio(): Int16Array | undefined {
    const fed = this.fed;
    this.fed = undefined;
    const p = this.playback;
    if (!p) return fed;
    const frame = new Int16Array(SAMPLES);
    let filled = 0;
    while (filled < SAMPLES) {
      const take = Math.min(SAMPLES - filled, p.samples.length - p.offset);
      frame.set(p.samples.subarray(p.offset, p.offset + take), filled);
      filled += take;
      p.offset += take;
      if (p.offset < p.samples.length) continue;
      if (!p.loop) break;
      p.offset = 0;
    }
    if (p.offset >= p.samples.length) this.endPlayback('finished');
    if (fed) for (let i = 0; i < SAMPLES; i++) frame[i] = Math.max(-32768, Math.min(32767, frame[i]! + fed[i]!));
    return frame;
  }

  private endPlayback(result: PlayResult): void {
    const p = this.playback;
    this.playback = undefined;
    p?.done(result);
  }

  private send(payloadType: number, marker: boolean, timestamp: number, payload: Buffer): void {
    const remote = this.remote!;
    const packet = serializeRtp({ marker, payloadType, sequence: this.sequence, timestamp, ssrc: this.ssrc, csrcs: [], padding: 0, payload });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.counts.sent++;
    this.socket.send(packet, remote.port, remote.address);
  }
}

const SILENCE: Record<G711Law, Buffer> = { PCMU: Buffer.alloc(SAMPLES, G711_SILENCE.PCMU), PCMA: Buffer.alloc(SAMPLES, G711_SILENCE.PCMA) };

function silence(law: G711Law): Buffer {
  return SILENCE[law];
}

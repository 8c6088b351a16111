/**
 * Operators for the ACD benchmark as light user agents in the benchmark's own process: one SipStack for all of
 * them (each registers its own AoR with digest, Contact naming its user), answering the ACD's INVITE after a
 * short ring with an RtpEndpoint that sends a tone, talking a random time, then hanging up. Far cheaper than
 * a baresip per operator, and every call is still real SIP and RTP through call control and rtpengine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { sineTone } from '../../media/rtp/tone.js';
import { SipStack } from '../../sip/core/stack.js';
import type { IncomingRequest } from '../../sip/core/incoming-request.js';
import { isSipUri, unescape } from '../../sip/message/uri.js';
import { parseSdp, serializeSdp } from '../../sip/sdp/sdp.js';
import type { Scope } from '../helpers/scope.js';
import { freeEvenRange, freeUdpPort } from '../helpers/sipp.js';

export interface OperatorOptions {
  users: string[];
  password: (user: string) => string;
  /** host:port of call control's SIP. */
  registrar: { host: string; port: number };
  /** Talk time, drawn uniformly (ms). */
  talkMs: [number, number];
  /** Ring before answering, drawn uniformly (ms). */
  ringMs: [number, number];
}

export interface OperatorCounts {
  offered: number;
  answered: number;
  /** INVITEs that came while that operator was already on a call (486). */
  busy: number;
  /** Rings the ACD withdrew before the answer (CANCEL). */
  cancelled: number;
  /** Calls the operator hung up after its talk time. */
  endedByOperator: number;
  /** Calls the far side (the caller, through call control) ended first. */
  endedByCaller: number;
  /** Audio packets the operators' endpoints received (the caller's voice through the mixer). */
  packetsReceived: number;
}

const between = ([lo, hi]: [number, number]) => lo + Math.random() * (hi - lo);

export class Operators {
  readonly counts: OperatorCounts = { offered: 0, answered: 0, busy: 0, cancelled: 0, endedByOperator: 0, endedByCaller: 0, packetsReceived: 0 };
  private readonly onCall = new Set<string>();
  private readonly tone = sineTone(440, 1000);

  private constructor(
    private readonly o: OperatorOptions,
    private readonly stack: SipStack,
    private readonly ports: PortPool,
    private readonly clock: FrameClock,
  ) {
    stack.onRequest('INVITE', (req) => this.invited(req));
  }

  static async start(scope: Scope, o: OperatorOptions): Promise<Operators> {
    const stack = new SipStack({ address: '127.0.0.1', port: await freeUdpPort(), transports: ['udp'] });
    await stack.listen();
    scope.teardown(() => stack.close());
    // One endpoint per operator on a call, and room for ports released but not yet reused.
    const first = await freeEvenRange(o.users.length * 4);
    const ops = new Operators(o, stack, new PortPool({ portMin: first, portMax: first + o.users.length * 4 - 1 }), new FrameClock());
    return ops;
  }

  get talking(): number {
    return this.onCall.size;
  }

  /** REGISTER every operator (digest), a few at a time; throws naming the first that failed. */
  async registerAll(): Promise<void> {
    const { host, port } = this.o.registrar;
    const contactPort = this.stack.transport.local('udp').port;
    const queue = [...this.o.users];
    const worker = async () => {
      for (let user = queue.shift(); user; user = queue.shift()) {
        const aor = `sip:${user}@${host}:${port}`;
        const res = await this.stack.request('REGISTER', {
          uri: `sip:${host}:${port}`,
          from: `<${aor}>`,
          to: `<${aor}>`,
          headers: [['Contact', `<sip:${user}@127.0.0.1:${contactPort}>`], ['Expires', '3600']],
          auth: { user, password: this.o.password(user) },
        });
        if (res.status !== 200) throw new Error(`REGISTER ${user}: ${res.status} ${res.reason}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  private invited(req: IncomingRequest): void {
    const uri = req.msg.requestUri;
    const user = isSipUri(uri) && uri.user !== undefined ? unescape(uri.user) : '';
    this.counts.offered++;
    if (!this.o.users.includes(user)) {
      req.respond(404);
      return;
    }
    if (this.onCall.has(user)) {
      this.counts.busy++;
      req.respond(486);
      return;
    }
    this.onCall.add(user);
    void this.answer(req, user);
  }

  private async answer(req: IncomingRequest, user: string): Promise<void> {
    let cancelled = false;
    // A withdrawn ring frees the operator at once: the ACD may offer it the next call straight away.
    req.onCancel(() => {
      cancelled = true;
      req.respond(487);
      this.counts.cancelled++;
      this.onCall.delete(user);
    });
    let ep: RtpEndpoint | undefined;
    try {
      req.respond(180);
      await sleep(between(this.o.ringMs));
      if (cancelled) return;
      ep = await RtpEndpoint.open({ address: '127.0.0.1', ports: this.ports, clock: this.clock });
      const answer = ep.answer(parseSdp(req.msg.text));
      const dialog = await this.stack.createUAS(req, { sdp: serializeSdp(answer) });
      this.counts.answered++;
      const endpoint = ep;
      void endpoint.play(this.tone, { loop: true });
      let byUs = false;
      const talk = setTimeout(() => {
        byUs = true;
        void dialog.destroy();
      }, between(this.o.talkMs));
      dialog.once('destroy', () => {
        clearTimeout(talk);
        if (byUs) this.counts.endedByOperator++;
        else this.counts.endedByCaller++;
        this.counts.packetsReceived += endpoint.stats().received;
        endpoint.close();
        this.onCall.delete(user);
      });
    } catch {
      // The ring was withdrawn as we answered, or the ACK never came: the ACD has already moved on.
      ep?.close();
      if (cancelled) return;
      if (!req.answered) req.respond(487);
      this.counts.cancelled++;
      this.onCall.delete(user);
    }
  }
}

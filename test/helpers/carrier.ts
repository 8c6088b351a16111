/**
 * The carrier's side of the trunk for ACD tests, on one SIP stack: it places callers' calls to the centre and
 * takes the centre's calls to ward departments (transfers, T7). Every party has an RTP endpoint sending its
 * own tone and capturing what it hears, so a test can tell who is connected to whom.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PortPool } from '../../media/rtp/port-pool.js';
import { RtpEndpoint } from '../../media/rtp/rtp-endpoint.js';
import { sineTone, toneAmplitude } from '../../media/rtp/tone.js';
import type { SipStack } from '../../sip/core/stack.js';
import type { Dialog } from '../../sip/dialog/dialog.js';
import { isSipUri } from '../../sip/message/uri.js';
import { parseSdp, serializeSdp } from '../../sip/sdp/sdp.js';
import type { Scope } from './scope.js';
import { startStack } from './sip-stack.js';
import { freeEvenRange } from './sipp.js';

/** The tones each party sends. */
export const TONES = { caller: 440, department: 700, operator: 1000 } as const;

export interface Party {
  dialog: Dialog;
  endpoint: RtpEndpoint;
  /** Resolves when the far end or we hung up. */
  ended: Promise<void>;
  /** Whether `hz` is what this party has been hearing over the last `ms`. */
  hears(hz: number, ms?: number): Promise<boolean>;
  hangup(): Promise<void>;
}

export interface Carrier {
  port: number;
  /** A caller dialling `dnis` on the appliance at `target` (host:port). */
  call(target: string, dnis: string, caller: string): Promise<Party>;
  /** How a department's number answers: 'answer' (default) or a SIP failure status such as 486. */
  departments: Map<string, 'answer' | number>;
  /** Department calls that were answered, by the number dialled. */
  answered: Array<{ number: string; party: Party }>;
  /** Every number the centre dialled out. */
  dialled: string[];
}

async function party(endpoint: RtpEndpoint, dialog: Dialog, tone: number): Promise<Party> {
  void endpoint.play(sineTone(tone, 600_000), { loop: true });
  const ended = new Promise<void>((resolve) => dialog.once('destroy', () => resolve()));
  void ended.then(() => endpoint.close());
  return {
    dialog,
    endpoint,
    ended,
    hears: async (hz, ms = 600) => {
      // What was on its way when the test changed the call (jitter buffers, rtpengine) passes first.
      await sleep(300);
      endpoint.startCapture();
      await sleep(ms);
      const heard = endpoint.stopCapture();
      const target = toneAmplitude(heard, hz);
      const others = Object.values(TONES).filter((f) => f !== hz);
      return target > 500 && others.every((f) => toneAmplitude(heard, f) < target / 4);
    },
    hangup: async () => {
      await dialog.destroy();
    },
  };
}

export async function startCarrier(t: Scope & Parameters<typeof startStack>[0]): Promise<Carrier> {
  const stack: SipStack = await startStack(t, { transports: ['udp'] });
  const base = await freeEvenRange(40);
  const ports = new PortPool({ portMin: base, portMax: base + 39 });
  const carrier: Carrier = {
    port: stack.options.port,
    departments: new Map(),
    answered: [],
    dialled: [],
    call: async (target, dnis, caller) => {
      const endpoint = await RtpEndpoint.open({ address: '127.0.0.1', ports });
      try {
        const dialog = await stack.createUAC({ uri: `sip:${dnis}@${target}`, from: `<sip:${caller}@127.0.0.1>`, sdp: serializeSdp(endpoint.offer()) });
        endpoint.applyAnswer(parseSdp(dialog.remoteSdp!));
        return await party(endpoint, dialog, TONES.caller);
      } catch (e) {
        endpoint.close();
        throw e;
      }
    },
  };
  stack.onRequest('INVITE', async (req) => {
    const uri = req.msg.requestUri;
    const number = isSipUri(uri) && uri.user ? uri.user : '';
    carrier.dialled.push(number);
    const behaviour = carrier.departments.get(number) ?? 'answer';
    if (behaviour !== 'answer') {
      req.respond(behaviour);
      return;
    }
    const endpoint = await RtpEndpoint.open({ address: '127.0.0.1', ports });
    const answer = endpoint.answer(parseSdp(req.msg.text));
    const dialog = await stack.createUAS(req, { sdp: serializeSdp(answer) });
    carrier.answered.push({ number, party: await party(endpoint, dialog, TONES.department) });
  });
  return carrier;
}

/**
 * Feeds seeded mutations of SIP messages to a stack over UDP (every 50th over a new TCP connection), as the
 * fuzz test and the fuzz benchmark both do, and reports what the stack made of them.
 */
import { connect } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Test } from 'tap';
import { DigestServer } from '../../sip/auth/digest-server.js';
import { ha1 } from '../../sip/auth/digest.js';
import type { SipStack } from '../../sip/core/stack.js';
import { LocationService } from '../../sip/registrar/location.js';
import { Registrar } from '../../sip/registrar/registrar.js';
import { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import { tortureBytes, tortureCases } from './rfc4475.js';
import { mutations, ordinaryMessages } from './sip-fuzz.js';
import type { UdpPeer } from './sip-stack.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=sendrecv\r\n';

/** What the appliance serves, so mutations reach dialogs and the registrar: INVITE answered, REGISTER challenged. */
export function serveLikeTheAppliance(stack: SipStack, t?: Test): void {
  const location = new LocationService();
  if (t) t.teardown(() => location.stop());
  else location.stop();
  const digest = new DigestServer({ realm: 'fuzz', lookup: async (u, r, alg) => ha1(alg, u, r, 'secret') });
  stack.onRequest('REGISTER', new Registrar(location, new RequestAuthenticator(digest, stack.counters), stack.counters).handle);
  stack.onRequest('INVITE', async (req) => {
    const dialog = await stack.createUAS(req, { sdp: SDP }).catch(() => undefined);
    await dialog?.destroy();
  });
}

function tcpSend(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(data));
    socket.on('data', () => undefined);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    setTimeout(() => socket.destroy(), 200).unref();
  });
}

export interface FuzzResult {
  udp: number;
  tcp: number;
  parsed: number;
  refused: number;
}

export async function fuzz(stack: SipStack, peer: UdpPeer, seed: number, cases: number): Promise<FuzzResult> {
  const port = stack.transport.local('udp').port;
  const corpus = [...tortureCases().map(tortureBytes), ...ordinaryMessages];
  const parsedBefore = stack.counters.get('messagesIn');
  const refusedBefore = stack.counters.get('parseErrors');
  let udp = 0;
  let tcp = 0;
  let i = 0;
  for (const data of mutations(corpus, seed, cases)) {
    i++;
    if (i % 50 === 0) {
      await tcpSend(port, data);
      tcp++;
    } else if (data.length <= 65_507) {
      peer.send(data, port);
      udp++;
    }
    // Let the stack read what was sent, as a real network would pace it.
    if (i % 100 === 0) {
      peer.clear();
      await yieldToLoop();
    }
  }
  return { udp, tcp, parsed: stack.counters.get('messagesIn') - parsedBefore, refused: stack.counters.get('parseErrors') - refusedBefore };
}

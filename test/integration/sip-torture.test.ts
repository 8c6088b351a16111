/**
 * RFC 4475 torture messages sent over UDP to a running stack (with the registrar behind REGISTER): each
 * valid message is parsed to the facts the RFC names and reaches the application, each invalid one gets
 * the response the RFC names (400, 416, 420, 505 ...) or none where it says to drop, and the stack still
 * answers OPTIONS afterwards.
 */
import t, { type Test } from 'tap';
import { DigestServer } from '../../sip/auth/digest-server.js';
import { ha1 } from '../../sip/auth/digest.js';
import { parseMessage } from '../../sip/message/parser.js';
import type { SipMessage } from '../../sip/message/message.js';
import { LocationService } from '../../sip/registrar/location.js';
import { Registrar } from '../../sip/registrar/registrar.js';
import { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import { tortureBytes, tortureCases } from '../helpers/rfc4475.js';
import { options, startStack, udpPeer } from '../helpers/sip-stack.js';

function facts(msg: SipMessage): Record<string, string | number | undefined> {
  const f: Record<string, string | number | undefined> = {
    callId: msg.callId,
    cseq: msg.cseq.seq,
    cseqMethod: msg.cseq.method,
    fromTag: msg.fromTag,
    toTag: msg.toTag,
    viaCount: msg.vias.length,
    contactCount: msg.contacts.length,
    bodyLength: msg.body.length,
    contentLength: msg.headers.get('content-length') === undefined ? undefined : Number(msg.headers.get('content-length')),
  };
  if (msg.kind === 'request') Object.assign(f, { method: msg.method, requestUri: msg.uri, maxForwards: msg.maxForwards });
  else Object.assign(f, { statusCode: msg.status, reason: msg.reason });
  return f;
}

/** A stack as the appliance runs it: handlers for INVITE and OPTIONS, the registrar for REGISTER. */
async function torturedStack(t: Test) {
  const stack = await startStack(t);
  const location = new LocationService();
  t.teardown(() => location.stop());
  const digest = new DigestServer({ realm: 'torture', lookup: async (u, r, alg) => ha1(alg, u, r, 'secret') });
  const registrar = new Registrar(location, new RequestAuthenticator(digest, stack.counters), stack.counters);
  const reached: string[] = [];
  stack.onRequest('REGISTER', (req) => {
    reached.push(req.msg.callId);
    return registrar.handle(req);
  });
  for (const method of ['INVITE', 'OPTIONS']) {
    stack.onRequest(method, (req) => {
      reached.push(req.msg.callId);
      req.respond(method === 'INVITE' ? 486 : 200);
    });
  }
  return { stack, reached, port: stack.transport.local('udp').port };
}

const cases = tortureCases();
t.ok(cases.length >= 45, `${cases.length} cases`);

// One stack per message: several reuse a branch, which a single stack rightly takes for a retransmission.
for (const c of cases) {
  t.test(`${c.file} (${c.section} ${c.title}): ${c.expect}${c.status ? ` ${c.status}` : ''}`, async (t) => {
    const { stack, reached, port } = await torturedStack(t);
    const peer = await udpPeer(t);
    const bytes = tortureBytes(c);
    peer.send(bytes, port);
    const answer = c.kind === 'response' ? await peer.next(300) : await peer.final(c.expect === 'drop' ? 300 : 1000);
    if (c.kind === 'response') {
      t.equal(answer, null, 'a response is never answered');
      if (c.expect === 'accept') t.match(facts(parseMessage(bytes)), c.checks ?? {}, 'parsed to the facts the RFC names');
    } else if (c.expect === 'drop') {
      t.equal(answer, null, 'dropped');
    } else if (!answer || answer.kind !== 'response') {
      t.fail('answered');
    } else if (c.expect === 'reject') {
      t.equal(answer.status, c.status, `answered ${c.status} (${answer.status} ${answer.reason})`);
    } else {
      t.not(answer.status, 400, `not refused as malformed (${answer.status} ${answer.reason})`);
      const msg = parseMessage(bytes);
      t.match(facts(msg), c.checks ?? {}, 'parsed to the facts the RFC names');
      if (msg.kind === 'request' && ['INVITE', 'OPTIONS', 'REGISTER'].includes(msg.method) && !msg.toTag) {
        t.ok(reached.includes(msg.callId), 'reached the application');
      }
    }
    peer.clear();
    peer.send(options(peer.port, `after-${c.file}`), port);
    const res = await peer.final();
    t.equal(res?.status, 200, 'the stack still answers OPTIONS');
    t.equal(stack.transactions.serverCount > 0, true, 'through a transaction');
  });
}

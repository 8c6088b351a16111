/**
 * A re-INVITE without an offer (§14.1): the far end offers in its 2xx and our ACK carries the answer, which
 * the dialog makes as for any offer (by default our session mirrored to the offer's direction).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { Dialog } from '../../sip/dialog/dialog.js';
import { startStack } from '../helpers/sip-stack.js';

const sdp = (version: number, port: number, dir = 'sendrecv') =>
  `v=0\r\no=- 1 ${version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=${dir}\r\n`;

t.test('an offer-less re-INVITE is answered in the ACK', async (t) => {
  const caller = await startStack(t);
  const callee = await startStack(t);
  const answered: Dialog[] = [];
  callee.onRequest('INVITE', async (req) => void answered.push(await callee.createUAS(req, { sdp: sdp(1, 42000) })));
  const call = await caller.createUAC({ uri: `sip:callee@127.0.0.1:${callee.transport.local('udp').port}`, sdp: sdp(1, 41000) });
  for (let i = 0; i < 50 && !answered.length; i++) await sleep(10);
  const far = answered[0]!;
  t.equal(far.remoteSdp, sdp(1, 41000), 'the call is up with the first offer');

  far.onModify = async () => sdp(2, 43000, 'sendonly'); // the callee offers a new address, on hold
  const offer = await call.modify(undefined);
  t.equal(offer, sdp(2, 43000, 'sendonly'), "the callee's offer came in the 2xx");
  t.match(call.localSdp, /a=recvonly/, 'our answer mirrors it');
  for (let i = 0; i < 50 && far.remoteSdp === sdp(1, 41000); i++) await sleep(10);
  t.equal(far.remoteSdp, call.localSdp, 'and reached the callee in the ACK');
  await call.destroy();
});

/** Where the ACD's own calls go: operators' registered softphones, outside numbers over the trunk (T7, T12). */
import t from 'tap';
import { DialPlan, dialDigits } from '../../apps/acd/dial-plan.js';
import { LocationService } from '../../sip/registrar/location.js';
import { TrunkMonitor } from '../../sip/trunk/trunks.js';
import type { SipStack } from '../../sip/core/stack.js';

const trunks = (list: Array<{ name: string; address: string; port: number; transport?: 'udp' | 'tcp' }>) =>
  new TrunkMonitor({} as SipStack, list.map((x) => ({ name: x.name, peer: { transport: x.transport ?? 'udp', address: x.address, port: x.port } })), { intervalS: 30, failuresToDown: 2 });

t.test('ward numbers are dialled as digits over the main line', async (t) => {
  t.equal(dialDigits('03-5432-2350'), '0354322350');
  const location = new LocationService();
  t.teardown(() => location.stop());
  const plan = new DialPlan({ location, trunks: trunks([{ name: 'main', address: '192.0.2.10', port: 5060 }, { name: 'backup', address: '2001:db8::1', port: 5070, transport: 'tcp' }]) });
  t.same(plan.number('03-5432-2350'), { uri: 'sip:0354322350@192.0.2.10:5060', destination: { transport: 'udp', address: '192.0.2.10', port: 5060 } }, 'no line answers pings yet: the main line');
  t.equal(plan.number('---'), undefined, 'no digits, nothing to dial');
  t.equal(new DialPlan({ location, trunks: trunks([]) }).number('0312345678'), undefined, 'no trunk, nothing to dial');
});

t.test('an operator is rung at its softphone binding, or at its outside number', async (t) => {
  const location = new LocationService();
  t.teardown(() => location.stop());
  const plan = new DialPlan({ location, trunks: trunks([{ name: 'main', address: '192.0.2.10', port: 5060 }]) });
  t.equal(plan.agent('op01', { kind: 'softphone' }), undefined, 'not registered: cannot be rung');
  location.put({ user: 'op01', contact: 'sip:op01@192.0.2.50:5062', source: { transport: 'udp', address: '192.0.2.50', port: 5062 }, q: 1, callId: 'c', cseq: 1 }, 60);
  t.same(plan.agent('op01', { kind: 'softphone' }), { uri: 'sip:op01@192.0.2.50:5062', destination: { transport: 'udp', address: '192.0.2.50', port: 5062 } });
  t.equal(plan.agent('op01', { kind: 'external', number: '0311119999' })?.uri, 'sip:0311119999@192.0.2.10:5060');
});

/**
 * Our B2BUA alone in a process, for the benchmark: every INVITE on 127.0.0.1:<port> becomes a call to
 * 127.0.0.1:<next-port>, legs joined until one hangs up. `node dist/test/bench/b2bua-server.js PORT NEXT_PORT`;
 * prints "ready" when listening and its counters on SIGTERM.
 */
import { SipStack } from '../../sip/core/stack.js';

const [port, nextPort] = process.argv.slice(2).map(Number);
if (!port || !nextPort) throw new Error('usage: b2bua-server PORT NEXT_PORT');
// The flood guard is set above the benchmark's rates: the figure sought is where calls fail, not where we refuse them.
const stack = new SipStack({ address: '127.0.0.1', port, transports: ['udp'], flood: { ratePerSecond: 20_000, burst: 20_000, maxLoopDelayMs: 2000 } });
stack.onRequest('INVITE', async (req) => {
  await stack.createB2BUA(req, { uri: `sip:service@127.0.0.1:${nextPort}` });
});
await stack.listen();
console.log('ready');
process.on('SIGTERM', () => {
  console.log(JSON.stringify(stack.stats()));
  process.exit(0);
});

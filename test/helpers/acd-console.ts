/**
 * The console as the console process wires it, against a real call-control process: rtpengine, call control
 * on free ports with its ACD API, the console app with its AcdClient and the live relay on one HTTP server
 * of 127.0.0.1. Logins are the demo accounts prepare seeds (`demo-pass-<user>`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { readAcdApiToken } from '../../appliance/acd-api-token.js';
import { parseConfig } from '../../appliance/config.js';
import { createLogger } from '../../appliance/log.js';
import { SessionService } from '../../apps/accounts/session-service.js';
import { AcdClient } from '../../apps/console/acd-client.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { LiveRelay } from '../../apps/console/live-relay.js';
import { runningFrom } from '../../apps/time/clock.js';
import { parseInstant } from '../../apps/time/jst.js';
import { startCallControl, type CallControlHandle } from './callcontrol.js';
import { startRtpengine } from './rtpengine.js';
import { freeUdpPort } from './sipp.js';

export interface AcdConsole {
  /** The console's base URL. */
  base: string;
  cc: CallControlHandle;
  /** A client of call control's API of its own, to see what the console's commands did. */
  api: AcdClient;
}

export const demoPassword = (user: string): string => `demo-pass-${user}`;

export async function acdConsole(t: Test, o: { clock: string; trunkPorts?: number[]; config?: Record<string, unknown> }): Promise<AcdConsole> {
  // rtpengine reports callers' keys (the language menu) to call control on the DTMF port.
  const rtpengine = await startRtpengine(t, { dtmfPort: await freeUdpPort() });
  const cc = await startCallControl(t, { clock: o.clock, rtpengine, trunkPorts: o.trunkPorts ?? [], config: o.config });
  const clock = runningFrom(parseInstant(o.clock)!);
  const config = parseConfig({ dataDir: cc.dataDir });
  // SC_TEST_LOG=1 shows the console's errors (a 500's cause) on stderr.
  const log = createLogger('console', 'error', process.env.SC_TEST_LOG ? (l: string) => process.stderr.write(l + '\n') : () => {});
  const client = () => new AcdClient({ baseUrl: `http://127.0.0.1:${cc.healthPort}`, readToken: () => readAcdApiToken(cc.dataDir), retryMs: 200 });
  const acd = client();
  const server = createServer(createConsoleApp({ db: cc.db, clock, config, log, acd }));
  const relay = new LiveRelay(acd, new SessionService(cc.db, clock, config.console), log);
  relay.attach(server);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const api = client();
  t.teardown(() => {
    api.close();
    relay.close();
    server.closeAllConnections();
    server.close();
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cc, api };
}

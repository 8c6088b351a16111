/** Whether a listener can be had, and one clear message naming its config key when it cannot. */
import { createServer } from 'node:net';
import type { Listener } from './process-table.js';
import { UserError } from './runtime.js';

export function listenError(e: NodeJS.ErrnoException, listener: Listener, configKey: string): Error {
  const where = `${listener.address}:${listener.port}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: `${where} is already in use (${configKey}.port): stop what holds it or choose another port`,
    EACCES: `${where}: permission denied (${configKey}.port): ports below 1024 need privileges`,
    EADDRNOTAVAIL: `${listener.address} is not an address of this host (${configKey}.address)`,
  };
  const reason = e.code ? reasons[e.code] : undefined;
  return reason ? new UserError(reason) : e;
}

/** Whether the listener can be had right now: checked before start-up touches any data. */
export async function probeListener(listener: Listener, configKey: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, listener, configKey)));
    server.listen({ port: listener.port, host: listener.address, exclusive: true }, () => server.close(() => resolve()));
  });
}

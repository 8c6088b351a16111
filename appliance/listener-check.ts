/** Whether a listener can be had, and one clear message naming its config key when it cannot. */
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
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

/** The same for a UDP port (SIP over UDP), bound and released at once. */
export async function probeUdp(listener: Listener, configKey: string): Promise<void> {
  const socket = createSocket(isIPv6(listener.address) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      reject(listenError(e, listener, configKey));
    });
    socket.bind({ port: listener.port, address: listener.address, exclusive: true }, () => socket.close(() => resolve()));
  });
}

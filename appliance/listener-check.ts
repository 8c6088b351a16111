/** Whether a listener can be had, and one clear message naming its config key when it cannot. */
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import type { Listener } from './process-table.js';
import { UserError } from './runtime.js';

/** `configKey` names the section (`sip`: sip.port, sip.address); `portKey` the port's own key when it differs. */
export function listenError(e: NodeJS.ErrnoException, listener: Listener, configKey: string, portKey = `${configKey}.port`): Error {
  const where = `${listener.address}:${listener.port}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: `${where} is already in use (${portKey}): stop what holds it or choose another port`,
    EACCES: `${where}: permission denied (${portKey}): ports below 1024 need privileges`,
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

/** The same for a UDP port (SIP over UDP, rtpengine's ng port), bound and released at once. */
export async function probeUdp(listener: Listener, configKey: string, portKey?: string): Promise<void> {
  const socket = createSocket(isIPv6(listener.address) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      reject(listenError(e, listener, configKey, portKey));
    });
    socket.bind({ port: listener.port, address: listener.address, exclusive: true }, () => socket.close(() => resolve()));
  });
}

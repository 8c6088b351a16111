/** Where a message came from or goes to, and the RFC 3261 §18 / RFC 3581 rules that use it. */
import type { Via } from '../message/via.js';

export type TransportName = 'udp' | 'tcp' | 'tls';

export interface Peer {
  transport: TransportName;
  address: string;
  port: number;
}

export function peerKey(p: Peer): string {
  return `${p.transport}:${p.address}:${p.port}`;
}

export function isReliable(t: TransportName): boolean {
  return t !== 'udp';
}

export function defaultPort(t: TransportName): number {
  return t === 'tls' ? 5061 : 5060;
}

/** Strips IPv6 brackets (URIs and Via write them, sockets do not). */
export function bareHost(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/**
 * On receiving a request (§18.2.1, RFC 3581 §4): note the packet's source in `received` when it differs
 * from sent-by, and fill an empty `rport` with the source port, so the response finds a client behind NAT.
 */
export function stampReceived(via: Via, source: Peer, symmetric = false): boolean {
  let changed = false;
  // Symmetric response routing: answer where the packet came from even without rport (force_rport in other stacks).
  if (symmetric && source.transport === 'udp' && !via.params.has('rport')) via.params.set('rport', null);
  if (bareHost(via.host) !== source.address || via.params.has('rport')) {
    via.params.set('received', source.address.includes(':') ? `[${source.address}]` : source.address);
    changed = true;
  }
  if (via.params.has('rport') && via.params.get('rport') === null) {
    via.params.set('rport', String(source.port));
    changed = true;
  }
  return changed;
}

/** Where a response goes when the request's connection is gone or the transport is UDP (§18.2.2, RFC 3581 §4). */
export function responseTarget(via: Via, arrivedOn?: TransportName): Peer {
  // The transport the request really came over wins: a Via may name one we do not speak (RFC 4475 transports).
  const transport = arrivedOn ?? (['udp', 'tcp', 'tls'] as const).find((t) => t === via.transport.toLowerCase()) ?? 'udp';
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  const address = bareHost(received ?? via.host);
  // RFC 3581 §4: rport names the source port of an unreliable transport; a connection's source port is
  // not listening once the connection is gone, so a stream goes to sent-by (§18.2.2).
  const port = rport && !isReliable(transport) ? Number(rport) : (via.port ?? defaultPort(transport));
  return { transport, address, port };
}

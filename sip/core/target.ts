/**
 * Where a request for a URI goes (RFC 3263 reduced to what the appliance meets: IP addresses and names
 * from the hosts file; no NAPTR or SRV on a closed LAN): the `transport` and `maddr` parameters, sips
 * meaning TLS, and the default ports.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SipSyntaxError } from '../message/syntax.js';
import { parseUri, type Uri } from '../message/uri.js';
import { bareHost, defaultPort, type Peer, type TransportName } from '../transport/peer.js';

export class TargetError extends Error {
  override name = 'TargetError';
}

export async function resolveTarget(target: string | Uri): Promise<Peer> {
  const uri = typeof target === 'string' ? parseUri(target) : target;
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new TargetError(`cannot route a ${uri.scheme} URI`);
  const param = uri.params.get('transport')?.toLowerCase();
  let transport: TransportName = uri.scheme === 'sips' ? 'tls' : 'udp';
  if (param === 'tcp' || param === 'tls' || param === 'udp') transport = uri.scheme === 'sips' ? 'tls' : param;
  else if (param) throw new SipSyntaxError(`transport ${param} is not supported`);
  const host = bareHost(uri.params.get('maddr') ?? uri.host);
  const address = isIP(host) ? host : (await lookup(host)).address;
  return { transport, address, port: uri.port ?? defaultPort(transport) };
}

/**
 * Where the ACD's own calls go: an operator's softphone at the contact it registered from (the registrar's
 * binding), or an outside number (an operator signed in on an external phone, a department for a transfer,
 * the interpreting service) over the carrier trunk, the main line first (T12).
 */
import type { LocationService } from '../../sip/registrar/location.js';
import type { Peer } from '../../sip/transport/peer.js';
import type { TrunkMonitor } from '../../sip/trunk/trunks.js';
import type { AgentContact } from './agent-state.js';

export interface DialTarget {
  uri: string;
  destination: Peer;
}

/** A ward telephone number as the trunk wants it: digits only (03-5432-2350 -> 0354322350). */
export function dialDigits(number: string): string {
  return number.replace(/[^0-9]/g, '');
}

export class DialPlan {
  constructor(private readonly d: { location: LocationService; trunks: TrunkMonitor }) {}

  /** The operator's phone, or undefined when it cannot be rung now (no registration, no trunk). */
  agent(agent: string, contact: AgentContact): DialTarget | undefined {
    if (contact.kind === 'external') return this.number(contact.number);
    const binding = this.d.location.lookup(agent)[0];
    return binding && { uri: binding.contact, destination: binding.source };
  }

  /** An outside number over the first trunk that answers its pings, or the main line when none does. */
  number(number: string): DialTarget | undefined {
    const trunk = this.d.trunks.available()[0] ?? this.d.trunks.trunks[0];
    const digits = dialDigits(number);
    if (!trunk || !digits) return undefined;
    const { address, port, transport } = trunk.peer;
    const host = address.includes(':') ? `[${address}]` : address;
    return { uri: `sip:${digits}@${host}:${port}${transport === 'udp' ? '' : `;transport=${transport}`}`, destination: trunk.peer };
  }
}

/**
 * The appliance's processes (ARCHITECTURE "Zones and processes") as data: later issues add call control
 * and the voicebot workers by adding rows here.
 */

/** Config keys of web listeners. */
export type WebKey = 'console' | 'faqPublic' | 'callControl';

export interface Listener {
  address: string;
  port: number;
}

export interface ProcessSpec {
  name: string;
  /** Compiled entry point, relative to this file in dist/appliance. */
  entry: string;
  /** The config key of its web listener, for the /healthz poll and the URLs shown at start. */
  web?: WebKey;
  /** Whether it relays media through rtpengine, which the supervisor then runs beside it. */
  needsRtpengine: boolean;
}

export const PROCESSES: readonly ProcessSpec[] = [
  { name: 'console', entry: 'processes/console.js', web: 'console', needsRtpengine: false },
  { name: 'faq-public', entry: 'processes/faq-public.js', web: 'faqPublic', needsRtpengine: false },
  // Every call leg is anchored in rtpengine (issue 4).
  { name: 'callcontrol', entry: 'processes/callcontrol.js', web: 'callControl', needsRtpengine: true },
];

export function httpUrl(listener: Listener): string {
  const host = listener.address.includes(':') ? `[${listener.address}]` : listener.address;
  return `http://${host}:${listener.port}/`;
}

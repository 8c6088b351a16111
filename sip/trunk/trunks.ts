/**
 * Carrier trunks (T1, T12): peers recognised by their source address (and, when configured, challenged for
 * digest), watched with OPTIONS pings so call-control can route over a backup line when one goes down.
 */
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import type { SipStack } from '../core/stack.js';
import type { Peer } from '../transport/peer.js';

export interface Trunk {
  name: string;
  /** Where the carrier's SIP comes from and where calls to it go. */
  peer: Peer;
  /** When set, requests from this trunk must also answer a digest challenge with this user. */
  digestUser?: string;
}

export interface TrunkMonitorOptions {
  /** Seconds between OPTIONS pings. */
  intervalS: number;
  /** Milliseconds between OPTIONS pings; overrides `intervalS` when given (tests). */
  intervalMs?: number;
  /** Consecutive unanswered pings before a trunk is down. */
  failuresToDown: number;
}

export const DEFAULT_TRUNK_MONITOR: TrunkMonitorOptions = { intervalS: 30, failuresToDown: 2 };

export interface TrunkEvents {
  up: [trunk: Trunk];
  down: [trunk: Trunk];
}

interface TrunkState {
  up: boolean;
  failures: number;
  /** Number of the last ping sent, and of the newest one whose outcome counted. */
  sent: number;
  settled: number;
}

export class TrunkMonitor extends EventEmitter<TrunkEvents> {
  private readonly state = new Map<string, TrunkState>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Moved on by stop(): outcomes of pings sent before are dropped. */
  private epoch = 0;

  constructor(
    private readonly stack: SipStack,
    readonly trunks: readonly Trunk[],
    private readonly options: TrunkMonitorOptions = DEFAULT_TRUNK_MONITOR,
  ) {
    super();
    // Unknown until the first ping is answered: a trunk is not used before it is known to be up.
    for (const t of trunks) this.state.set(t.name, { up: false, failures: 0, sent: 0, settled: 0 });
  }

  /**
   * The trunk whose address a message came from (T1: calls from the carrier), if any. Over UDP the port must
   * match too; a connection's source port is ephemeral, so over TCP and TLS the address alone counts. A trunk
   * configured for UDP is also recognised over TCP (§18.1.1: large requests switch to TCP).
   */
  match(source: Peer): Trunk | undefined {
    const address = canonicalAddress(source.address);
    return this.trunks.find(
      (t) =>
        canonicalAddress(t.peer.address) === address &&
        (t.peer.transport === 'udp' || t.peer.transport === source.transport) &&
        (source.transport !== 'udp' || t.peer.port === source.port),
    );
  }

  isUp(name: string): boolean {
    return this.state.get(name)?.up ?? false;
  }

  /** Up trunks in configured order (the first is the main line, T12). */
  available(): Trunk[] {
    return this.trunks.filter((t) => this.isUp(t.name));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.pingAll();
    this.timer = setInterval(() => void this.pingAll(), this.options.intervalMs ?? this.options.intervalS * 1000);
    this.timer.unref();
  }

  /** Stops pinging; pings under way no longer change the state or raise events. */
  stop(): void {
    this.running = false;
    this.epoch++;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Pings every trunk once; any response (even 4xx/5xx) proves the peer alive, only silence does not. */
  async pingAll(): Promise<void> {
    await Promise.all(
      this.trunks.map(async (t) => {
        const s = this.state.get(t.name)!;
        const n = ++s.sent;
        const epoch = this.epoch;
        // A ping that cannot even be sent counts as unanswered; start() runs this unawaited, so it must not reject.
        const answered = await this.stack.request('OPTIONS', { uri: optionsUri(t.peer), destination: t.peer }).then(
          (res) => !res.local,
          () => false,
        );
        if (epoch === this.epoch) this.record(t, n, answered);
      }),
    );
  }

  private record(t: Trunk, n: number, answered: boolean): void {
    const s = this.state.get(t.name)!;
    // Pings overlap when the interval is shorter than a transaction timeout (Timer F, 64*T1 = 32 s by default):
    // a ping sent before an answered one says nothing new when its silence ends, and must not count as a failure.
    if (n < s.settled) return;
    s.settled = n;
    if (answered) {
      s.failures = 0;
      if (!s.up) {
        s.up = true;
        this.emit('up', t);
      }
      return;
    }
    s.failures++;
    if (s.up && s.failures >= this.options.failuresToDown) {
      s.up = false;
      this.emit('down', t);
    }
  }
}

/** The Request-URI of a ping: the trunk's address (IPv6 in brackets), with its transport when not UDP. */
function optionsUri(peer: Peer): string {
  const host = isIPv6(peer.address) ? `[${peer.address}]` : peer.address;
  const scheme = peer.transport === 'tls' ? 'sips' : 'sip';
  return `${scheme}:${host}:${peer.port}${peer.transport === 'tcp' ? ';transport=tcp' : ''}`;
}

/** One spelling per address: IPv4-mapped IPv6 as IPv4 (a dual-stack socket's view), IPv6 compressed and lower case. */
function canonicalAddress(address: string): string {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:([0-9.]+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  if (!isIPv6(bare)) return bare;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare.toLowerCase();
  }
}

/**
 * The location service (RFC 3261 §10.3): the contacts each user registered, with expiry, and the flow
 * (source address and transport) each REGISTER came from, so a softphone behind NAT is reached where its
 * packets come from rather than at the private address in its Contact (RFC 5626's idea, without Path).
 * One domain per appliance, so bindings are keyed by user name alone.
 */
import { EventEmitter } from 'node:events';
import { isSipUri, parseUri, unescape } from '../message/uri.js';
import type { Peer } from '../transport/peer.js';

export interface Binding {
  user: string;
  /** The Contact URI as registered. */
  contact: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from. */
  source: Peer;
  q: number;
  userAgent?: string;
}

export interface LocationEvents {
  /** A user's set of bindings changed (registered, refreshed away, expired, removed). */
  change: [user: string, bindings: readonly Binding[]];
}

export class LocationService extends EventEmitter<LocationEvents> {
  private readonly byUser = new Map<string, Binding[]>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly now: () => number = Date.now,
    sweepMs = 1000,
  ) {
    super();
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  /**
   * Live bindings of a user, highest q first (§16.6 order for forking; the call-control takes the first),
   * and among equal q the most recently registered first: the phone the operator sits at now.
   */
  lookup(user: string): Binding[] {
    const now = this.now();
    // Bindings are kept in order of registration (put appends), so reversing before the stable sort puts newer first.
    return (this.byUser.get(user) ?? []).filter((b) => b.expiresAt > now).reverse().sort((x, y) => y.q - x.q);
  }

  /** Every user with at least one live binding (expired ones may wait for the sweep, they do not count). */
  users(): string[] {
    const now = this.now();
    return [...this.byUser].filter(([, list]) => list.some((b) => b.expiresAt > now)).map(([user]) => user);
  }

  /** Live bindings of all users. */
  get size(): number {
    const now = this.now();
    let n = 0;
    for (const list of this.byUser.values()) for (const b of list) if (b.expiresAt > now) n++;
    return n;
  }

  /** The stored binding of a user for a contact, to check Call-ID/CSeq ordering (§10.3 step 7). */
  find(user: string, contact: string): Binding | undefined {
    return this.byUser.get(user)?.find((b) => sameContact(b.contact, contact));
  }

  /** Adds or refreshes (`expires` > 0) or removes (`expires` = 0) one binding. */
  put(binding: Omit<Binding, 'expiresAt'>, expires: number): void {
    const list = (this.byUser.get(binding.user) ?? []).filter((b) => !sameContact(b.contact, binding.contact));
    if (expires > 0) list.push({ ...binding, expiresAt: this.now() + expires * 1000 });
    this.store(binding.user, list);
  }

  /** Removes every binding of a user (Contact: * with Expires: 0, §10.2.2), but those `keep` says to keep. */
  removeAll(user: string, keep?: (binding: Binding) => boolean): void {
    const list = this.byUser.get(user) ?? [];
    this.store(user, keep ? list.filter((b) => b.expiresAt > this.now() && keep(b)) : []);
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private store(user: string, list: Binding[]): void {
    if (list.length) this.byUser.set(user, list);
    else this.byUser.delete(user);
    this.emit('change', user, list);
  }

  private sweep(): void {
    const now = this.now();
    for (const [user, list] of this.byUser) {
      const live = list.filter((b) => b.expiresAt > now);
      if (live.length !== list.length) this.store(user, live);
    }
  }
}

/**
 * §10.3 step 7 compares contacts by the rules of §19.1.4: scheme and host without regard to case, user and
 * password (unescaped) with it, the port as written; parameters present in both must match, user, ttl,
 * method and maddr must not be in one only, and others in one only are ignored. A contact that does not
 * parse as a SIP URI is compared as written.
 */
function sameContact(a: string, b: string): boolean {
  let x;
  let y;
  try {
    x = parseUri(a);
    y = parseUri(b);
  } catch {
    return a === b;
  }
  if (!isSipUri(x) || !isSipUri(y)) return a === b;
  const text = (v: string | undefined) => (v === undefined ? undefined : unescape(v));
  if (x.scheme !== y.scheme || x.host !== y.host || x.port !== y.port) return false;
  if (text(x.user) !== text(y.user) || text(x.password) !== text(y.password)) return false;
  for (const name of new Set([...x.params.keys(), ...y.params.keys()])) {
    const [p, q] = [x.params.get(name), y.params.get(name)];
    if (p !== undefined && q !== undefined) {
      if ((p ?? '').toLowerCase() !== (q ?? '').toLowerCase()) return false;
    } else if (['user', 'ttl', 'method', 'maddr'].includes(name)) return false;
  }
  return true;
}

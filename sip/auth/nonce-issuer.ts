/**
 * Nonces the server can verify without remembering having issued them (RFC 7616 §5.4 suggests a timestamp
 * and a keyed hash): base64url(timestamp ‖ random ‖ HMAC-SHA256(secret, timestamp ‖ random ‖ realm)).
 * Only nonces actually used are remembered, with their highest nonce count, to refuse replays (RFC 7616 §3.4:
 * nc lets the server detect a request replayed with the same nonce).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceCheck = 'ok' | 'stale' | 'invalid' | 'replay';

export interface NonceIssuerOptions {
  realm: string;
  /** HMAC key; a random one per process by default, which makes nonces issued before a restart invalid. */
  secret?: Uint8Array;
  /** Age after which a nonce is stale. */
  lifetimeMs?: number;
  /** Most nonces whose count is remembered at once; beyond it the oldest are forgotten. */
  maxTracked?: number;
  now?: () => number;
}

const TIME_BYTES = 8;
const RANDOM_BYTES = 16;
const MAC_BYTES = 32;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;

interface Tracked {
  issuedAt: number;
  nc: number;
}

export class NonceIssuer {
  private readonly realm: Buffer;
  private readonly secret: Uint8Array;
  private readonly lifetimeMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  // Highest nonce count per nonce, in order of first use. Nonces share one lifetime and are mostly used as soon
  // as issued, so this is roughly oldest first: pruning stops at the first live one, the size bound does the rest.
  private readonly tracked = new Map<string, Tracked>();
  // Issue time of the newest nonce forgotten while still live: such nonces are refused as stale
  // rather than accepted afresh, so that forgetting one never reopens it to replays.
  private forgottenUpTo = -Infinity;

  constructor(options: NonceIssuerOptions) {
    this.realm = Buffer.from(options.realm, 'utf8');
    this.secret = options.secret ?? randomBytes(32);
    this.lifetimeMs = options.lifetimeMs ?? 300_000;
    this.maxTracked = options.maxTracked ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  issue(): string {
    const head = Buffer.alloc(TIME_BYTES + RANDOM_BYTES);
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))));
    randomBytes(RANDOM_BYTES).copy(head, TIME_BYTES);
    return Buffer.concat([head, this.mac(head)]).toString('base64url');
  }

  /** Checks a nonce and records `nc` as its highest count; call it only once the digest itself is correct. */
  check(nonce: string, nc: number): NonceCheck {
    const bytes = Buffer.from(nonce, 'base64url');
    // The decoder ignores stray characters and padding bits: insist on the canonical spelling, as the
    // replay table is keyed by the nonce as written.
    if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce) return 'invalid';
    const head = bytes.subarray(0, TIME_BYTES + RANDOM_BYTES);
    if (!timingSafeEqual(this.mac(head), bytes.subarray(TIME_BYTES + RANDOM_BYTES))) return 'invalid';
    if (!Number.isInteger(nc) || nc < 1) return 'invalid';

    const now = this.now();
    this.prune(now);
    const issuedAt = Number(head.readBigUInt64BE(0));
    if (now - issuedAt > this.lifetimeMs) return 'stale';
    const seen = this.tracked.get(nonce);
    if (seen) {
      if (nc <= seen.nc) return 'replay';
      seen.nc = nc;
      return 'ok';
    }
    if (issuedAt <= this.forgottenUpTo) return 'stale';
    if (this.tracked.size >= this.maxTracked) this.forgetOldest();
    this.tracked.set(nonce, { issuedAt, nc });
    return 'ok';
  }

  private mac(head: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(head).update(this.realm).digest();
  }

  private prune(now: number): void {
    for (const [nonce, { issuedAt }] of this.tracked) {
      if (now - issuedAt <= this.lifetimeMs) return;
      this.tracked.delete(nonce);
    }
  }

  private forgetOldest(): void {
    const oldest = this.tracked.entries().next().value;
    if (!oldest) return;
    this.tracked.delete(oldest[0]);
    this.forgottenUpTo = Math.max(this.forgottenUpTo, oldest[1].issuedAt);
  }
}

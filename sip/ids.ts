/**
 * Branches, tags and Call-IDs: unique in space and time (RFC 3261 §8.1.1.4, §8.1.1.7, §19.3) yet cheap
 * at hundreds of calls a second: a random prefix per process and a counter.
 */
import { randomBytes } from 'node:crypto';
import { MAGIC_COOKIE } from './message/via.js';

const prefix = randomBytes(6).toString('base64url');
let counter = 0;

function next(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return counter.toString(36);
}

export function newBranch(): string {
  return `${MAGIC_COOKIE}${prefix}.${next()}`;
}

export function newTag(): string {
  return `${prefix}${next()}`;
}

export function newCallId(host: string): string {
  return `${prefix}-${next()}@${host}`;
}

/** The RFC 4475 torture messages in test/fixtures/rfc4475/ and what the RFC expects of each (see its README). */
import { readFileSync } from 'node:fs';

export interface TortureCase {
  file: string;
  section: string;
  title: string;
  kind: 'request' | 'response';
  transport: 'udp' | 'stream';
  expect: 'accept' | 'reject' | 'drop';
  /** Only with `expect: 'reject'`: the response code the RFC names. */
  status?: number;
  /** Facts a correct parser extracts, e.g. callId, cseq, viaCount (keys listed in the README). */
  checks?: Record<string, string | number>;
  note: string;
}

// Read from the source tree: the compiled helper lives in dist/test/helpers/ and tsc does not copy fixtures.
export const fixtureDir = new URL('../../../test/fixtures/rfc4475/', import.meta.url);

export function tortureCases(): TortureCase[] {
  return JSON.parse(readFileSync(new URL('cases.json', fixtureDir), 'utf8')) as TortureCase[];
}

export function tortureBytes(c: TortureCase): Buffer {
  return readFileSync(new URL(c.file, fixtureDir));
}

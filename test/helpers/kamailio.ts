/**
 * Kamailio (Debian 5.6) in the foreground with test/bench/kamailio/kamailio.cfg: the C baseline of the SIP
 * benchmark (a stateful, record-routing proxy to a fixed next hop) and a registrar for softphone tests.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endChild, repoRoot, spawnTracked, waitForPort } from './sipp.js';

export const kamailioCfg = join(repoRoot, 'test', 'bench', 'kamailio', 'kamailio.cfg');

export interface KamailioOptions {
  /** UDP port on 127.0.0.1. */
  port: number;
  /** host:port every initial request is relayed to (the benchmark's sipp uas); otherwise the request URI decides. */
  nextHop?: string;
  /** REGISTER is kept in memory and initial requests to a registered user go to its contact. */
  registrar?: boolean;
  /** With the registrar: REGISTER needs digest authentication with this one password for every user. */
  authPassword?: string;
  /** Shared memory in MB (-m), default 64. Each transaction stays there about 5 s after it ends: 256 ran out near 2000 calls/s. */
  shmMb?: number;
}

export interface Kamailio {
  port: number;
  pid: number;
  /** What kamailio wrote to stderr so far (its log: -E). */
  log(): string;
  stop(): Promise<void>;
}

const MAX_LOG = 256 * 1024;

export async function startKamailio(opts: KamailioOptions): Promise<Kamailio> {
  if (opts.authPassword !== undefined && !/^[\w.-]+$/.test(opts.authPassword)) {
    // The password becomes a quoted string in the config's preprocessor.
    throw new Error('authPassword: letters, digits, ".", "_" and "-" only');
  }
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  const args = [
    '-f', kamailioCfg,
    '-l', `udp:127.0.0.1:${opts.port}`,
    '-DD', '-E',
    '-Y', runDir, '-w', dir,
    '-m', String(opts.shmMb ?? 64), '-M', '8',
  ];
  if (opts.nextHop) args.push('-A', `NEXT_HOP="sip:${opts.nextHop}"`);
  if (opts.registrar || opts.authPassword !== undefined) args.push('-A', 'WITH_REGISTRAR');
  if (opts.authPassword !== undefined) args.push('-A', `AUTH_PASSWORD="${opts.authPassword}"`);

  // Its own process group, so that a SIGKILL also reaches the worker processes; SIGTERM when this process
  // dies, because the workers outlive a killed main process but not a terminated one.
  const child = spawnTracked('kamailio', args, { cwd: dir, detached: true, deathSignal: 'TERM', stdout: false });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-MAX_LOG)));
  child.on('error', (err) => (log += `${err.message}\n`));
  const stop = async () => {
    // SIGTERM makes the main process stop its workers; kamailio takes about a second.
    await endChild(child, 'SIGTERM', 5000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(opts.port, 'udp', child);
  } catch (err) {
    await stop();
    throw new Error(`kamailio did not start: ${(err as Error).message}\n${log}`);
  }
  return { port: opts.port, pid: child.pid ?? 0, log: () => log, stop };
}

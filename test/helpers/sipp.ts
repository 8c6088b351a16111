/**
 * sipp (Debian `sip-tester`, 3.6.1) as a child process for tests and benchmarks, plus the port helpers the
 * other SIP peers (baresip, kamailio) share. Everything binds 127.0.0.1; each run works in its own temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs as dist/test/helpers/sipp.js. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const BUILTIN_SCENARIOS = new Set(['uac', 'uas', 'regexp', 'branchc', 'branchs', '3pcc-C-A', '3pcc-C-B', '3pcc-A', '3pcc-B']);
// Kept from a run: the end of its output, the start of its error log; a long run must not fill memory.
const MAX_OUTPUT = 64 * 1024;

export type SippTransport = 'u1' | 'un' | 't1' | 'tn' | 'l1';

export interface SippOptions {
  /** A built-in scenario ('uac', 'uas', 'branchc', ...), a path to an XML file, or the name of one of test/sipp/*.xml without '.xml'. */
  scenario: string;
  /** host:port of the remote side (required for a client scenario). */
  target?: string;
  localPort: number;
  /** sipp binds this port and the one two above it (audio, video); a free range is picked when omitted. */
  mediaPort?: number;
  rate?: number;
  ratePeriodMs?: number;
  /** -m: stop after this many calls. */
  calls?: number;
  /** Place new calls for this long, then end like sipp's 'q' key (SIGUSR1): calls in progress still finish. */
  durationS?: number;
  /** -lost: percentage of messages sipp pretends to lose. */
  lostPercent?: number;
  /** -s: the [service] of the scenario (user part of the request URI, AoR user of REGISTER). */
  service?: string;
  authUser?: string;
  authPass?: string;
  transport?: SippTransport;
  /** -key name value: [name] in the scenario. */
  keys?: Record<string, string>;
  /** Passed last, verbatim; paths in them must be absolute (sipp runs in a temp dir). */
  extraArgs?: string[];
  /** The whole run, after which sipp ends with a failure (-timeout -timeout_error) or is killed. */
  timeoutMs?: number;
}

export interface SippResult {
  /** Exit code (0: every call succeeded, 1: some failed, 97: ended by a signal or -timeout, 255/254: fatal); null when killed. */
  code: number | null;
  successful: number;
  /** Calls still in progress when the run ended (timeout, kill) are counted neither here nor as successful. */
  failed: number;
  retransmissions: number;
  /** The last row of the -trace_stat CSV, by column name. */
  stats: Record<string, string>;
  /** The start of the -trace_err log ('' when sipp wrote none). */
  errors: string;
  stdout: string;
  stderr: string;
}

export interface SippHandle {
  port: number;
  pid: number;
  /** Ends sipp like its 'q' key (calls in progress finish), killing it after graceMs; resolves with its result. */
  stop(graceMs?: number): Promise<SippResult>;
  /** Resolves when sipp exits, whoever ended it. */
  done: Promise<SippResult>;
}

/** Path of a scenario shipped in test/sipp ('uac-cancel' → /…/test/sipp/uac-cancel.xml). */
export function sippScenario(name: string): string {
  return join(repoRoot, 'test', 'sipp', `${name}.xml`);
}

function scenarioArgs(scenario: string): string[] {
  if (BUILTIN_SCENARIOS.has(scenario)) return ['-sn', scenario];
  if (scenario.endsWith('.xml') || scenario.includes('/')) {
    const file = isAbsolute(scenario) ? scenario : resolve(scenario);
    if (!existsSync(file)) throw new Error(`sipp scenario not found: ${file}`);
    return ['-sf', file];
  }
  const shipped = sippScenario(scenario);
  if (!existsSync(shipped)) throw new Error(`sipp scenario '${scenario}' is neither built in nor in test/sipp`);
  return ['-sf', shipped];
}

function defaultTimeoutMs(opts: SippOptions): number {
  if (opts.durationS !== undefined) return opts.durationS * 1000 + 60_000;
  if (opts.calls !== undefined && opts.rate) return Math.ceil((opts.calls / opts.rate) * 1000) + 60_000;
  return 120_000;
}

interface SocketEntry {
  port: number;
  listening: boolean;
  inode: string;
}

/** Sockets of this machine (any address) from /proc/net/{udp,tcp}{,6}. */
function sockets(proto: 'udp' | 'tcp'): SocketEntry[] {
  const entries: SocketEntry[] = [];
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local) continue;
      entries.push({ port: parseInt(local.slice(local.lastIndexOf(':') + 1), 16), listening: fields[3] === '0A', inode: fields[9] ?? '' });
    }
  }
  return entries;
}

/** Inodes of the sockets a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1]) inodes.add(m[1]);
    }
  } catch {
    // The process is gone, or a descriptor closed while being read.
  }
  return inodes;
}

// Ports handed out by freeUdpPort in this process: a port is free until its user binds it, and the kernel
// readily offers the same one again meanwhile.
const handedOut = new Set<number>();

/**
 * A port p of 127.0.0.1 such that p … p+span-1 were all free for UDP and TCP a moment ago and were not handed
 * out before by this process (sipp's media uses p and p+2, baresip's SIP p and p+1 for TLS). The kernel
 * picks p, so parallel test processes rarely collide.
 */
export async function freeUdpPort(span = 1): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const { port } = socket.address();
    socket.close();
    if (port + span > 65535) continue;
    const range = Array.from({ length: span }, (_, i) => port + i);
    const used = new Set([...sockets('udp'), ...sockets('tcp')].map((e) => e.port));
    if (range.some((p) => used.has(p) || handedOut.has(p))) continue;
    range.forEach((p) => handedOut.add(p));
    return port;
  }
  throw new Error(`no run of ${span} free ports found`);
}

/** The first of `count` free ports, even (RTP takes even ports, RTCP the odd one above): an RTP range. */
export async function freeEvenRange(count: number): Promise<number> {
  const first = await freeUdpPort(count + 1);
  return first % 2 === 0 ? first : first + 1;
}

/**
 * Resolves once `child` itself has the port bound (listening, for TCP), so a port held by another process does
 * not count; rejects if the child exits first or on timeout.
 */
export async function waitForPort(port: number, proto: 'udp' | 'tcp', child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const bound = () => {
    const candidates = sockets(proto).filter((e) => e.port === port && (proto === 'udp' || e.listening));
    if (candidates.length === 0 || child.pid === undefined) return false;
    const mine = socketInodes(child.pid);
    return candidates.some((e) => mine.has(e.inode));
  };
  while (!bound()) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited before binding ${proto} port ${port}`);
    if (Date.now() > until) throw new Error(`nothing bound ${proto} port ${port} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

// Children of the helpers still running. If this process exits without the tests' teardowns (a crash, or
// tap ending a test on timeout: its signal handler still emits 'exit'), they are killed here.
const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) {
    // Without a pid (spawn failed) there is nothing to kill, and -0 would be this process's own group.
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
});

/**
 * Starts a helper's child process with a parent-death signal (`deathSignal`, default KILL), so that even a
 * SIGKILL of this process takes it along, and tracked so it is killed when this process exits. `detached`
 * makes it lead its own process group, which endChild then signals whole.
 */
export function spawnTracked(
  command: string,
  args: string[],
  options: { cwd: string; detached?: boolean; deathSignal?: 'KILL' | 'TERM'; stdout?: boolean },
): ChildProcess {
  const child = spawn('setpriv', ['--pdeathsig', options.deathSignal ?? 'KILL', '--', command, ...args], {
    cwd: options.cwd,
    stdio: ['ignore', options.stdout === false ? 'ignore' : 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  liveChildren.add(child);
  child.on('exit', () => liveChildren.delete(child));
  return child;
}

/**
 * Ends a child: signal, then SIGKILL after graceMs; resolves when it has exited. A child started detached
 * leads its own process group, which is signalled whole (kamailio's workers go with their main process).
 */
export async function endChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = once(child, 'exit');
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      child.kill(sig);
    }
  };
  kill(signal);
  const timer = setTimeout(() => kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function readStats(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.length > 1 ? (lines[lines.length - 1] ?? '').split(';') : [];
  const stats: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name !== '') stats[name] = last[i] ?? '';
  });
  return stats;
}

interface Running {
  child: ChildProcess;
  result: Promise<SippResult>;
}

function launch(opts: SippOptions, mediaPort: number): Running {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  // Scenarios can play the packaged RTP captures as pcap/<file> (FIELD-NOTES).
  if (existsSync('/usr/share/sip-tester')) symlinkSync('/usr/share/sip-tester', join(dir, 'pcap'));
  const statFile = join(dir, 'stat.csv');
  const errorFile = join(dir, 'errors.log');
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs(opts);
  const args = [
    ...scenarioArgs(opts.scenario),
    ...(opts.target ? [opts.target] : []),
    '-i', '127.0.0.1', '-mi', '127.0.0.1', '-ci', '127.0.0.1',
    '-p', String(opts.localPort), '-mp', String(mediaPort),
    '-nostdin',
    '-trace_stat', '-stf', statFile, '-fd', '1',
    '-trace_err', '-error_file', errorFile,
    '-timeout', `${Math.ceil(timeoutMs / 1000)}s`, '-timeout_error',
  ];
  if (opts.transport) args.push('-t', opts.transport);
  if (opts.rate !== undefined) args.push('-r', String(opts.rate));
  if (opts.ratePeriodMs !== undefined) args.push('-rp', String(opts.ratePeriodMs));
  if (opts.calls !== undefined) args.push('-m', String(opts.calls));
  if (opts.lostPercent !== undefined) args.push('-lost', String(opts.lostPercent));
  if (opts.service !== undefined) args.push('-s', opts.service);
  if (opts.authUser !== undefined) args.push('-au', opts.authUser);
  if (opts.authPass !== undefined) args.push('-ap', opts.authPass);
  for (const [key, value] of Object.entries(opts.keys ?? {})) args.push('-key', key, value);
  args.push(...(opts.extraArgs ?? []));

  const child = spawnTracked('sipp', args, { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.on('error', (err) => (stderr += `${err.message}\n`));
  child.stdout?.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-MAX_OUTPUT)));
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-MAX_OUTPUT)));

  const timers: NodeJS.Timeout[] = [];
  if (opts.durationS !== undefined) timers.push(setTimeout(() => child.kill('SIGUSR1'), opts.durationS * 1000));
  // sipp has been seen spinning past its own -timeout: the last resort is ours.
  timers.push(setTimeout(() => void endChild(child, 'SIGKILL', 0), timeoutMs + 5000));

  const result = new Promise<SippResult>((resolvePromise) => {
    child.on('close', (code) => {
      timers.forEach(clearTimeout);
      const stats = readStats(statFile);
      const count = (column: string) => Number.parseInt(stats[column] ?? '0', 10) || 0;
      const errors = existsSync(errorFile) ? readFileSync(errorFile, 'utf8').slice(0, MAX_OUTPUT) : '';
      rmSync(dir, { recursive: true, force: true });
      resolvePromise({
        code,
        successful: count('SuccessfulCall(C)'),
        failed: count('FailedCall(C)'),
        retransmissions: count('Retransmissions(C)'),
        stats,
        errors,
        stdout,
        stderr,
      });
    });
  });
  return { child, result };
}

/** Runs sipp to its end (calls done, durationS over, or timeout) and reports the outcome. */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  const mediaPort = opts.mediaPort ?? (await freeUdpPort(4));
  return launch(opts, mediaPort).result;
}

/** Starts a long-running sipp (typically a uas) and resolves once its SIP port is bound. */
export async function startSipp(opts: SippOptions): Promise<SippHandle> {
  const mediaPort = opts.mediaPort ?? (await freeUdpPort(4));
  const { child, result } = launch({ timeoutMs: 300_000, ...opts }, mediaPort);
  const proto = opts.transport === undefined || opts.transport.startsWith('u') ? 'udp' : 'tcp';
  try {
    await waitForPort(opts.localPort, proto, child);
  } catch (err) {
    await endChild(child, 'SIGKILL', 0);
    const failed = await result;
    throw new Error(`${(err as Error).message}: ${failed.stderr || failed.errors || failed.stdout}`.trim());
  }
  return {
    port: opts.localPort,
    pid: child.pid ?? 0,
    done: result,
    async stop(graceMs = 10_000) {
      // SIGUSR1 is sipp's soft exit: no new calls, the running ones end their scenario.
      await endChild(child, 'SIGUSR1', graceMs);
      return result;
    },
  };
}

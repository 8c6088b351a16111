/**
 * A real rtpengine (Debian rtpengine-daemon 10.5, userspace: table -1) for tests and benchmarks, configured
 * through media/rtpengine/daemon-config.ts like the appliance's. Everything binds 127.0.0.1 on free ports;
 * each instance works in its own temp dir and is killed (by PID) in the test's teardown.
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { daemonArgs, renderDaemonConfig, type RtpengineDaemonOptions } from '../../media/rtpengine/daemon-config.js';
import { NgClient } from '../../media/rtpengine/ng-client.js';
import type { Scope } from './scope.js';
import { endChild, freeEvenRange, freeUdpPort, spawnTracked } from './sipp.js';

export const RTPENGINE_BINARY = '/usr/bin/rtpengine';
const MAX_OUTPUT = 256 * 1024;

export interface StartRtpengineOptions {
  /** Record to pcap under recordingDir (recording-method pcap); calls are recorded when asked in offer/answer or by start recording. */
  recording?: boolean;
  /** Where to record instead of the temp dir: the data folder's capture dir when call control converts the captures. */
  recordingDir?: string;
  /** dtmf-log-dest port on 127.0.0.1 (a DtmfEvents listener, say); none when omitted. */
  dtmfPort?: number;
  /** The RTP range; a free even range of portCount ports is picked when omitted. */
  portMin?: number;
  portMax?: number;
  /** Ports in the picked range (default 200: 50 calls of two legs, RTP + RTCP each). */
  portCount?: number;
  /** Seconds a deleted call lingers (default 0: a delete ends the call, and closes its capture, at once). */
  deleteDelay?: number;
  /** rtpengine's log level (default 6; 7 shows each packet's handling). */
  logLevel?: number;
}

export interface RtpengineHandle {
  ngPort: number;
  dtmfPort?: number;
  portMin: number;
  portMax: number;
  /** The interface rtpengine relays on and puts in SDP. */
  address: string;
  /** Temp dir holding rtpengine.conf (and recordings/). */
  dir: string;
  configFile: string;
  /** rtpengine's recording-dir (pcaps/ and metadata/ inside); exists only when started with recording. */
  recordingDir: string;
  /** PID of the running rtpengine (changes on restart). */
  pid: number;
  /** What rtpengine wrote to stderr so far (its log), the end of it when long. */
  output(): string;
  /** A client for this rtpengine's ng port, closed in teardown. */
  client(timeoutMs?: number): Promise<NgClient>;
  /** Signals rtpengine (default SIGKILL) and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same config and ports (after kill), resolving once it answers ping. */
  restart(): Promise<void>;
}

/** Resolves once rtpengine answers ping on ngPort; rejects if the child exits first or after timeoutMs. */
async function waitForPong(child: ChildProcess, ngPort: number, output: () => string, timeoutMs = 10_000): Promise<void> {
  const client = await NgClient.open({ port: ngPort, timeoutMs: 200 });
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rtpengine exited before answering ping: ${output()}`);
      try {
        await client.ping();
        return;
      } catch {
        if (Date.now() > until) throw new Error(`rtpengine did not answer ping within ${timeoutMs} ms: ${output()}`);
        await sleep(50);
      }
    }
  } finally {
    client.close();
  }
}

export async function startRtpengine(t: Scope, opts: StartRtpengineOptions = {}): Promise<RtpengineHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'rtpengine-'));
  const recordingDir = opts.recordingDir ?? join(dir, 'recordings');
  if (opts.recording) mkdirSync(recordingDir, { recursive: true });
  const ngPort = await freeUdpPort();
  const portMin = opts.portMin ?? (await freeEvenRange(opts.portCount ?? 200));
  const portMax = opts.portMax ?? portMin + (opts.portCount ?? 200) - 1;
  const daemon: RtpengineDaemonOptions = {
    interface: '127.0.0.1',
    ngPort,
    portMin,
    portMax,
    table: -1,
    deleteDelayS: opts.deleteDelay ?? 0,
    logLevel: opts.logLevel ?? 6,
  };
  if (opts.dtmfPort !== undefined) daemon.dtmfLogPort = opts.dtmfPort;
  if (opts.recording) daemon.recordingDir = recordingDir;
  const configFile = join(dir, 'rtpengine.conf');
  writeFileSync(configFile, renderDaemonConfig(daemon));

  let output = '';
  let child: ChildProcess;
  const clients: NgClient[] = [];
  const launch = async () => {
    // TERM on parent death lets rtpengine close its pcaps; the teardown kills by PID anyway.
    child = spawnTracked(RTPENGINE_BINARY, daemonArgs(configFile), { cwd: dir, deathSignal: 'TERM', stdout: false });
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-MAX_OUTPUT)));
    child.on('error', (e) => (output += `${e.message}\n`));
    try {
      await waitForPong(child, ngPort, () => output);
    } catch (e) {
      await endChild(child, 'SIGKILL', 0);
      throw e;
    }
    handle.pid = child.pid ?? 0;
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, signal);
    await exited;
  };

  const handle: RtpengineHandle = {
    ngPort,
    portMin,
    portMax,
    address: '127.0.0.1',
    dir,
    configFile,
    recordingDir,
    pid: 0,
    output: () => output,
    async client(timeoutMs = 2000) {
      const c = await NgClient.open({ port: ngPort, timeoutMs });
      clients.push(c);
      return c;
    },
    kill,
    async restart() {
      await kill();
      await launch();
    },
  };
  if (opts.dtmfPort !== undefined) handle.dtmfPort = opts.dtmfPort;

  t.teardown(async () => {
    clients.forEach((c) => c.close());
    // SIGTERM first so rtpengine closes open captures; SIGKILL if it lingers.
    await endChild(child, 'SIGTERM', 3000);
    rmSync(dir, { recursive: true, force: true });
  });
  await launch();
  return handle;
}

/** A plain UDP socket on 127.0.0.1 (a phone's media port, say), closed at teardown. */
export async function udpSocket(t: Scope): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  t.teardown(() => s.close());
  return s;
}

/**
 * The call-control process for integration tests: a prepared data folder (migrated, demo accounts, a flow
 * per ward number), a config naming the given trunk ports on 127.0.0.1 and the given rtpengine, the process
 * itself on free ports with its clock set by SC_CLOCK, killed in teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { loadConfig } from '../../appliance/config.js';
import { prepareData } from '../../appliance/prepare.js';
import { runningFrom } from '../../apps/time/clock.js';
import { parseInstant } from '../../apps/time/jst.js';
import { openZone, type Db } from '../../db/connection.js';
import { tempDataDir } from './data.js';
import type { RtpengineHandle } from './rtpengine.js';
import type { Scope } from './scope.js';
import { freePort } from './serve.js';
import { freeEvenRange, freeUdpPort } from './sipp.js';

const ENTRY = new URL('../../appliance/processes/callcontrol.js', import.meta.url).pathname;

export interface CallControlHandle {
  dataDir: string;
  sipPort: number;
  healthPort: number;
  child: ChildProcess;
  /** The internal zone, for reading what the process wrote. */
  db: Db;
  log(): string;
  health(): Promise<Health | null>;
}

export interface Health {
  status: string;
  parts: Record<string, { state: string; [k: string]: unknown }>;
}

export interface CallControlOptions {
  /** SC_CLOCK: the instant (JST) the process starts at; its calendar decides open or closed from it. */
  clock: string;
  rtpengine: RtpengineHandle;
  /** UDP ports on 127.0.0.1 that are the carrier's trunk (a sipp's -p, a test stack's port). */
  trunkPorts: number[];
  /** The data folder rtpengine records into must be this one's: pass the one it was started for. */
  dataDir?: string;
  /** Extra config keys, merged at the top level. */
  config?: Record<string, unknown>;
  /** Runs on the prepared data folder before the process starts. */
  beforeStart?: (db: Db) => Promise<void>;
}

export async function startCallControl(t: Scope, o: CallControlOptions): Promise<CallControlHandle> {
  const dataDir = o.dataDir ?? tempDataDir(t);
  const sipPort = await freeUdpPort();
  const healthPort = await freePort();
  const rtpPorts = await freeEvenRange(38);
  const configFile = join(dataDir, 'config.yaml');
  const config = {
    sip: {
      port: sipPort,
      // baresip 1.0 and sipp 3.6 (Debian 12) give up when a challenge names SHA-256: the README's setting for such devices.
      digestAlgorithms: ['MD5'],
      trunks: o.trunkPorts.map((port, i) => ({ name: `carrier-${i + 1}`, address: '127.0.0.1', port })),
    },
    media: {
      rtpengine: { ngPort: o.rtpengine.ngPort, dtmfLogPort: o.rtpengine.dtmfPort, portMin: o.rtpengine.portMin, portMax: o.rtpengine.portMax, pingMs: 200 },
      rtp: { portMin: rtpPorts, portMax: rtpPorts + 37 },
    },
    callControl: { port: healthPort },
    ...o.config,
  };
  writeFileSync(configFile, stringify(config));
  const start = parseInstant(o.clock);
  if (!start) throw new Error(`bad clock ${o.clock}`);
  const env = { ...process.env, SC_DATA_DIR: dataDir, SC_CONFIG: configFile, SC_CLOCK: o.clock, SC_CLOCK_SET_AT: String(Date.now()) };
  await prepareData(loadConfig(env), runningFrom(start));
  const db = openZone(dataDir, 'internal');
  t.teardown(() => db.destroy());
  await o.beforeStart?.(db);

  const child = spawn(process.execPath, [ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = once(child, 'exit');
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  });
  const health = async (): Promise<Health | null> => {
    try {
      return (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as Health;
    } catch {
      return null;
    }
  };
  for (let i = 0; i < 150; i++) {
    const h = await health();
    if (h?.parts.media?.state === 'up') return { dataDir, sipPort, healthPort, child, db, log: () => log, health };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`call control did not come up with the media plane:\n${log}`);
}

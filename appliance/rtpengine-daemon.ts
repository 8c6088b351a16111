/**
 * rtpengine as one of the supervisor's children (issue 4 item 1): checked before start-up (binary, ng and
 * DTMF ports), its config written under <dataDir>/run from `media.rtpengine`, and waited for until it
 * answers an ng ping so the processes that need it start after it.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureDir, daemonArgs, daemonConfigPath, renderDaemonConfig } from '../media/rtpengine/daemon-config.js';
import { NgClient } from '../media/rtpengine/ng-client.js';
import type { Config } from './config.js';
import { probeUdp } from './listener-check.js';
import { UserError } from './runtime.js';

/**
 * Checked before start-up touches any data: a missing binary or a taken port is for a person to fix. An
 * rtpengine run by its own unit (managed: false) holds the ng port itself; only our DTMF port is checked.
 */
export async function probeRtpengine(config: Config): Promise<void> {
  const r = config.media.rtpengine;
  if (!r.managed) {
    await probeUdp({ address: '127.0.0.1', port: r.dtmfLogPort }, 'media.rtpengine', 'media.rtpengine.dtmfLogPort');
    return;
  }
  try {
    accessSync(r.binary, constants.X_OK);
  } catch {
    throw new UserError(`${r.binary} is not an executable (media.rtpengine.binary): install the Debian package rtpengine-daemon or set media.rtpengine.binary`);
  }
  await probeUdp({ address: '127.0.0.1', port: r.ngPort }, 'media.rtpengine', 'media.rtpengine.ngPort');
  // Call control listens here for rtpengine's DTMF reports.
  await probeUdp({ address: '127.0.0.1', port: r.dtmfLogPort }, 'media.rtpengine', 'media.rtpengine.dtmfLogPort');
}

/** rtpengine's ini text for this config: what the supervisor runs it with, and `sc rtpengine-config` prints for its own unit. */
export function rtpengineConfigText(config: Config): string {
  const r = config.media.rtpengine;
  return renderDaemonConfig({
    interface: r.interface,
    ngPort: r.ngPort,
    portMin: r.portMin,
    portMax: r.portMax,
    table: r.table,
    dtmfLogPort: r.dtmfLogPort,
    recordingDir: captureDir(config.dataDir),
    // A delete ends the call at once, so its capture is closed (and can be converted, T8) when the call ends.
    deleteDelayS: 0,
    // NOTICE: start-up, recording on/off and errors, without a line per ng command.
    logLevel: 5,
  });
}

/** Writes rtpengine's config for this data folder (and makes the capture dir); returns the command to run. */
export function prepareRtpengine(config: Config): { command: string; args: string[] } {
  const file = daemonConfigPath(config.dataDir);
  mkdirSync(dirname(file), { recursive: true });
  mkdirSync(captureDir(config.dataDir), { recursive: true });
  writeFileSync(file, rtpengineConfigText(config));
  return { command: config.media.rtpengine.binary, args: daemonArgs(file) };
}

/** Resolves true once rtpengine answers ping, false when timeoutMs passed or `signal` aborted. */
export async function waitForRtpengine(ngPort: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const client = await NgClient.open({ port: ngPort, timeoutMs: 250 });
  const until = Date.now() + timeoutMs;
  try {
    while (!signal.aborted && Date.now() < until) {
      try {
        await client.ping();
        return true;
      } catch {
        await sleep(100);
      }
    }
    return false;
  } finally {
    client.close();
  }
}

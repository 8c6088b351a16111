/**
 * The ACD under test: call control with rtpengine, flows without the language menu (callers go straight to
 * the queue), baresip operators registered with digest, and the ACD API with the data folder's token.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import type { LiveFigures } from '../../apps/acd/figures.js';
import { parseQueue } from '../../apps/acd/queue-definition.js';
import { acdApiTokenFile } from '../../appliance/acd-api-token.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { CallFlowsRepository } from '../../db/repositories/call-flows.js';
import { ACD_QUEUES, type SeedQueueId } from '../../db/seeds/acd-queues.js';
import { DEFAULT_FLOW } from '../../db/seeds/call-flows.js';
import { WARD_NUMBERS } from '../../db/seeds/ward-numbers.js';
import { encodeWav } from '../../media/audio/wav.js';
import { sineTone } from '../../media/rtp/tone.js';
import { captureDir } from '../../media/rtpengine/daemon-config.js';
import type { Db } from '../../db/connection.js';
import { startBaresip, type Baresip, type BaresipOptions } from './baresip.js';
import { startCallControl, type CallControlHandle, type CallControlOptions } from './callcontrol.js';
import { tempDataDir } from './data.js';
import { startRtpengine, type RtpengineHandle } from './rtpengine.js';
import type { Scope } from './scope.js';
import { freeUdpPort, runSipp, type SippResult } from './sipp.js';

/** The centre's public number (お問い合わせセンター一般周知番号), which the callers dial. */
export const CENTRE = '0354323333';

export interface AcdSite {
  cc: CallControlHandle;
  /** The rtpengine call control uses: a second call control on the same data folder (a restart) takes it too. */
  rtpengine: RtpengineHandle;
  /** The ACD API's shared token (also the live feed's). */
  token: string;
  /** JSON to and from the ACD API; throws with the status and body when not 2xx unless `allow` lists the status. */
  api<T>(method: 'GET' | 'POST', path: string, body?: unknown, allow?: number[]): Promise<{ status: number; body: T }>;
  operator(user: string, o?: Partial<BaresipOptions>): Promise<Baresip>;
  figures(): Promise<LiveFigures>;
  agent(user: string): Promise<AgentStatus>;
  /** Polls until `check` holds (or throws after `timeoutMs` with what was last seen). */
  until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs?: number): Promise<T>;
  /** A subscriber of the live feed (socket.io at /acd/live) once connected, disconnected at teardown. */
  live(): Promise<Socket>;
}

/** Every ward number's flow queues at once, without the language menu (tests of the ACD, not of the IVR). */
export async function directFlows(db: Db, change: Record<string, unknown> = {}): Promise<void> {
  const flows = new CallFlowsRepository(db);
  for (const n of WARD_NUMBERS) await flows.save(n.number, { ...DEFAULT_FLOW, languageMenu: null, ...change }, 'test', new Date());
}

/**
 * `sc queue set` as the ACD reads it: a new version of a seeded queue with some keys changed (checked here,
 * so a wrong change fails the test rather than leaving call control without the queue).
 */
export async function setQueue(db: Db, queue: SeedQueueId, change: Record<string, unknown>): Promise<void> {
  const definition = parseQueue({ ...ACD_QUEUES[queue], ...change });
  await new AcdQueuesRepository(db).save(queue, definition, 'test', new Date());
}

/** A WAV of `ms` of tone in `dir`: an operator's baresip with it as audio hangs up after that long. */
export function talkAudio(dir: string, ms: number): string {
  const file = join(dir, `talk-${ms}.wav`);
  writeFileSync(file, encodeWav({ sampleRate: 8000, channels: 1, samples: sineTone(1000, ms) }));
  return file;
}

/**
 * Callers from the trunk (sipp on `port`, one of the site's trunkPorts), one every `everyMs`, each skipping
 * the greeting with a key. Without `abandonAfterMs` each waits until the appliance hangs up (the operator
 * did); with it each hangs up that long after its key press, answered or not.
 */
export function acdCallers(site: AcdSite, o: { port: number; calls?: number; everyMs?: number; abandonAfterMs?: number; caller?: string }): Promise<SippResult> {
  const n = o.calls ?? 1;
  return runSipp({
    scenario: o.abandonAfterMs === undefined ? 'uac-acd-wait-bye' : 'uac-acd-abandon',
    target: `127.0.0.1:${site.cc.sipPort}`,
    localPort: o.port,
    service: CENTRE,
    keys: { caller: o.caller ?? '0312345678' },
    calls: n,
    rate: 1,
    ratePeriodMs: o.everyMs ?? 1000,
    // sipp's own cap on calls at once would hold back a caller while others talk.
    extraArgs: ['-l', String(n), ...(o.abandonAfterMs === undefined ? [] : ['-d', String(o.abandonAfterMs)])],
    timeoutMs: 90_000,
  });
}

/** sipp's error log when some call failed, for an assertion's message ('ok' otherwise: it also lists harmless notices). */
export function sippFailures(r: SippResult): string {
  return r.failed || r.code !== 0 ? r.errors.slice(0, 2000) : 'ok';
}

/**
 * `dataDir` and `rtpengine` of an earlier site start call control again on the same folder (a restart after
 * a crash); without them a new folder and rtpengine are made.
 */
export async function startAcdSite(
  t: Scope,
  o: Omit<CallControlOptions, 'rtpengine' | 'dataDir'> & { dataDir?: string; rtpengine?: RtpengineHandle },
): Promise<AcdSite> {
  const dataDir = o.dataDir ?? tempDataDir(t);
  const rtpengine = o.rtpengine ?? (await startRtpengine(t, { recording: true, recordingDir: captureDir(dataDir), dtmfPort: await freeUdpPort() }));
  const cc = await startCallControl(t, {
    ...o,
    ...(process.env.DEBUG_ACD_LOG ? { config: { ...o.config, log: { level: 'debug' } } } : {}),
    rtpengine,
    dataDir,
    beforeStart: async (db) => {
      await directFlows(db);
      await o.beforeStart?.(db);
    },
  });
  const token = readFileSync(acdApiTokenFile(dataDir), 'utf8').trim();
  // DEBUG_ACD_LOG=/tmp/x keeps each call-control log (at debug level) as /tmp/x.<pid>.<time> for a failing test.
  if (process.env.DEBUG_ACD_LOG) t.teardown(() => writeFileSync(process.env.DEBUG_ACD_LOG + '.' + process.pid + '.' + Date.now(), cc.log()));
  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown, allow: number[] = []) => {
    const res = await fetch(`http://127.0.0.1:${cc.healthPort}/acd${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const parsed = (await res.json()) as T;
    if (!res.ok && !allow.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
    return { status: res.status, body: parsed };
  };
  const until = async <T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < end) {
      last = await read();
      if (check(last)) return last;
      await sleep(100);
    }
    throw new Error(`${what}: not reached within ${timeoutMs} ms; last seen ${JSON.stringify(last)}\n${cc.log().slice(-4000)}`);
  };
  return {
    cc,
    rtpengine,
    token,
    api,
    until,
    live: () => {
      const socket = io(`http://127.0.0.1:${cc.healthPort}`, { path: '/acd/live', auth: { token }, transports: ['websocket'], reconnection: false });
      t.teardown(() => socket.disconnect());
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (e) => reject(new Error(`the live feed refused the connection: ${e.message}`)));
      });
    },
    figures: async () => (await api<LiveFigures>('GET', '/figures')).body,
    agent: async (user) => {
      const found = (await api<AgentStatus[]>('GET', '/agents')).body.find((a) => a.agent === user);
      if (!found) throw new Error(`no agent ${user}`);
      return found;
    },
    operator: async (user, bo = {}) => {
      const phone = await startBaresip({ user, password: `sip-pass-${user}`, registrar: `127.0.0.1:${cc.sipPort}`, ...bo });
      t.teardown(() => phone.stop());
      await phone.waitFor('REGISTER_OK', 10_000);
      return phone;
    },
  };
}

/**
 * `GET /healthz` of every web process: the state of each of its parts, so the supervisor, the SNMP agent
 * and a person with curl all read the same answer. 200 when every part is up, 503 otherwise.
 */
import type { Request, Response } from 'express';
import type { Clock } from '../time/clock.js';
import { isoJst } from '../time/jst.js';

export interface PartState {
  state: 'up' | 'down';
  detail?: string;
  [k: string]: unknown;
}

export type PartCheck = () => Promise<PartState> | PartState;

export interface Health {
  process: string;
  status: 'ok' | 'degraded';
  pid: number;
  startedAt: string;
  now: string;
  parts: Record<string, PartState>;
}

export function healthReporter(processName: string, clock: Clock, checks: Record<string, PartCheck>) {
  const startedAt = isoJst(clock.now());
  const report = async (): Promise<Health> => {
    const parts: Record<string, PartState> = {};
    for (const [name, check] of Object.entries(checks)) {
      try {
        parts[name] = await check();
      } catch (e) {
        parts[name] = { state: 'down', detail: e instanceof Error ? e.message : String(e) };
      }
    }
    const status = Object.values(parts).every((p) => p.state === 'up') ? 'ok' : 'degraded';
    return { process: processName, status, pid: process.pid, startedAt, now: isoJst(clock.now()), parts };
  };
  const handler = async (_req: Request, res: Response) => {
    const h = await report();
    res.status(h.status === 'ok' ? 200 : 503).set('Cache-Control', 'no-store').json(h);
  };
  return { report, handler };
}

/**
 * The appliance keeps one SQLite file per zone (ARCHITECTURE "Zones"): `internal` on the centre LAN
 * (CRM, accounts, calls) and `public` for the FAQ site, which never sees the internal data.
 */
import { join } from 'node:path';

export const ZONES = ['internal', 'public'] as const;
export type Zone = (typeof ZONES)[number];

export function isZone(s: string): s is Zone {
  return (ZONES as readonly string[]).includes(s);
}

export function zoneFile(dataDir: string, zone: Zone): string {
  return join(dataDir, `${zone}.sqlite`);
}

/** Names the supervisor serving the data folder: one per folder, and no restore beneath it. */
export function supervisorPidFile(dataDir: string): string {
  return join(dataDir, 'supervisor.pid');
}

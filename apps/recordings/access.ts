/**
 * Who may list, play and download call recordings (T8, C6): supervisors, who review calls, and the
 * manager. Operators and ward staff handle citizens' calls but do not listen back to them; the system
 * administrator keeps the appliance running without access to what callers said.
 */
import type { Role } from '../../db/roles.js';

export const RECORDING_ROLES: readonly Role[] = ['supervisor', 'manager'];

export function mayListen(roles: readonly Role[]): boolean {
  return roles.some((r) => RECORDING_ROLES.includes(r));
}

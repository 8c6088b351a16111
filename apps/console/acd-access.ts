/**
 * Who uses which ACD page (T5-T7, C6): the wallboard is for everyone on the floor, an operator's own panel
 * for those who take calls, callback requests are written by whoever talked to the caller and worked by the
 * department they name, and the call detail records (callers' numbers) are for supervisors and the manager.
 */
import type { Role } from '../../db/roles.js';

export const WALLBOARD_ROLES: readonly Role[] = ['operator', 'supervisor', 'manager'];
export const AGENT_PANEL_ROLES: readonly Role[] = ['operator', 'supervisor'];
/** Supervisors change any operator's state (from the wallboard); everyone else only their own. */
export const AGENT_MANAGER_ROLES: readonly Role[] = ['supervisor'];
export const CALLBACK_WRITER_ROLES: readonly Role[] = ['operator', 'supervisor'];
/** ward_staff see their own department's requests only; supervisors and the manager see all. */
export const CALLBACK_LIST_ROLES: readonly Role[] = ['ward_staff', 'supervisor', 'manager'];
export const CDR_ROLES: readonly Role[] = ['supervisor', 'manager'];

export const hasAny = (roles: readonly Role[], allowed: readonly Role[]): boolean => roles.some((r) => allowed.includes(r));

/** The ACD pages for the menu, in the order a person on the floor uses them. */
export function acdLinks(roles: readonly Role[]): { href: string; label: string }[] {
  const links: { href: string; label: string }[] = [];
  if (hasAny(roles, AGENT_PANEL_ROLES)) links.push({ href: '/acd/me', label: 'オペレーター' });
  if (hasAny(roles, WALLBOARD_ROLES)) links.push({ href: '/acd/wallboard', label: 'ウォールボード' });
  if (hasAny(roles, CALLBACK_LIST_ROLES)) links.push({ href: '/acd/callbacks', label: '折り返し依頼' });
  else if (hasAny(roles, CALLBACK_WRITER_ROLES)) links.push({ href: '/acd/callbacks/new', label: '折り返し依頼' });
  return links;
}

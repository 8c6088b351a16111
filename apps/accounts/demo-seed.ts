/** Seeding the demo accounts of `db/seeds/demo-users.ts`; already present users are left as they are. */
import { DEMO_USERS } from '../../db/seeds/demo-users.js';
import type { AccountService } from './account-service.js';

export async function seedDemoUsers(accounts: AccountService): Promise<string[]> {
  const created: string[] = [];
  const actor = { id: null, name: 'seed' };
  for (const u of DEMO_USERS) {
    if (await accounts.users.byUsername(u.username)) continue;
    await accounts.create({ ...u, departmentId: u.departmentId ?? null, sipPassword: u.sipPassword ?? null }, actor);
    created.push(u.username);
  }
  return created;
}

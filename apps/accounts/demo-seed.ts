/** Seeding the demo accounts of `db/seeds/demo-users.ts`; already present users are left as they are. */
import { DEMO_USERS } from '../../db/seeds/demo-users.js';
import type { AccountService } from './account-service.js';

/** Password hashing runs on libuv's pool (4 threads by default), so a few at once start faster. */
const AT_ONCE = 4;

export async function seedDemoUsers(accounts: AccountService): Promise<string[]> {
  const actor = { id: null, name: 'seed' };
  const missing = [];
  for (const u of DEMO_USERS) if (!(await accounts.users.byUsername(u.username))) missing.push(u);
  for (let i = 0; i < missing.length; i += AT_ONCE) {
    await Promise.all(
      missing.slice(i, i + AT_ONCE).map((u) => accounts.create({ ...u, departmentId: u.departmentId ?? null, sipPassword: u.sipPassword ?? null }, actor)),
    );
  }
  return missing.map((u) => u.username);
}

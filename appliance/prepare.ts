/**
 * Bringing the data folder up to date before any process serves: migrate both zones, load the ward's
 * reference data (numbers, departments, closed days, a call flow per number; T1, T7) and, on a new appliance, the demo centre.
 * Only the supervisor and `sc` call this, so two processes never migrate the same file at once.
 */
import { AccountService } from '../apps/accounts/account-service.js';
import { seedDemoUsers } from '../apps/accounts/demo-seed.js';
import type { Clock } from '../apps/time/clock.js';
import { openZone, type Db } from '../db/connection.js';
import { migrateLatest, zoneOf } from '../db/migrator.js';
import { AcdAgentsRepository } from '../db/repositories/acd-agents.js';
import { AcdQueuesRepository } from '../db/repositories/acd-queues.js';
import { CallFlowsRepository } from '../db/repositories/call-flows.js';
import { ReferenceRepository } from '../db/repositories/reference.js';
import { UsersRepository } from '../db/repositories/users.js';
import { ACD_AGENTS } from '../db/seeds/acd-agents.js';
import { ACD_QUEUES } from '../db/seeds/acd-queues.js';
import { WARD_CALENDAR_DAYS } from '../db/seeds/calendar-days.js';
import { DEFAULT_FLOW } from '../db/seeds/call-flows.js';
import { DEPARTMENTS } from '../db/seeds/departments.js';
import { WARD_NUMBERS } from '../db/seeds/ward-numbers.js';
import { ZONES, type Zone } from '../db/zones.js';
import { ensureAcdApiToken } from './acd-api-token.js';
import type { Config } from './config.js';
import { UserError } from './runtime.js';

export interface PrepareResult {
  migrated: Record<Zone, string[]>;
  demoUsers: string[];
}

async function migrateZone(dataDir: string, zone: Zone): Promise<{ db: Db; applied: string[] }> {
  const db = openZone(dataDir, zone);
  try {
    const actual = await zoneOf(db);
    if (actual !== null && actual !== zone) throw new UserError(`${zone}.sqlite belongs to zone "${actual}", not "${zone}"`);
    return { db, applied: await migrateLatest(db, zone) };
  } catch (e) {
    await db.destroy();
    throw e;
  }
}

/** Reference data the appliance cannot run without; only missing rows are added, edits are kept. */
export async function seedReference(db: Db, clock: Clock): Promise<void> {
  const ref = new ReferenceRepository(db);
  await ref.upsertWardNumbers(WARD_NUMBERS);
  const have = new Set((await ref.departments({ includeInactive: true })).map((d) => d.id));
  await ref.upsertDepartments(DEPARTMENTS.filter((d) => !have.has(d.id)));
  const days = new Set((await ref.calendarDays()).map((d) => `${d.date}/${d.kind}`));
  for (const d of WARD_CALENDAR_DAYS) if (!days.has(`${d.date}/${d.kind}`)) await ref.putCalendarDay(d, clock.now());
  // Every number answers from the first start; a flow the ward changed is a newer version and is kept.
  const flows = new CallFlowsRepository(db);
  const withFlow = new Set((await flows.current()).map((f) => f.number));
  for (const n of WARD_NUMBERS) if (!withFlow.has(n.number)) await flows.save(n.number, DEFAULT_FLOW, 'seed', clock.now());
  // The six queues the flows send callers to (T5, T10); a queue the ward changed is a newer version and is kept.
  const queues = new AcdQueuesRepository(db);
  const withQueue = new Set((await queues.current()).map((q) => q.queue));
  for (const [id, definition] of Object.entries(ACD_QUEUES)) if (!withQueue.has(id)) await queues.save(id, definition, 'seed', clock.now());
}

/** Skills for the demo operators that exist and have none yet (skills set by the ward are kept). */
async function seedDemoAgents(db: Db, clock: Clock): Promise<void> {
  const users = new UsersRepository(db);
  const agents = new AcdAgentsRepository(db);
  for (const a of ACD_AGENTS) {
    if ((await users.sipAccount(a.agent)) && !(await agents.get(a.agent))) await agents.put(a.agent, a.skills, a.penalties, clock.now());
  }
}

export async function seedDemo(db: Db, config: Config, clock: Clock): Promise<string[]> {
  const accounts = new AccountService(db, clock, { minPasswordLength: config.auth.minPasswordLength, sipRealm: config.sip.realm });
  const created = await seedDemoUsers(accounts);
  await seedDemoAgents(db, clock);
  return created;
}

export async function prepareData(config: Config, clock: Clock, options: { demo: 'if-empty' | 'never' } = { demo: 'if-empty' }): Promise<PrepareResult> {
  ensureAcdApiToken(config.dataDir);
  const migrated = {} as Record<Zone, string[]>;
  let demoUsers: string[] = [];
  for (const zone of ZONES) {
    const { db, applied } = await migrateZone(config.dataDir, zone);
    migrated[zone] = applied;
    try {
      if (zone === 'internal') {
        const isNew = (await new UsersRepository(db).list()).length === 0;
        await seedReference(db, clock);
        if (isNew && options.demo === 'if-empty') demoUsers = await seedDemo(db, config, clock);
      }
    } finally {
      await db.destroy();
    }
  }
  return { migrated, demoUsers };
}

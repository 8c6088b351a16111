/** Migrations and seeds of both zones: the ward's reference data (T1, T7) and the demo centre. */
import { renameSync } from 'node:fs';
import t from 'tap';
import { openZone } from '../../db/connection.js';
import { knownMigrations, migrateLatest, migrationSource, pendingMigrations, zoneOf } from '../../db/migrator.js';
import { ReferenceRepository } from '../../db/repositories/reference.js';
import { parseConfig } from '../../appliance/config.js';
import { prepareData } from '../../appliance/prepare.js';
import { ManualClock } from '../../apps/time/clock.js';
import { tempDataDir } from '../helpers/data.js';

const clock = new ManualClock('2027-06-01T09:00:00+09:00');

t.test('every migration goes down and up again on both zones', async (t) => {
  for (const zone of ['internal', 'public'] as const) {
    const db = openZone(tempDataDir(t), zone);
    t.teardown(() => db.destroy());
    t.same(await migrateLatest(db, zone), knownMigrations(zone), `${zone}: all applied`);
    t.same(await pendingMigrations(db, zone), []);
    t.equal(await zoneOf(db), zone);
    await db.migrate.rollback({ migrationSource: migrationSource(zone) }, true);
    t.same(await pendingMigrations(db, zone), knownMigrations(zone), `${zone}: all rolled back`);
    t.same(await db('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'knex_%').whereNot('name', 'sqlite_sequence').pluck('name'), [], `${zone}: no table left`);
    t.same(await migrateLatest(db, zone), knownMigrations(zone), `${zone}: applied again`);
  }
});

t.test('connections run with WAL and foreign keys, so a user of an unknown department is refused', async (t) => {
  const db = openZone(tempDataDir(t), 'internal');
  t.teardown(() => db.destroy());
  await migrateLatest(db, 'internal');
  t.equal((await db.raw('PRAGMA journal_mode'))[0].journal_mode, 'wal');
  t.equal((await db.raw('PRAGMA foreign_keys'))[0].foreign_keys, 1);
  const row = { username: 'x', display_name: 'x', department_id: 'nowhere', password_hash: 'h', password_changed_at: '', created_at: '', updated_at: '' };
  await t.rejects(db('users').insert(row), /FOREIGN KEY/);
});

t.test('prepareData migrates, seeds the ward and the demo centre once, and keeps edits', async (t) => {
  const config = parseConfig({ dataDir: tempDataDir(t) });
  const first = await prepareData(config, clock);
  t.same(first.migrated, { internal: knownMigrations('internal'), public: knownMigrations('public') });
  t.equal(first.demoUsers.length, 26, 'one user per role and op01-op20');

  const db = openZone(config.dataDir, 'internal');
  t.teardown(() => db.destroy());
  const ref = new ReferenceRepository(db);
  const numbers = await ref.wardNumbers();
  t.equal(numbers.length, 21, 'the 21 numbers of §8(1)①');
  t.same(numbers[0], { id: 1, name: '世田谷区役所代表電話番号（世田谷総合支所）', number: '0354321111', display: '03-5432-1111' });
  t.equal(numbers[20]?.number, '0354323333', 'the centre\'s own number is row 21');
  const saturday = (await ref.departments()).filter((d) => d.saturdayTransfer).map((d) => d.id);
  t.ok(saturday.includes('taishido-office') && saturday.includes('kinuta-kumin'), '太子堂出張所 and 支所区民課 take Saturdays');
  t.notOk(saturday.includes('kazei'), 'head-office departments do not');
  t.same((await ref.calendarDays('2027-12-28', '2028-01-04')).map((d) => d.date), ['2027-12-29', '2027-12-30', '2027-12-31', '2028-01-01', '2028-01-02', '2028-01-03']);
  const sip = await db('sip_accounts').pluck('sip_user');
  t.ok(['op01', 'op20', 'sv01'].every((u) => sip.includes(u)), 'operators have SIP credentials');

  await db('departments').where({ id: 'kazei' }).update({ phone: '03-0000-0000' });
  await db('users').where({ username: 'op05' }).delete();
  const second = await prepareData(config, clock);
  t.same(second.migrated, { internal: [], public: [] }, 'nothing to migrate the second time');
  t.same(second.demoUsers, [], 'demo users are only seeded into an empty appliance');
  t.equal((await ref.department('kazei'))?.phone, '03-0000-0000', 'the ward\'s edits are kept');
  t.equal(Number((await db('calendar_days').count('* as n').first())?.n), 36, 'no duplicate days');
});

t.test('a zone file swapped for the other zone is refused', async (t) => {
  const dataDir = tempDataDir(t);
  const pub = openZone(dataDir, 'public');
  await migrateLatest(pub, 'public');
  await pub.destroy();
  renameSync(`${dataDir}/public.sqlite`, `${dataDir}/internal.sqlite`);
  await t.rejects(prepareData(parseConfig({ dataDir }), clock), /internal\.sqlite belongs to zone "public"/);
});

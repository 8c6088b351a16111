/** Internal zone, first schema: the ward's reference data and calendar (T1, T2, T7), accounts (O4), audit. */
import type { Knex } from 'knex';
import { ROLES } from '../../roles.js';

export const name = '0001_foundation';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zone_meta', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
  });
  await knex('zone_meta').insert({ key: 'zone', value: 'internal' });

  // The 21 published numbers of §8(1)① (T1): each call keeps the number it came in on (DNIS).
  await knex.schema.createTable('ward_numbers', (t) => {
    t.integer('id').primary(); // the row number of the spec's table
    t.text('name').notNullable();
    t.text('number').notNullable().unique(); // digits only, as in a Request-URI: 0354321111
    t.text('display').notNullable(); // 03-5432-1111
  });

  // Departments and desks a call can be transferred to (T7); 転送先.
  await knex.schema.createTable('departments', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('name_en').notNullable();
    t.text('phone').notNullable();
    // Desks that also take transfers on Saturdays except the third (太子堂出張所, 支所区民課; T7).
    t.boolean('saturday_transfer').notNullable().defaultTo(false);
    t.integer('sort').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
  });

  // Days the ward sets itself: offices closed (年末年始) and election days (選挙執行日, 06:30-20:00).
  await knex.schema.createTable('calendar_days', (t) => {
    t.text('date').notNullable(); // YYYY-MM-DD, JST
    t.text('kind').notNullable().checkIn(['ward_closed', 'election']);
    t.text('name').notNullable();
    t.text('created_at').notNullable();
    t.primary(['date', 'kind']);
  });

  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.text('username').notNullable().unique();
    t.text('display_name').notNullable();
    t.text('department_id').references('id').inTable('departments');
    t.text('password_hash').notNullable();
    t.text('password_changed_at').notNullable();
    t.text('disabled_at');
    t.text('created_at').notNullable();
    t.text('updated_at').notNullable();
  });

  await knex.schema.createTable('user_roles', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('role').notNullable().checkIn([...ROLES]);
    t.primary(['user_id', 'role']);
  });

  // SIP digest credentials of a softphone; only HA1 digests are kept, never the password.
  await knex.schema.createTable('sip_accounts', (t) => {
    t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    t.text('sip_user').notNullable().unique();
    t.text('realm').notNullable();
    t.text('ha1_md5').notNullable();
    t.text('ha1_sha256').notNullable();
    t.text('updated_at').notNullable();
  });

  await knex.schema.createTable('sessions', (t) => {
    t.text('id').primary(); // SHA-256 of the cookie token: a stolen database holds no usable session
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('csrf_token').notNullable();
    t.text('created_at').notNullable();
    t.text('last_seen_at').notNullable();
    t.text('expires_at').notNullable();
    t.text('ip');
    t.text('user_agent');
  });

  await knex.schema.createTable('login_attempts', (t) => {
    t.increments('id');
    t.text('at').notNullable();
    t.text('username').notNullable();
    t.text('ip').notNullable();
    t.boolean('ok').notNullable();
    t.index(['username', 'at']);
    t.index(['ip', 'at']);
  });

  // Append-only, hash-chained (O4, O7): each row's hash covers the previous row's hash.
  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id');
    t.text('at').notNullable();
    t.integer('actor_id');
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('entity');
    t.text('entity_id');
    t.text('detail');
    t.text('ip');
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
    t.index(['at']);
    t.index(['entity', 'entity_id']);
  });
  await knex.raw(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`);
  await knex.raw(`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_log', 'login_attempts', 'sessions', 'sip_accounts', 'user_roles', 'users', 'calendar_days', 'departments', 'ward_numbers', 'zone_meta']) {
    await knex.schema.dropTableIfExists(table);
  }
}

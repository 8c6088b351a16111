/** Public zone, first schema: only its identity. It holds published FAQ content and logs, never CRM data. */
import type { Knex } from 'knex';

export const name = '0001_foundation';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zone_meta', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
  });
  await knex('zone_meta').insert({ key: 'zone', value: 'public' });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('zone_meta');
}

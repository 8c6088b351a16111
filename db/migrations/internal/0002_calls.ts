/**
 * Internal zone: call flows per dialled number (T1, data rather than code), every inbound call, and its
 * recording (T8).
 */
import type { Knex } from 'knex';

export const name = '0002_calls';

export async function up(knex: Knex): Promise<void> {
  // One versioned, validated definition per dialled number (DNIS); the highest version is in force.
  await knex.schema.createTable('call_flows', (t) => {
    t.increments('id');
    t.text('number').notNullable(); // digits, as in the Request-URI: 0354323333
    t.integer('version').notNullable();
    t.text('definition').notNullable(); // JSON, checked by apps/callflow/flow-definition.ts
    t.text('created_at').notNullable();
    t.text('created_by').notNullable();
    t.unique(['number', 'version']);
  });

  // 着信: one row per inbound call, written by call control.
  await knex.schema.createTable('calls', (t) => {
    t.increments('id');
    t.text('sip_call_id').notNullable().unique();
    t.text('dnis').notNullable(); // the number dialled (T1)
    t.text('caller').notNullable(); // the calling number, '' when withheld
    t.integer('flow_version');
    t.text('language'); // chosen at the language menu (T10): ja, en, zh, ko, other
    t.text('started_at').notNullable();
    t.text('answered_at');
    t.text('ended_at');
    // closed (outside hours), queued, abandoned (caller hung up first), rejected, failed, completed
    t.text('outcome');
    t.text('end_reason');
    t.text('agent'); // the operator who answered, when one did (issue 5)
    t.index(['started_at']);
    t.index(['dnis', 'started_at']);
  });

  // 通話録音 (T8): one stereo WAV per call, caller left, the other side right.
  await knex.schema.createTable('recordings', (t) => {
    t.increments('id');
    t.integer('call_id').notNullable().references('id').inTable('calls').onDelete('CASCADE');
    t.text('path'); // relative to the data folder; null once the retention job deleted the audio
    t.text('started_at').notNullable();
    t.text('ended_at').notNullable();
    t.integer('duration_ms').notNullable();
    t.integer('bytes').notNullable();
    t.text('caller').notNullable();
    t.text('dnis').notNullable();
    t.text('agent');
    t.boolean('complete').notNullable();
    t.text('incomplete_reason');
    t.text('transcript');
    t.text('created_at').notNullable();
    t.text('deleted_at');
    t.index(['started_at']);
    t.index(['call_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['recordings', 'calls', 'call_flows']) await knex.schema.dropTableIfExists(table);
}

/**
 * Internal zone: the ACD (T5-T7, T10, C4, §16). Queues as versioned data, operators' skills, every agent
 * state change (T6), the call event log the live figures and SLA reports are computed from, one row per call
 * leg, every transfer with its department and outcome (C4), and callback requests (T7, C10).
 */
import type { Knex } from 'knex';

export const name = '0003_acd';

export async function up(knex: Knex): Promise<void> {
  // 待ち行列: one validated definition per queue (apps/acd/queue-definition.ts); the highest version is in force.
  await knex.schema.createTable('acd_queues', (t) => {
    t.increments('id');
    t.text('queue').notNullable(); // general, events, english, chinese, korean, election
    t.integer('version').notNullable();
    t.text('definition').notNullable(); // JSON
    t.text('created_at').notNullable();
    t.text('created_by').notNullable();
    t.unique(['queue', 'version']);
  });

  // オペレーター as the ACD sees them: a SIP account with skills (language, purpose) at a level 1-5 and a
  // penalty per queue (lower is offered first, as in app_queue).
  await knex.schema.createTable('acd_agents', (t) => {
    t.text('agent').primary(); // the SIP user name (sip_accounts.sip_user)
    t.text('skills').notNullable(); // JSON {"ja":4,"en":2}
    t.text('penalties').notNullable().defaultTo('{}'); // JSON {"general":0,"english":1}
    t.text('updated_at').notNullable();
  });

  // T6: every state an operator enters, time-stamped; the latest row is the state a restart starts from.
  await knex.schema.createTable('agent_states', (t) => {
    t.increments('id');
    t.text('at').notNullable();
    t.text('agent').notNullable();
    // logged_out, ready, ringing, talking, wrap_up, not_ready
    t.text('state').notNullable();
    t.text('reason'); // not_ready: break, training, meeting, missed, other
    t.integer('call_id'); // calls.id while ringing, talking or in wrap-up
    t.text('contact'); // where the agent is rung: 'softphone' or an external number
    t.index(['agent', 'at']);
    t.index(['at']);
  });

  // The stored event log (T5, §16): arrival, queue entry, offers, answer, hold, transfer, abandon, hang-up.
  // Live figures are folded from today's rows at start-up, so a restart keeps today's numbers.
  await knex.schema.createTable('call_events', (t) => {
    t.increments('id');
    t.text('at').notNullable();
    t.integer('call_id').notNullable();
    t.text('kind').notNullable();
    t.text('queue');
    t.text('agent');
    t.text('detail'); // JSON, per kind (apps/acd/call-event.ts)
    t.index(['at']);
    t.index(['call_id']);
  });

  // One row per leg of a call: the caller, each agent rung, a department, a consult or interpreter call.
  await knex.schema.createTable('call_legs', (t) => {
    t.increments('id');
    t.integer('call_id').notNullable();
    t.text('kind').notNullable(); // caller, agent, department, consult, interpreter
    t.text('party').notNullable(); // the number or SIP user
    t.text('sip_call_id');
    t.text('started_at').notNullable();
    t.text('answered_at');
    t.text('ended_at');
    t.text('outcome'); // answered, no-answer, rejected, busy, unreachable, cancelled, failed
    t.text('ended_by'); // caller, agent, department, system
    t.index(['call_id']);
    t.index(['started_at']);
  });

  // The CDR's ACD figures on the call's own row (§16): queue, entry, who answered when, talk and wrap-up.
  await knex.schema.alterTable('calls', (t) => {
    t.text('queue');
    t.text('queued_at');
    t.text('agent_answered_at');
    t.text('talk_ended_at');
    t.integer('wrap_up_ms');
    t.text('hung_up_by'); // caller, agent, department, system
    t.integer('offers'); // how many times an operator was rung
  });

  // 転送 (T7, C4): every transfer attempt with its department and outcome.
  await knex.schema.createTable('transfers', (t) => {
    t.increments('id');
    t.integer('call_id').notNullable();
    t.text('at').notNullable();
    t.text('agent');
    t.text('department_id').notNullable();
    t.text('mode').notNullable(); // blind, attended, conference
    // connected, refused (outside the window), failed (no answer, busy), cancelled
    t.text('outcome').notNullable();
    t.text('reason');
    t.index(['at']);
    t.index(['department_id', 'at']);
  });

  await reshapeFlows(knex, (d) => {
    delete d.holdAnnounceS;
    d.languageQueues ??= { en: 'english', zh: 'chinese', ko: 'korean' };
  });

  // 折り返し依頼 (T7): personal data (name, number, topic) is removed once done (C10), the row stays for counts.
  await knex.schema.createTable('callbacks', (t) => {
    t.increments('id');
    t.integer('call_id');
    t.text('department_id'); // null: the centre itself calls back (a caller who chose a callback in the queue)
    t.text('caller_name');
    t.text('number');
    t.text('topic');
    t.text('language');
    t.text('preferred_time');
    t.text('status').notNullable(); // open, done, cancelled
    t.text('created_at').notNullable();
    t.text('created_by').notNullable();
    t.text('done_at');
    t.text('done_by');
    t.text('purged_at');
    t.index(['department_id', 'status']);
    t.index(['created_at']);
  });
}

/**
 * Stored call flows lose `holdAnnounceS` (what a waiting caller hears is now the queue's `announceEveryS`) and
 * gain the language queues of T10, so that every stored version still passes the format-1 check.
 */
async function reshapeFlows(knex: Knex, change: (d: Record<string, unknown>) => void): Promise<void> {
  for (const row of (await knex('call_flows').select('id', 'definition')) as { id: number; definition: string }[]) {
    const d = JSON.parse(row.definition) as Record<string, unknown>;
    change(d);
    await knex('call_flows').where({ id: row.id }).update({ definition: JSON.stringify(d) });
  }
}

export async function down(knex: Knex): Promise<void> {
  await reshapeFlows(knex, (d) => {
    delete d.languageQueues;
    d.holdAnnounceS = 60;
  });
  for (const table of ['callbacks', 'transfers', 'call_legs', 'call_events', 'agent_states', 'acd_agents', 'acd_queues']) await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable('calls', (t) => {
    for (const c of ['queue', 'queued_at', 'agent_answered_at', 'talk_ended_at', 'wrap_up_ms', 'hung_up_by', 'offers']) t.dropColumn(c);
  });
}

/**
 * `sc agent list|set`: the skills (language or purpose at a level 1-5) and queue penalties of each operator
 * the ACD may ring (T5). An agent is the SIP user of an operator or supervisor account; a bad value changes
 * nothing and is named.
 */
import { parseArgs } from 'node:util';
import type { Clock } from '../../apps/time/clock.js';
import type { Db } from '../../db/connection.js';
import { AcdAgentsRepository } from '../../db/repositories/acd-agents.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { UserError } from '../runtime.js';

const USAGE = `usage:
  sc agent list
  sc agent set AGENT --skills ja:4,en:2 [--penalty general:0,english:1]
      skills: language or purpose (ja, en, zh, ko, events, election ...) at a level 1-5
      penalty: per queue, 0-99; a higher penalty is offered calls later`;

const NAME = /^[a-z0-9-]{1,40}$/;

/** `key:n,key:n` with each n an integer in [min, max]; the option is named in every error. */
function parsePairs(option: string, text: string, min: number, max: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^([^:\s]+):(\d+)$/.exec(part);
    if (!m) throw new UserError(`${option}: "${part}" is not name:number (e.g. ja:4)`);
    const [, key, n] = m as unknown as [string, string, string];
    if (!NAME.test(key)) throw new UserError(`${option}: "${key}": lower-case letters, digits and -`);
    const value = Number(n);
    if (value < min || value > max) throw new UserError(`${option}: ${key} must be ${min}-${max}, not ${value}`);
    if (key in out) throw new UserError(`${option}: ${key} is given twice`);
    out[key] = value;
  }
  return out;
}

const pairs = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k}:${v}`).join(',') || '-';

export async function agentCommand(args: string[], ctx: { db: Db; clock: Clock; out: (line: string) => void }): Promise<number> {
  const [sub, ...rest] = args;
  const agents = new AcdAgentsRepository(ctx.db);
  const users = new UsersRepository(ctx.db);
  switch (sub) {
    case 'list': {
      if (rest.length) throw new UserError(USAGE);
      for (const a of await agents.list()) {
        const account = await users.sipAccount(a.agent);
        const user = account ? await users.byId(account.userId) : undefined;
        ctx.out(`${a.agent}\t${user?.displayName ?? '(no account)'}\tskills ${pairs(a.skills)}\tpenalty ${pairs(a.penalties)}`);
      }
      return 0;
    }
    case 'set': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { skills: { type: 'string' }, penalty: { type: 'string' } } });
      if (positionals.length !== 1 || values.skills === undefined) throw new UserError(USAGE);
      const agent = positionals[0]!;
      const skills = parsePairs('--skills', values.skills, 1, 5);
      const penalties = values.penalty === undefined ? {} : parsePairs('--penalty', values.penalty, 0, 99);
      const queues = new Set((await new AcdQueuesRepository(ctx.db).current()).map((q) => q.queue));
      const unknown = Object.keys(penalties).find((q) => !queues.has(q));
      if (unknown) throw new UserError(`--penalty: no queue ${JSON.stringify(unknown)}; see \`sc queue list\``);
      const account = await users.sipAccount(agent);
      const user = account ? await users.byId(account.userId) : undefined;
      if (!user) throw new UserError(`${agent}: no SIP account of that name; see \`sc user list\``);
      if (!user.roles.some((r) => r === 'operator' || r === 'supervisor')) throw new UserError(`${agent}: only operators and supervisors take calls (roles: ${user.roles.join(', ') || 'none'})`);
      await agents.put(agent, skills, penalties, ctx.clock.now());
      ctx.out(`${agent}\tskills ${pairs(skills)}\tpenalty ${pairs(penalties)}`);
      return 0;
    }
    default:
      throw new UserError(USAGE);
  }
}

/**
 * `sc callflow list|show|set`: the call flow of each dialled number (T1) as data. `set` reads a JSON or YAML
 * file, checks it (apps/callflow/flow-definition.ts) and saves it as the number's next version; call control
 * uses it from the next call on, without a restart. A bad file changes nothing and names the wrong key.
 */
import { userInfo } from 'node:os';
import { FlowDefinitionError, parseFlow } from '../../apps/callflow/flow-definition.js';
import type { Clock } from '../../apps/time/clock.js';
import { formatJst } from '../../apps/time/jst.js';
import type { Db } from '../../db/connection.js';
import { CallFlowsRepository } from '../../db/repositories/call-flows.js';
import { ReferenceRepository } from '../../db/repositories/reference.js';
import { UserError } from '../runtime.js';
import { readDefinitionFile } from './definition-file.js';

const USAGE = `usage:
  sc callflow list
  sc callflow show NUMBER                   (digits, e.g. 0354323333)
  sc callflow set NUMBER FILE               (JSON or YAML; saved as the next version)`;

export async function callflowCommand(args: string[], ctx: { db: Db; clock: Clock; out: (line: string) => void }): Promise<number> {
  const [sub, number = '', file, ...rest] = args;
  const flows = new CallFlowsRepository(ctx.db);
  const numbers = new Map((await new ReferenceRepository(ctx.db).wardNumbers()).map((n) => [n.number, n]));
  switch (sub) {
    case 'list': {
      for (const f of await flows.current()) ctx.out(`${f.number}\tv${f.version}\t${numbers.get(f.number)?.name ?? ''}`);
      return 0;
    }
    case 'show': {
      const [current] = await flows.history(number);
      if (!current) throw new UserError(`no call flow for ${JSON.stringify(number)}; see \`sc callflow list\``);
      ctx.out(`# ${number} v${current.version}, ${formatJst(new Date(current.createdAt))} by ${current.createdBy}`);
      ctx.out(JSON.stringify(current.definition, null, 2));
      return 0;
    }
    case 'set': {
      if (!file || rest.length) throw new UserError(USAGE);
      if (!numbers.has(number)) throw new UserError(`${JSON.stringify(number)} is not one of the ward's numbers (T1); see \`sc callflow list\``);
      const definition = readDefinitionFile(file, parseFlow, FlowDefinitionError);
      const version = await flows.save(number, definition, `cli:${userInfo().username}`, ctx.clock.now());
      ctx.out(`saved ${number} v${version}`);
      return 0;
    }
    default:
      throw new UserError(USAGE);
  }
}

/**
 * `sc queue list|show|set`: the ACD's queues (待ち行列, T5) as data. `set` reads a JSON or YAML file, checks it
 * (apps/acd/queue-definition.ts) and saves it as the queue's next version. A bad file changes nothing and
 * names the wrong key.
 */
import { userInfo } from 'node:os';
import { parseQueue, QueueDefinitionError } from '../../apps/acd/queue-definition.js';
import type { Clock } from '../../apps/time/clock.js';
import { formatJst } from '../../apps/time/jst.js';
import type { Db } from '../../db/connection.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { UserError } from '../runtime.js';
import { readDefinitionFile } from './definition-file.js';

const USAGE = `usage:
  sc queue list
  sc queue show ID                          (e.g. general)
  sc queue set ID FILE                      (JSON or YAML; saved as the next version)`;

const QUEUE_ID = /^[a-z0-9-]{1,40}$/;

export async function queueCommand(args: string[], ctx: { db: Db; clock: Clock; out: (line: string) => void }): Promise<number> {
  const [sub, id = '', file, ...rest] = args;
  const queues = new AcdQueuesRepository(ctx.db);
  switch (sub) {
    case 'list': {
      if (args.length > 1) throw new UserError(USAGE);
      for (const q of await queues.current()) {
        const d = q.definition as { name?: string; nameEn?: string; skill?: string; strategy?: string };
        ctx.out(`${q.queue}\tv${q.version}\t${d.name ?? ''} (${d.nameEn ?? ''})\tskill ${d.skill ?? '?'}\t${d.strategy ?? 'longest-idle'}`);
      }
      return 0;
    }
    case 'show': {
      if (file !== undefined) throw new UserError(USAGE);
      const [current] = await queues.history(id);
      if (!current) throw new UserError(`no queue ${JSON.stringify(id)}; see \`sc queue list\``);
      ctx.out(`# ${id} v${current.version}, ${formatJst(new Date(current.createdAt))} by ${current.createdBy}`);
      ctx.out(JSON.stringify(current.definition, null, 2));
      return 0;
    }
    case 'set': {
      if (!file || rest.length) throw new UserError(USAGE);
      if (!QUEUE_ID.test(id)) throw new UserError(`queue id ${JSON.stringify(id)}: lower-case letters, digits and -, up to 40`);
      const definition = readDefinitionFile(file, parseQueue, QueueDefinitionError);
      const version = await queues.save(id, definition, `cli:${userInfo().username}`, ctx.clock.now());
      ctx.out(`saved ${id} v${version}`);
      return 0;
    }
    default:
      throw new UserError(USAGE);
  }
}

#!/usr/bin/env node
/**
 * `sc`, the administrator's command line (issue 2 item 9). Every command works on the data folder of the
 * same config the appliance uses (SC_CONFIG, SC_DATA_DIR, SC_CLOCK); errors a person can fix print one
 * line and exit 2, leaving the data as it was.
 */
import { parseArgs } from 'node:util';
import { AccountService } from '../apps/accounts/account-service.js';
import { ValidationError } from '../apps/validation.js';
import { WardCalendar } from '../apps/calendar/ward-calendar.js';
import { buildPrompts } from '../apps/callflow/prompt-build.js';
import { openZone, type Db } from '../db/connection.js';
import { backupZone, restoreZone } from '../db/backup.js';
import { openMigratedZone } from '../db/migrator.js';
import { ReferenceRepository } from '../db/repositories/reference.js';
import { isZone, type Zone } from '../db/zones.js';
import { PromptStore } from '../media/prompts/prompt-store.js';
import { calendarCommand } from './cli/calendar-command.js';
import { calendarDaysCommand, DAYS_SUBCOMMANDS } from './cli/calendar-days-command.js';
import { agentCommand } from './cli/agent-command.js';
import { callflowCommand } from './cli/callflow-command.js';
import { readSecret } from './cli/read-secret.js';
import { queueCommand } from './cli/queue-command.js';
import { recordingsCommand } from './cli/recordings-command.js';
import { userCommand } from './cli/user-command.js';
import { prepareData, seedDemo } from './prepare.js';
import { rtpengineConfigText } from './rtpengine-daemon.js';
import { fatal, loadRuntime, UserError } from './runtime.js';

const USAGE = `sc — Setagaya Call appliance administration
  sc migrate                          migrate both zones and load the ward's reference data
  sc seed --demo                      add the demo centre's accounts (README, Demo accounts)
  sc user add|passwd|disable|enable|list ...
  sc backup FILE [--zone internal|public]
  sc restore FILE [--zone internal|public]   (the appliance must be stopped)
  sc calendar now [--department ID]
  sc calendar check DATE-TIME [--department ID]   (DATE-TIME without offset is JST)
  sc calendar days [FROM [TO]] | add-day DATE election|closed NAME | remove-day DATE election|closed
  sc callflow list | show NUMBER | set NUMBER FILE   the call flow of each ward number (JSON or YAML)
  sc queue list | show ID | set ID FILE      the ACD's queues (JSON or YAML)
  sc agent list | set AGENT --skills ja:4,en:2 [--penalty general:0,english:1]   operators' skills and penalties
  sc prompts build                    synthesise every IVR prompt into <dataDir>/prompts/cache
  sc rtpengine-config                 rtpengine's config, for an rtpengine under its own unit (media.rtpengine.managed: false)
  sc recordings purge [--months N]    delete recordings' audio and transcripts older than N months (>= 3)`;

const out = (line: string) => void process.stdout.write(line + '\n');

function zoneOption(args: string[]): { file: string; zone?: Zone } {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { zone: { type: 'string' } } });
  if (positionals.length !== 1) throw new UserError(USAGE);
  if (values.zone !== undefined && !isZone(values.zone)) throw new UserError(`--zone: must be internal or public, not "${values.zone}"`);
  return { file: positionals[0]!, zone: values.zone as Zone | undefined };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help') {
    out(USAGE);
    return command ? 0 : 2;
  }
  const rt = loadRuntime('sc');
  const accountsOf = (db: Db) => new AccountService(db, rt.clock, { minPasswordLength: rt.config.auth.minPasswordLength, sipRealm: rt.config.sip.realm });
  switch (command) {
    case 'migrate': {
      const r = await prepareData(rt.config, rt.clock, { demo: 'never' });
      for (const [zone, applied] of Object.entries(r.migrated)) out(`${zone}: ${applied.length ? 'applied ' + applied.join(', ') : 'up to date'}`);
      return 0;
    }
    case 'seed': {
      const { values } = parseArgs({ args, options: { demo: { type: 'boolean', default: false } } });
      if (!values.demo) throw new UserError('usage: sc seed --demo');
      await prepareData(rt.config, rt.clock, { demo: 'never' });
      const db = openZone(rt.config.dataDir, 'internal');
      try {
        const created = await seedDemo(db, rt.config, rt.clock);
        out(created.length ? `demo accounts added: ${created.join(', ')}` : 'demo accounts already present');
      } finally {
        await db.destroy();
      }
      return 0;
    }
    case 'user': {
      const db = await openMigratedZone(rt.config.dataDir, 'internal');
      try {
        return await userCommand(args, { accounts: accountsOf(db), out, secret: (label) => readSecret(label) });
      } finally {
        await db.destroy();
      }
    }
    case 'backup': {
      const { file, zone } = zoneOption(args);
      const r = await backupZone(rt.config.dataDir, zone ?? 'internal', file);
      out(`backed up ${r.zone}: ${r.pages} pages, ${r.bytes} bytes in ${r.ms} ms -> ${r.file}`);
      return 0;
    }
    case 'restore': {
      const { file, zone } = zoneOption(args);
      const r = await restoreZone(rt.config.dataDir, file, { zone, now: rt.clock.now() });
      out(`restored ${r.zone} from ${file} into ${r.replaced}`);
      if (r.keptAs) out(`the replaced file is kept as ${r.keptAs}`);
      if (r.migrated.length) out(`migrated: ${r.migrated.join(', ')}`);
      return 0;
    }
    case 'calendar': {
      const db = await openMigratedZone(rt.config.dataDir, 'internal');
      try {
        if (DAYS_SUBCOMMANDS.includes(args[0] ?? '')) return await calendarDaysCommand(args, { db, clock: rt.clock, out });
        const ref = new ReferenceRepository(db);
        const calendar = new WardCalendar(await ref.calendarDays());
        return await calendarCommand(args, { calendar, departments: await ref.departments(), clock: rt.clock, out });
      } finally {
        await db.destroy();
      }
    }
    case 'callflow': {
      const db = await openMigratedZone(rt.config.dataDir, 'internal');
      try {
        return await callflowCommand(args, { db, clock: rt.clock, out });
      } finally {
        await db.destroy();
      }
    }
    case 'queue':
    case 'agent': {
      const db = await openMigratedZone(rt.config.dataDir, 'internal');
      try {
        return await (command === 'queue' ? queueCommand : agentCommand)(args, { db, clock: rt.clock, out });
      } finally {
        await db.destroy();
      }
    }
    case 'rtpengine-config': {
      if (args.length) throw new UserError('usage: sc rtpengine-config');
      process.stdout.write(rtpengineConfigText(rt.config));
      return 0;
    }
    case 'prompts': {
      if (args.join(' ') !== 'build') throw new UserError('usage: sc prompts build');
      const r = await buildPrompts(new PromptStore({ dataDir: rt.config.dataDir }), rt.clock.now(), out).catch((e: Error) => {
        throw new UserError(`prompts: ${e.message}`);
      });
      out(`prompts: ${r.files} ready, ${r.synthesised} synthesised in ${r.ms} ms`);
      return 0;
    }
    case 'recordings': {
      const db = await openMigratedZone(rt.config.dataDir, 'internal');
      try {
        return await recordingsCommand(args, { db, dataDir: rt.config.dataDir, clock: rt.clock, log: rt.log, retentionMonths: rt.config.media.recordings.retentionMonths, out });
      } finally {
        await db.destroy();
      }
    }
    default:
      throw new UserError(`unknown command: ${command}\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ValidationError) fatal('sc', new UserError(`${e.field}: ${e.message}`));
    if ((e as NodeJS.ErrnoException)?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (e as NodeJS.ErrnoException)?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      fatal('sc', new UserError((e as Error).message));
    }
    fatal('sc', e);
  },
);

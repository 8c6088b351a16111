/** `sc user add|passwd|disable|enable|list`: accounts from the shell, audited as the shell's user. */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { AccountService } from '../../apps/accounts/account-service.js';
import { ROLE_LABELS } from '../../db/roles.js';
import { UserError } from '../runtime.js';

export interface UserCommandContext {
  accounts: AccountService;
  out: (line: string) => void;
  secret: (label: string) => Promise<string>;
}

const USAGE = `usage:
  sc user add NAME --display-name TEXT --role ROLE [--role ROLE] [--department ID] [--sip]
  sc user passwd NAME [--sip]
  sc user disable NAME | sc user enable NAME
  sc user list
(passwords are read from the terminal, or one line from standard input)`;

export async function userCommand(args: string[], ctx: UserCommandContext): Promise<number> {
  const [sub, ...rest] = args;
  const actor = { id: null, name: `cli:${userInfo().username}` };
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'display-name': { type: 'string' },
      role: { type: 'string', multiple: true },
      department: { type: 'string' },
      sip: { type: 'boolean', default: false },
    },
  });
  if (sub === 'list') {
    for (const u of await ctx.accounts.users.list()) {
      const roles = u.roles.map((r) => ROLE_LABELS[r]).join('・');
      ctx.out(`${u.username}\t${u.displayName}\t${roles}\t${u.departmentId ?? '-'}\t${u.disabledAt ? '無効 disabled' : '有効 enabled'}`);
    }
    return 0;
  }
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new UserError(USAGE);
  if (sub === 'add') {
    if (!values['display-name'] || !values.role?.length) throw new UserError(USAGE);
    const password = await ctx.secret(`password for ${name}`);
    const sipPassword = values.sip ? await ctx.secret(`SIP password for ${name}`) : null;
    const user = await ctx.accounts.create(
      { username: name, displayName: values['display-name'], roles: values.role, departmentId: values.department ?? null, password, sipPassword },
      actor,
    );
    ctx.out(`created user ${user.username} (id ${user.id})`);
    return 0;
  }
  const user = await ctx.accounts.users.byUsername(name.toLowerCase());
  if (!user) throw new UserError(`no such user: ${name}`);
  switch (sub) {
    case 'passwd':
      if (values.sip) await ctx.accounts.setSipPassword(user.id, await ctx.secret(`SIP password for ${name}`), actor);
      else await ctx.accounts.setPassword(user.id, await ctx.secret(`password for ${name}`), actor);
      ctx.out(`${values.sip ? 'SIP password' : 'password'} of ${user.username} changed${values.sip ? '' : '; their sessions were ended'}`);
      return 0;
    case 'disable':
    case 'enable':
      await ctx.accounts.setDisabled(user.id, sub === 'disable', actor);
      ctx.out(`${user.username} ${sub}d`);
      return 0;
    default:
      throw new UserError(USAGE);
  }
}

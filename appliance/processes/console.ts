/**
 * The console process: the operators' and administrators' web console on the centre LAN. It serves the
 * internal zone's database as the supervisor left it (it never migrates: two processes must not migrate one
 * file), and ends with exit code 2 and one clear line when it cannot start.
 */
import { LoginService } from '../../apps/accounts/login-service.js';
import { SessionService } from '../../apps/accounts/session-service.js';
import { AcdClient } from '../../apps/console/acd-client.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { LiveRelay } from '../../apps/console/live-relay.js';
import { openMigratedZone } from '../../db/migrator.js';
import { readAcdApiToken } from '../acd-api-token.js';
import { httpUrl } from '../process-table.js';
import { fatal, loadRuntime } from '../runtime.js';
import { serveWeb } from '../web-process.js';

const NAME = 'console';
/** Expired sessions are also deleted when next seen; the sweep removes the ones never seen again. */
const SWEEP_MS = 5 * 60_000;

async function main(): Promise<void> {
  const { config, clock, log } = loadRuntime(NAME);
  const db = await openMigratedZone(config.dataDir, 'internal');

  const sessions = new SessionService(db, clock, config.console);
  const login = new LoginService(db, clock, config.auth);
  const sweep = async () => {
    try {
      const ended = await sessions.sweep();
      const pruned = await login.pruneAttempts();
      if (ended || pruned) log.info('expired sessions deleted', { sessions: ended, loginAttempts: pruned });
    } catch (e) {
      log.error('session sweep failed', { error: e instanceof Error ? e.message : String(e) });
    }
  };
  await sweep();
  const timer = setInterval(() => void sweep(), SWEEP_MS);

  // Call control's ACD API: the token is read when needed, since prepare may write it after we start.
  const acd = new AcdClient({ baseUrl: httpUrl(config.callControl).replace(/\/$/, ''), readToken: () => readAcdApiToken(config.dataDir) });
  const relay = new LiveRelay(acd, sessions, log);
  // Before serveWeb's close can finish, the live pages' WebSockets must end (it does not cut them).
  process.on('SIGTERM', () => relay.close());
  process.on('SIGINT', () => relay.close());

  const server = serveWeb({
    name: NAME,
    configKey: 'console',
    listener: config.console,
    app: createConsoleApp({ db, clock, config, log, acd }),
    log,
    close: async () => {
      clearInterval(timer);
      await db.destroy();
    },
  });
  relay.attach(server);
}

main().catch((e: unknown) => fatal(NAME, e));

/**
 * The call-control process (ARCHITECTURE "Zones and processes"): the SIP stack on config.sip with the
 * registrar for the operators' softphones, the carrier trunks watched by OPTIONS (T12), and calls between
 * softphones through the B2BUA. Its `/healthz` on config.callControl carries the SIP counters.
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import { sipHa1Lookup, sipUserState } from '../../apps/accounts/sip-directory.js';
import { routeSoftphoneCalls } from '../../apps/callflow/softphone-calls.js';
import { databaseCheck } from '../../apps/health/database-check.js';
import { healthReporter } from '../../apps/health/health.js';
import { openMigratedZone } from '../../db/migrator.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { DigestServer } from '../../sip/auth/digest-server.js';
import { SipStack } from '../../sip/core/stack.js';
import { LocationService } from '../../sip/registrar/location.js';
import { Registrar } from '../../sip/registrar/registrar.js';
import { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import { TrunkMonitor } from '../../sip/trunk/trunks.js';
import type { Config } from '../config.js';
import { listenError } from '../listener-check.js';
import { fatal, loadRuntime, UserError } from '../runtime.js';
import { serveWeb } from '../web-process.js';

const NAME = 'callcontrol';

function tlsFiles(config: Config): { key: Buffer; cert: Buffer } | undefined {
  if (!config.sip.tls) return undefined;
  try {
    return { key: readFileSync(config.sip.tls.keyFile), cert: readFileSync(config.sip.tls.certFile) };
  } catch (e) {
    throw new UserError(`sip.tls: ${(e as Error).message}`);
  }
}

async function main(): Promise<void> {
  const { config, clock, log } = loadRuntime(NAME);
  const db = await openMigratedZone(config.dataDir, 'internal');
  const users = new UsersRepository(db);
  const sip = config.sip;

  const stack = new SipStack({
    address: sip.address,
    port: sip.port,
    tlsPort: sip.tlsPort,
    transports: sip.transports,
    tls: tlsFiles(config),
    timers: { T1: sip.timers.t1Ms, T2: sip.timers.t2Ms, T4: sip.timers.t4Ms },
    sessionTimer: { sessionExpires: sip.sessionExpiresS, minSE: sip.minSeS },
    flood: { ...sip.flood },
    logger: log,
  });
  const location = new LocationService();
  const auth = new RequestAuthenticator(new DigestServer({ realm: sip.realm, algorithms: sip.digestAlgorithms, lookup: sipHa1Lookup(users) }), stack.counters);
  const registrar = new Registrar(location, auth, stack.counters, {
    minExpires: sip.registrar.minExpiresS,
    maxExpires: sip.registrar.maxExpiresS,
    defaultExpires: sip.registrar.defaultExpiresS,
  });
  const trunks = new TrunkMonitor(
    stack,
    sip.trunks.map((t) => ({ name: t.name, peer: { transport: t.transport, address: t.address, port: t.port }, ...(t.digestUser ? { digestUser: t.digestUser } : {}) })),
    { intervalS: sip.trunkPingS, failuresToDown: 2 },
  );
  trunks.on('up', (t) => log.info('trunk up', { trunk: t.name }));
  trunks.on('down', (t) => log.warn('trunk down', { trunk: t.name }));
  location.on('change', (user, bindings) => log.info('registration', { user, contacts: bindings.map((b) => b.contact) }));

  stack.onRequest('REGISTER', registrar.handle);
  stack.onRequest('INVITE', routeSoftphoneCalls({ stack, location, auth, trunks, userState: (u) => sipUserState(users, u), log }));

  try {
    await stack.listen();
  } catch (e) {
    throw listenError(e as NodeJS.ErrnoException, { address: sip.address, port: sip.port }, 'sip');
  }
  trunks.start();
  log.info('sip listening', { address: sip.address, port: sip.port, transports: sip.transports });

  const app = express();
  app.disable('x-powered-by');
  app.get(
    '/healthz',
    healthReporter(NAME, clock, {
      database: databaseCheck(db, 'internal'),
      sip: () => ({ state: 'up', registrations: location.size, ...stack.stats() }),
      memory: () => {
        const m = process.memoryUsage();
        return { state: 'up', rssMiB: Math.round(m.rss / 2 ** 20), heapUsedMiB: Math.round(m.heapUsed / 2 ** 20), externalMiB: Math.round(m.external / 2 ** 20) };
      },
      trunks: () => {
        const states = Object.fromEntries(trunks.trunks.map((t) => [t.name, trunks.isUp(t.name) ? 'up' : 'down']));
        // T12: the centre is reachable while at least one configured line is up.
        const up = !trunks.trunks.length || trunks.available().length > 0;
        return { state: up ? 'up' : 'down', lines: states };
      },
    }).handler,
  );
  serveWeb({
    name: NAME,
    configKey: 'callControl',
    listener: config.callControl,
    app,
    log,
    close: async () => {
      trunks.stop();
      location.stop();
      await stack.close();
      await db.destroy();
    },
  });
}

main().catch((e: unknown) => fatal(NAME, e));

/**
 * The call-control process (ARCHITECTURE "Zones and processes"): the SIP stack on config.sip with the
 * registrar for the operators' softphones, the carrier trunks watched by OPTIONS (T12), the trunk's calls
 * through the IVR (T1-T4, T10) and calls between softphones through the B2BUA, all anchored and recorded in
 * rtpengine (T8), which the supervisor runs beside it. Its `/healthz` on config.callControl carries the SIP
 * counters and the media plane's state.
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import { sipHa1Lookup, sipUserState } from '../../apps/accounts/sip-directory.js';
import { Acd, type AgentProfile } from '../../apps/acd/acd.js';
import { acdApiRouter, attachLiveFeed } from '../../apps/acd/acd-api.js';
import { AcdCalls } from '../../apps/acd/acd-calls.js';
import { AcdLog } from '../../apps/acd/acd-log.js';
import type { AgentStatus } from '../../apps/acd/agent-state.js';
import { DialPlan } from '../../apps/acd/dial-plan.js';
import { FeatureCodes, isFeatureCode } from '../../apps/acd/feature-codes.js';
import { jstDayRange, LiveCounts } from '../../apps/acd/live-counts.js';
import { parseQueue, type QueueDefinition } from '../../apps/acd/queue-definition.js';
import { handleTimesFrom } from '../../apps/acd/wait-estimate.js';
import { AnchoredCalls } from '../../apps/callflow/anchored-calls.js';
import type { PromptSource } from '../../apps/callflow/inbound-call.js';
import { promptSamples } from '../../apps/callflow/prompt-catalogue.js';
import { routeSoftphoneCalls } from '../../apps/callflow/softphone-calls.js';
import { MEDIA_LOST, TrunkCalls, type RecordingSink } from '../../apps/callflow/trunk-calls.js';
import { WardCalendar } from '../../apps/calendar/ward-calendar.js';
import { RecordingService } from '../../apps/recordings/recording-service.js';
import { purgeRecordings } from '../../apps/recordings/retention.js';
import { databaseCheck } from '../../apps/health/database-check.js';
import { healthReporter } from '../../apps/health/health.js';
import { openMigratedZone } from '../../db/migrator.js';
import { CallFlowsRepository } from '../../db/repositories/call-flows.js';
import { AcdAgentsRepository } from '../../db/repositories/acd-agents.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { AgentStatesRepository } from '../../db/repositories/agent-states.js';
import { CallEventsRepository } from '../../db/repositories/call-events.js';
import { CallLegsRepository } from '../../db/repositories/call-legs.js';
import { CallbacksRepository } from '../../db/repositories/callbacks.js';
import { CallsRepository } from '../../db/repositories/calls.js';
import { TransfersRepository } from '../../db/repositories/transfers.js';
import { ReferenceRepository } from '../../db/repositories/reference.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { PromptStore } from '../../media/prompts/prompt-store.js';
import { FrameClock } from '../../media/rtp/frame-clock.js';
import { PortPool } from '../../media/rtp/port-pool.js';
import { captureDir } from '../../media/rtpengine/daemon-config.js';
import { DtmfEvents } from '../../media/rtpengine/dtmf-events.js';
import { RtpengineMonitor } from '../../media/rtpengine/monitor.js';
import { NgClient } from '../../media/rtpengine/ng-client.js';
import { callWithEndpoint } from '../../media/outbound-leg.js';
import { DigestServer } from '../../sip/auth/digest-server.js';
import { SipStack } from '../../sip/core/stack.js';
import { LocationService } from '../../sip/registrar/location.js';
import { Registrar } from '../../sip/registrar/registrar.js';
import { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import { TrunkMonitor } from '../../sip/trunk/trunks.js';
import { readAcdApiToken } from '../acd-api-token.js';
import type { Config } from '../config.js';
import { listenError } from '../listener-check.js';
import { fatal, loadRuntime, UserError } from '../runtime.js';
import { serveWeb } from '../web-process.js';

const NAME = 'callcontrol';
/** How often queue and agent definitions are re-read, so `sc queue set` / `sc agent set` apply without a restart. */
const ACD_RELOAD_MS = 10_000;
/** How long a department's phone rings before a transfer counts as failed (T7). */
const DEPARTMENT_RING_S = 30;

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

  // The media plane: rtpengine over ng, its DTMF reports, our endpoints' ports, prompts and recordings.
  const media = config.media;
  const ng = await NgClient.open({ port: media.rtpengine.ngPort });
  const rtpengine = new RtpengineMonitor({ client: ng, pingMs: media.rtpengine.pingMs });
  let dtmf: DtmfEvents;
  try {
    dtmf = await DtmfEvents.listen({ port: media.rtpengine.dtmfLogPort });
  } catch (e) {
    throw listenError(e as NodeJS.ErrnoException, { address: '127.0.0.1', port: media.rtpengine.dtmfLogPort }, 'media.rtpengine.dtmfLogPort');
  }
  const store = new PromptStore({ dataDir: config.dataDir });
  const prompts: PromptSource = { audio: (id, lang, ...params) => promptSamples(store, id, lang, ...params) };
  const recordingService = new RecordingService({ db, clock, log, dataDir: config.dataDir, recordingDir: captureDir(config.dataDir) });
  const recordings: RecordingSink = {
    finish: async (r) => {
      try {
        const done = await recordingService.finishRecording(r);
        if (!done.complete) log.warn('recording incomplete', { callId: r.sipCallId, recording: done.id, reason: done.incompleteReason });
      } catch (e) {
        log.error('recording failed', { callId: r.sipCallId, error: (e as Error).message });
      }
    },
  };
  const calls = new CallsRepository(db);
  const reference = new ReferenceRepository(db);
  const calendar = async () => new WardCalendar(await reference.calendarDays());
  const mediaPlane = { ng, isUp: () => rtpengine.isUp(), ports: new PortPool(media.rtp), clock: new FrameClock(), address: media.rtpengine.interface };

  // A previous run that died left calls open and captures unconverted: close the rows, keep the audio (T8).
  for (const c of await calls.open()) await calls.end(c.id, clock.now(), 'failed', 'call control restarted');
  const swept = await recordingService.sweepLeftovers();
  if (swept.converted || swept.updated || swept.orphans.length) log.warn('captures left by an earlier run', { ...swept });

  // The ACD (issue 5): queues and operators from the database, today's counts rebuilt from the stored event log.
  const acdQueues = new AcdQueuesRepository(db);
  const acdAgents = new AcdAgentsRepository(db);
  const states = new AgentStatesRepository(db);
  const callEvents = new CallEventsRepository(db);
  const loadQueues = async (): Promise<Record<string, QueueDefinition>> => {
    const out: Record<string, QueueDefinition> = {};
    for (const q of await acdQueues.current()) {
      try {
        out[q.queue] = parseQueue(q.definition);
      } catch (e) {
        log.error('queue definition ignored', { queue: q.queue, version: q.version, error: (e as Error).message });
      }
    }
    return out;
  };
  const loadAgents = async (): Promise<AgentProfile[]> => (await acdAgents.list()).map(({ agent, skills, penalties }) => ({ agent, skills, penalties }));
  const counts = new LiveCounts(clock);
  const today = await callEvents.between(jstDayRange(clock.now()).from, jstDayRange(clock.now()).to);
  counts.rebuild(today);
  const answeredToday: Record<string, number> = {};
  for (const e of today) if (e.kind === 'answer' && e.agent) answeredToday[e.agent] = (answeredToday[e.agent] ?? 0) + 1;
  let queueDefs = await loadQueues();
  const acd = new Acd({
    clock,
    queues: queueDefs,
    agents: await loadAgents(),
    missesToNotReady: config.acd.missesToNotReady,
    alarm: config.acd.alarm,
    restore: { statuses: (await states.latest()) as AgentStatus[], answeredToday, handleTimes: handleTimesFrom(today) },
  });
  const acdLog = new AcdLog({ events: callEvents, calls, states, counts, log });
  acd.on('event', (e) => acdLog.event(e));
  acd.on('agent', (status) => acdLog.agent(status));
  acd.on('alarm', (queue, raised) => {
    (raised ? log.warn : log.info)(raised ? '待ち呼警告 raised' : '待ち呼警告 cleared', { queue, waiting: queue === 'total' ? acd.snapshot().total.waiting : acd.waiting(queue) });
  });
  const figures = () => counts.figures(acd.snapshot(), Object.keys(queueDefs));
  // `sc queue set` and `sc agent set` take effect without a restart, as call flows do.
  const reload = setInterval(() => {
    void (async () => {
      const [q, a] = [await loadQueues(), await loadAgents()];
      if (JSON.stringify(q) !== JSON.stringify(queueDefs)) {
        queueDefs = q;
        acd.setQueues(q);
        log.info('queues reloaded', { queues: Object.keys(q) });
      }
      acd.setAgents(a);
    })().catch((e: unknown) => log.error('acd reload failed', { error: (e as Error).message }));
  }, ACD_RELOAD_MS);
  reload.unref();

  const dialPlan = new DialPlan({ location, trunks });
  const acdCalls = new AcdCalls({
    acd,
    record: acdLog,
    prompts,
    clock,
    frames: mediaPlane.clock,
    log,
    calendar,
    transfers: new TransfersRepository(db),
    callbacks: new CallbacksRepository(db),
    legs: new CallLegsRepository(db),
    departmentRingS: DEPARTMENT_RING_S,
    queueDefinition: (queue) => queueDefs[queue],
    dialPlan,
    place: (target, o) => callWithEndpoint({ stack, ng, ports: mediaPlane.ports, clock: mediaPlane.clock, address: mediaPlane.address }, { uri: target.uri, destination: target.destination, ...o }),
    departments: () => reference.departments(),
    interpreterNumber: config.acd.interpreterNumber,
  });
  const trunkCalls = new TrunkCalls({
    stack,
    media: mediaPlane,
    flows: new CallFlowsRepository(db),
    calls,
    calendar,
    clock,
    prompts,
    acd: acdCalls,
    record: (e) => acdLog.event(e),
    recordings,
    log,
  });
  const softphoneMedia = new AnchoredCalls({ ng, isUp: () => rtpengine.isUp(), calls, recordings, clock, log, onCall: (users, on) => users.forEach((u) => acd.setElsewhere(u, on)) });
  const features = new FeatureCodes({ stack, media: mediaPlane, acd, log });
  dtmf.on('dtmf', (e) => trunkCalls.dtmf(e.callId, e.sourceTag, e.digit));
  rtpengine.on('up', () => log.info('rtpengine up', { ngPort: media.rtpengine.ngPort }));
  rtpengine.on('down', () => {
    log.error('rtpengine down: new calls get 503, calls in progress are ended', { calls: trunkCalls.size + softphoneMedia.size });
    void trunkCalls.tearDownAll(MEDIA_LOST);
    void softphoneMedia.tearDownAll();
  });

  // T8 retention, daily from start-up; `sc recordings purge` does the same by hand.
  const purge = () =>
    purgeRecordings({ db, dataDir: config.dataDir, log }, { now: clock.now(), retentionMonths: media.recordings.retentionMonths }).then(
      (r) => r.deleted && log.info('recordings past retention deleted', { ...r }),
      (e: unknown) => log.error('recording retention failed', { error: (e as Error).message }),
    );
  void purge();
  const retention = setInterval(() => void purge(), 24 * 3600 * 1000);

  stack.onRequest('REGISTER', registrar.handle);
  stack.onRequest(
    'INVITE',
    routeSoftphoneCalls({
      stack,
      location,
      auth,
      trunks,
      userState: (u) => sipUserState(users, u),
      log,
      trunkCall: (req) => trunkCalls.handle(req),
      media: softphoneMedia,
      features: { matches: isFeatureCode, handle: (req, agent, code) => features.handle(req, agent, code) },
    }),
  );

  try {
    await stack.listen();
  } catch (e) {
    throw listenError(e as NodeJS.ErrnoException, { address: sip.address, port: sip.port }, 'sip');
  }
  trunks.start();
  rtpengine.start();
  // What every call in open hours hears, made before the first caller waits for it (`sc prompts build` makes all).
  void (async () => {
    await prompts.audio('greeting', 'ja');
    await prompts.audio('language-menu', 'ja');
    for (const lang of ['ja', 'en', 'zh', 'ko'] as const) await prompts.audio('hold', lang);
    await prompts.audio('queue-music', 'ja');
  })().catch((e: unknown) => log.error('prompts cannot be made', { error: (e as Error).message }));
  log.info('sip listening', { address: sip.address, port: sip.port, transports: sip.transports });

  const app = express();
  app.disable('x-powered-by');
  app.use('/acd', acdApiRouter({ acd, calls: acdCalls, figures, token: () => readAcdApiToken(config.dataDir), log }));
  app.get(
    '/healthz',
    healthReporter(NAME, clock, {
      database: databaseCheck(db, 'internal'),
      sip: () => ({ state: 'up', registrations: location.size, ...stack.stats() }),
      media: () => ({
        state: rtpengine.isUp() ? 'up' : 'down',
        calls: { trunk: trunkCalls.size, softphone: softphoneMedia.size },
        waiting: Object.fromEntries(Object.entries(acd.snapshot().queues).map(([q, v]) => [q, v.waiting])),
        dtmfMalformed: dtmf.malformed,
      }),
      acd: () => {
        const snap = acd.snapshot();
        return { state: 'up', waiting: snap.total.waiting, agents: snap.total.agents, alarm: snap.total.alarm, calls: acdCalls.size, decisions: acd.decisionStats() };
      },
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
  const server = serveWeb({
    name: NAME,
    configKey: 'callControl',
    listener: config.callControl,
    app,
    log,
    close: async () => {
      clearInterval(retention);
      clearInterval(reload);
      rtpengine.stop();
      await Promise.all([trunkCalls.tearDownAll('service stopped'), softphoneMedia.tearDownAll()]);
      acd.close();
      await acdLog.flushed();
      await dtmf.close();
      ng.close();
      trunks.stop();
      location.stop();
      await stack.close();
      await db.destroy();
    },
  });
  const live = attachLiveFeed(server, { acd, figures, token: () => readAcdApiToken(config.dataDir), changed: acdLog });
  // The feed's WebSockets are no longer the HTTP server's connections: they must end for its close to finish.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void live.close());
}

main().catch((e: unknown) => fatal(NAME, e));

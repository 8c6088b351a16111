/**
 * The appliance supervisor (`npm start`): checks the config, brings the data folder up to date, then runs
 * each process of the process table as a child (rtpengine first when a process needs it), restarts children
 * that die, and stops them all on SIGINT/SIGTERM. Exit 0 after a requested stop, 2 when something a person
 * must fix stops start-up.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SupervisedChild } from './child-process.js';
import { stampClock } from './clock-env.js';
import { waitUntilHealthy } from './health-poll.js';
import { probeListener, probeUdp } from './listener-check.js';
import { holdPidFile, refuseIfRunning } from './pid-file.js';
import { prepareData } from './prepare.js';
import { httpUrl, PROCESSES } from './process-table.js';
import { captureDir } from '../media/rtpengine/daemon-config.js';
import { prepareRtpengine, probeRtpengine, waitForRtpengine } from './rtpengine-daemon.js';
import { fatal, loadRuntime, UserError } from './runtime.js';

const NAME = 'supervisor';

async function main(): Promise<void> {
  // Stamped once, so every child (and every restart) runs on the same SC_CLOCK timeline.
  const env = stampClock(process.env);
  const { config, clock, log } = loadRuntime(NAME, env);

  const table = PROCESSES.map((spec) => ({ spec, entry: fileURLToPath(new URL(spec.entry, import.meta.url)) }));
  const missing = table.filter((p) => !existsSync(p.entry));
  if (missing.length) throw new UserError(`not built: ${missing.map((p) => p.entry).join(', ')}; run \`npm run build\``);
  const needsRtpengine = table.some((p) => p.spec.needsRtpengine);

  refuseIfRunning(config.dataDir);
  for (const { spec } of table) if (spec.web) await probeListener(config[spec.web], spec.web);
  const sip = config.sip;
  if (sip.transports.includes('udp')) await probeUdp(sip, 'sip');
  if (sip.transports.includes('tcp')) await probeListener(sip, 'sip');
  if (sip.transports.includes('tls')) await probeListener({ address: sip.address, port: sip.tlsPort }, 'sip');
  if (needsRtpengine) await probeRtpengine(config);
  const releasePidFile = holdPidFile(config.dataDir);
  process.on('exit', releasePidFile);

  const polling = new AbortController();
  let stopping = false;
  const children: SupervisedChild[] = [];

  // rtpengine, when run, stops after the processes that use it, so they can still end their calls.
  let rtpengine: SupervisedChild | null = null;

  const stopAll = async (code: number, message?: string) => {
    if (stopping) {
      children.forEach((c) => c.kill());
      rtpengine?.kill();
      return;
    }
    stopping = true;
    polling.abort();
    await Promise.all(children.map((c) => c.stop()));
    await rtpengine?.stop();
    log.info('stopped', { code });
    if (message) process.stderr.write(`${NAME}: ${message}\n`);
    process.exit(code);
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stopAll(0));

  const prepared = await prepareData(config, clock);
  for (const [zone, applied] of Object.entries(prepared.migrated)) if (applied.length) log.info('migrated', { zone, applied });
  if (prepared.demoUsers.length) log.info('demo centre seeded (README, Demo accounts)', { users: prepared.demoUsers.length });

  const childEnv = { ...env, SC_DATA_DIR: config.dataDir };
  const media = config.media.rtpengine;
  if (needsRtpengine && !media.managed) {
    mkdirSync(captureDir(config.dataDir), { recursive: true });
    if (!(await waitForRtpengine(media.ngPort, 10_000, polling.signal))) log.warn('no rtpengine answers ping (media.rtpengine.managed is false: it runs under its own unit)', { ngPort: media.ngPort });
    if (stopping) return;
  } else if (needsRtpengine) {
    rtpengine = new SupervisedChild({
      name: 'rtpengine',
      ...prepareRtpengine(config),
      env: childEnv,
      policy: config.supervisor,
      log,
    });
    rtpengine.start();
    // Call control starts once rtpengine answers; if it does not within 10 s, call control's own monitor
    // answers calls 503 until it does, and the supervisor keeps restarting rtpengine meanwhile.
    if (!(await waitForRtpengine(media.ngPort, 10_000, polling.signal))) log.warn('rtpengine does not answer ping yet', { ngPort: media.ngPort });
    if (stopping) return;
  }
  for (const { spec, entry } of table) {
    children.push(
      new SupervisedChild({
        name: spec.name,
        entry,
        env: childEnv,
        policy: config.supervisor,
        log,
        onConfigError: (reason) => void stopAll(2, reason.startsWith(`${spec.name}:`) ? reason : `${spec.name}: ${reason}`),
      }),
    );
  }
  children.forEach((c) => c.start());

  const web = table.flatMap(({ spec }) => (spec.web ? [{ name: spec.name, url: httpUrl(config[spec.web]) }] : []));
  if (web.length && (await waitUntilHealthy(web.map((w) => w.url), polling.signal))) {
    const width = Math.max(...web.map((w) => w.name.length));
    process.stdout.write(`せたがやコール is running (data in ${config.dataDir}):\n`);
    for (const w of web) process.stdout.write(`  ${w.name.padEnd(width)}  ${w.url}\n`);
    const host = sip.address.includes(':') ? `[${sip.address}]` : sip.address;
    const tls = sip.transports.includes('tls') ? `, TLS on ${sip.tlsPort}` : '';
    process.stdout.write(`  ${'sip'.padEnd(width)}  ${host}:${sip.port} (${sip.transports.join(', ')}${tls}), realm ${sip.realm}\n`);
    if (needsRtpengine) {
      const table = media.table < 0 ? 'userspace' : `kernel table ${media.table}`;
      const run = media.managed ? '' : `, its own unit on ng port ${media.ngPort}`;
      process.stdout.write(`  ${'media'.padEnd(width)}  rtpengine on ${media.interface}, RTP ${media.portMin}-${media.portMax} (${table}${run}), recordings in ${captureDir(config.dataDir)}\n`);
    }
  }
}

main().catch((e: unknown) => fatal(NAME, e));

/**
 * The supervisor as `npm start` runs it (issue 2 items 3 and 8): a real process tree on free ports and a
 * temporary data folder, its children killed and restarted, bad configs refused before anything is touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { NgClient } from '../../media/rtpengine/ng-client.js';
import { startRtpengine } from '../helpers/rtpengine.js';
import { tempDataDir } from '../helpers/data.js';
import { freePort } from '../helpers/serve.js';
import { freeEvenRange, freeUdpPort } from '../helpers/sipp.js';

const supervisorJs = new URL('../../appliance/supervisor.js', import.meta.url).pathname;

interface Health {
  process: string;
  status: string;
  pid: number;
  now: string;
  parts: Record<string, { state: string }>;
}

async function occupy(t: Test, port: number): Promise<Server> {
  const server = createServer().listen(port, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => void server.close());
  return server;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function health(port: number): Promise<Health | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? ((await res.json()) as Health) : null;
  } catch {
    return null;
  }
}

async function portClosed(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return false;
  } catch {
    return true;
  } finally {
    socket.destroy();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Started {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the supervisor with a YAML config; SC_* of the test's own environment are not passed on. */
function startSupervisor(t: Test, configYaml: string, dataDir: string, env: Record<string, string> = {}): Started {
  const configFile = join(tempDataDir(t), 'config.yaml');
  writeFileSync(configFile, configYaml);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SC_')));
  const proc = spawn(process.execPath, [supervisorJs], { env: { ...base, SC_CONFIG: configFile, SC_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exit = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await exit;
    }
  });
  return { proc, out: () => out, err: () => err, exit };
}

async function portsConfig(extra = '') {
  const consolePort = await freePort();
  const faqPort = await freePort();
  const callControlPort = await freePort();
  const sipPort = await freePort();
  const ngPort = await freeUdpPort();
  const dtmfPort = await freeUdpPort();
  const rtpMin = await freeEvenRange(40);
  const ourRtpMin = await freeEvenRange(20);
  const yaml =
    `console:\n  port: ${consolePort}\nfaqPublic:\n  port: ${faqPort}\ncallControl:\n  port: ${callControlPort}\nsip:\n  port: ${sipPort}\n` +
    `media:\n  rtpengine:\n    ngPort: ${ngPort}\n    dtmfLogPort: ${dtmfPort}\n    portMin: ${rtpMin}\n    portMax: ${rtpMin + 39}\n` +
    `  rtp:\n    portMin: ${ourRtpMin}\n    portMax: ${ourRtpMin + 19}\n` +
    `supervisor:\n  restartInitialMs: 100\n  stopTimeoutMs: 5000\n${extra}`;
  return { consolePort, faqPort, callControlPort, sipPort, ngPort, dtmfPort, rtpMin, yaml };
}

/** Whether rtpengine answers an ng ping on this port. */
async function pong(t: Test, ngPort: number): Promise<boolean> {
  const client = await NgClient.open({ port: ngPort, timeoutMs: 500 });
  t.teardown(() => client.close());
  try {
    await client.ping();
    return true;
  } catch {
    return false;
  }
}

/** PIDs of rtpengine the supervisor logged as started, in order. */
function rtpenginePids(err: string): number[] {
  return [...err.matchAll(/"msg":"started","child":"rtpengine","pid":(\d+)/g)].map((m) => Number(m[1]));
}

t.test('runs rtpengine, console, faq-public and callcontrol, restarts a killed child, stops cleanly on SIGTERM', async (t) => {
  const { consolePort, faqPort, callControlPort, sipPort, ngPort, rtpMin, yaml } = await portsConfig();
  const dataDir = join(tempDataDir(t), 'data');
  const clockStart = Date.parse('2027-06-01T10:00:00+09:00');
  const spawnedAt = Date.now();
  const sup = startSupervisor(t, yaml, dataDir, { SC_CLOCK: '2027-06-01T10:00:00+09:00' });

  const consoleHealth = await waitFor('console /healthz', () => health(consolePort));
  const faqHealth = await waitFor('faq-public /healthz', () => health(faqPort));
  const callControlHealth = await waitFor('callcontrol /healthz', () => health(callControlPort));
  t.match(callControlHealth, { process: 'callcontrol', status: 'ok', parts: { database: { state: 'up' }, sip: { state: 'up', registrations: 0 } } });
  t.match(consoleHealth, { process: 'console', status: 'ok', parts: { database: { state: 'up' } } });
  t.match(faqHealth, { process: 'faq-public', status: 'ok', parts: { database: { state: 'up', zone: 'public' } } });

  const now = Date.parse(faqHealth.now);
  t.match(faqHealth.now, /^2027-06-01T10:00/, `SC_CLOCK sets the children's clock (now ${faqHealth.now})`);
  t.ok(now >= clockStart && now <= clockStart + (Date.now() - spawnedAt), 'and it runs on from the instant given');

  await waitFor('the URLs', () => sup.out().includes(`http://127.0.0.1:${faqPort}/`));
  t.match(sup.out(), `http://127.0.0.1:${consolePort}/`, 'the console URL is shown');
  t.match(sup.out(), `127.0.0.1:${sipPort} (udp, tcp), realm setagaya-call`, 'and where softphones register');
  t.match(sup.out(), `rtpengine on 127.0.0.1, RTP ${rtpMin}-${rtpMin + 39} (userspace), recordings in ${join(dataDir, 'recordings', 'capture')}`, 'and the media plane');
  t.equal(readFileSync(join(dataDir, 'supervisor.pid'), 'utf8').trim(), String(sup.proc.pid), 'the pid file names the supervisor');

  const second = startSupervisor(t, yaml, dataDir);
  t.equal((await second.exit).code, 2, 'a second supervisor on the same data folder is refused');
  t.match(second.err(), `another supervisor (pid ${sup.proc.pid}) is running`);

  process.kill(faqHealth.pid, 'SIGKILL');
  const back = await waitFor('faq-public to come back', async () => {
    const h = await health(faqPort);
    return h && h.pid !== faqHealth.pid ? h : null;
  });
  t.not(back.pid, faqHealth.pid, `faq-public was restarted (pid ${faqHealth.pid} -> ${back.pid})`);
  t.match(sup.err(), /"msg":"exited; restarting","child":"faq-public","signal":"SIGKILL"/, 'the restart is logged');
  t.match(sup.err(), /\[faq-public\] \{.*"process":"faq-public"/, "the child's output is forwarded under its name");

  // Issue 4 item 1: rtpengine runs beside call control, started before it, restarted when it dies.
  const [firstRtpengine] = rtpenginePids(sup.err());
  t.ok(firstRtpengine, 'rtpengine was started');
  t.ok(sup.err().indexOf('"child":"rtpengine"') < sup.err().indexOf('"msg":"started","child":"callcontrol"'), 'before callcontrol');
  t.ok(await pong(t, ngPort), 'rtpengine answers ping on media.rtpengine.ngPort');
  const conf = readFileSync(join(dataDir, 'run', 'rtpengine.conf'), 'utf8');
  t.match(conf, `listen-ng = 127.0.0.1:${ngPort}`, 'its config is written under <dataDir>/run');
  t.match(conf, `recording-dir = ${join(dataDir, 'recordings', 'capture')}`, 'recording into <dataDir>/recordings/capture');
  t.ok(existsSync(join(dataDir, 'recordings', 'capture', 'pcaps')), 'which rtpengine set up');
  process.kill(firstRtpengine!, 'SIGKILL');
  const secondRtpengine = await waitFor('rtpengine to be restarted', () => rtpenginePids(sup.err())[1]);
  t.not(secondRtpengine, firstRtpengine, `rtpengine was restarted (pid ${firstRtpengine} -> ${secondRtpengine})`);
  t.match(sup.err(), /"msg":"exited; restarting","child":"rtpengine","signal":"SIGKILL"/, 'the restart is logged');
  t.ok(await waitFor('rtpengine to answer again', () => pong(t, ngPort)), 'and it answers ping again');

  sup.proc.kill('SIGTERM');
  t.same(await sup.exit, { code: 0, signal: null }, 'exit code 0 after SIGTERM');
  t.notOk(alive(secondRtpengine!), 'rtpengine was stopped');
  t.notOk(await pong(t, ngPort), 'and no longer answers');
  t.ok(await portClosed(consolePort), 'console port closed');
  t.ok(await portClosed(faqPort), 'faq-public port closed');
  t.notOk(existsSync(join(dataDir, 'supervisor.pid')), 'pid file removed');
  t.notOk(alive(consoleHealth.pid) || alive(back.pid), 'no child left running');
});

t.test('an rtpengine under its own unit (managed: false) is found on its ng port, not started', async (t) => {
  const { callControlPort, ngPort, dtmfPort, rtpMin, yaml } = await portsConfig();
  const dataDir = join(tempDataDir(t), 'data');
  // Debian's rtpengine-daemon unit on the appliance (kernel module, table 0) plays this part here.
  const own = await startRtpengine(t, { recording: true, recordingDir: join(dataDir, 'recordings', 'capture'), dtmfPort, portMin: rtpMin, portMax: rtpMin + 39 });
  const managed = yaml.replace('  rtpengine:\n', '  rtpengine:\n    managed: false\n').replace(`ngPort: ${ngPort}`, `ngPort: ${own.ngPort}`);
  const sup = startSupervisor(t, managed, dataDir, { SC_CLOCK: '2027-06-01T10:00:00+09:00' });
  const h = await waitFor('callcontrol with the media plane up', async () => {
    const r = await health(callControlPort);
    return (r?.parts as Record<string, { state: string }> | undefined)?.media?.state === 'up' ? r : null;
  });
  t.equal(h.status, 'ok', 'call control uses the rtpengine it found');
  t.same(rtpenginePids(sup.err()), [], 'the supervisor started no rtpengine of its own');
  await waitFor('the summary', () => sup.out().includes('its own unit'));
  t.match(sup.out(), `its own unit on ng port ${own.ngPort}`, 'the summary says where it was found');
  sup.proc.kill('SIGTERM');
  t.equal((await sup.exit).code, 0, 'stops cleanly');
  t.ok(await pong(t, own.ngPort), 'and leaves the unit\'s rtpengine running');
});

t.test('a bad config stops start-up with one message naming the key, and touches nothing', async (t) => {
  const cases = [
    { name: 'unknown key', yaml: 'consol: {}\n', message: /: consol: unknown key$/ },
    { name: 'unknown nested key', yaml: 'console:\n  prot: 8080\n', message: /: console\.prot: unknown key$/ },
    { name: 'malformed YAML', yaml: 'console: [\n', message: /config\.yaml:\d+:\d+: malformed YAML/ },
    { name: 'port out of range', yaml: 'console:\n  port: 70000\n', message: /: console\.port: .*65535/ },
    { name: 'wrong type', yaml: 'faqPublic:\n  port: "eighty"\n', message: /: faqPublic\.port: / },
  ];
  for (const c of cases) {
    const dataDir = join(tempDataDir(t), 'data');
    const sup = startSupervisor(t, c.yaml, dataDir);
    t.equal((await sup.exit).code, 2, `${c.name}: exit code 2`);
    const lines = sup.err().trim().split('\n');
    t.equal(lines.length, 1, `${c.name}: one line (${sup.err().trim()})`);
    t.match(lines[0], /^supervisor: /, `${c.name}: from the supervisor`);
    t.match(lines[0], c.message, `${c.name}: names the key`);
    t.notOk(existsSync(dataDir), `${c.name}: the data folder was not created`);
  }
});

t.test('an occupied port is named, before the data folder is touched', async (t) => {
  const { faqPort, yaml } = await portsConfig();
  await occupy(t, faqPort);
  const dataDir = join(tempDataDir(t), 'data');
  const sup = startSupervisor(t, yaml, dataDir);
  t.equal((await sup.exit).code, 2);
  t.match(sup.err().trim(), new RegExp(`^supervisor: 127\\.0\\.0\\.1:${faqPort} is already in use \\(faqPublic\\.port\\)`));
  t.notOk(existsSync(dataDir), 'the data folder was not created');
});

t.test('an occupied SIP UDP port is named too', async (t) => {
  const { sipPort, yaml } = await portsConfig();
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(sipPort, '127.0.0.1', resolve));
  t.teardown(() => socket.close());
  const dataDir = join(tempDataDir(t), 'data');
  const sup = startSupervisor(t, yaml, dataDir);
  t.equal((await sup.exit).code, 2);
  t.match(sup.err().trim(), new RegExp(`^supervisor: 127\\.0\\.0\\.1:${sipPort} is already in use \\(sip\\.port\\)`));
  t.notOk(existsSync(dataDir), 'the data folder was not created');
});

t.test('an occupied rtpengine ng or DTMF port, or a missing rtpengine, is named before the data folder is touched', async (t) => {
  for (const which of ['ngPort', 'dtmfLogPort'] as const) {
    const { ngPort, dtmfPort, yaml } = await portsConfig();
    const port = which === 'ngPort' ? ngPort : dtmfPort;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
    t.teardown(() => socket.close());
    const dataDir = join(tempDataDir(t), 'data');
    const sup = startSupervisor(t, yaml, dataDir);
    t.equal((await sup.exit).code, 2, `${which}: exit code 2`);
    t.match(sup.err().trim(), new RegExp(`^supervisor: 127\\.0\\.0\\.1:${port} is already in use \\(media\\.rtpengine\\.${which}\\)`), `${which}: named`);
    t.notOk(existsSync(dataDir), `${which}: the data folder was not created`);
  }
  const { yaml } = await portsConfig();
  const dataDir = join(tempDataDir(t), 'data');
  const missing = join(tempDataDir(t), 'no-rtpengine');
  const sup = startSupervisor(t, yaml.replace('  rtpengine:\n', `  rtpengine:\n    binary: ${missing}\n`), dataDir);
  t.equal((await sup.exit).code, 2, 'missing binary: exit code 2');
  t.match(sup.err().trim(), /^supervisor: .*no-rtpengine is not an executable \(media\.rtpengine\.binary\): install the Debian package rtpengine-daemon/, 'missing binary: named');
  t.notOk(existsSync(dataDir), 'missing binary: the data folder was not created');
});

t.test('a child that cannot run stops the appliance instead of restarting in a loop', async (t) => {
  const { consolePort, faqPort, yaml } = await portsConfig();
  const dataDir = join(tempDataDir(t), 'data');
  const sup = startSupervisor(t, yaml, dataDir);
  // The pid file appears after the port check and before the data folder is prepared (seconds, on a new
  // folder): taking the port now leaves it to the child to find it in use.
  await waitFor('the pid file', () => existsSync(join(dataDir, 'supervisor.pid')), 30_000);
  await occupy(t, faqPort);
  t.equal((await sup.exit).code, 2);
  const lines = sup.err().trim().split('\n');
  t.match(lines.at(-1), new RegExp(`^supervisor: faq-public: 127\\.0\\.0\\.1:${faqPort} is already in use`), "the child's own message is the last line");
  t.equal(sup.err().match(/"msg":"started","child":"faq-public"/g)?.length, 1, 'faq-public was started once, not restarted');
  t.ok(await portClosed(consolePort), 'the console was stopped too');
  t.notOk(existsSync(join(dataDir, 'supervisor.pid')), 'pid file removed');
});

t.test('a corrupt database file stops start-up with one message and is left as it was', async (t) => {
  const { yaml } = await portsConfig();
  const dataDir = tempDataDir(t);
  const file = join(dataDir, 'internal.sqlite');
  writeFileSync(file, 'not a database, perhaps a half-copied file');
  const sup = startSupervisor(t, yaml, dataDir);
  t.equal((await sup.exit).code, 2);
  t.match(sup.err().trim(), /^supervisor: .*internal\.sqlite: not an SQLite database \(corrupt or wrong file\); restore it from a backup with `sc restore`$/);
  t.equal(readFileSync(file, 'utf8'), 'not a database, perhaps a half-copied file', 'the file is untouched');
  t.notOk(existsSync(join(dataDir, 'supervisor.pid')), 'no pid file is left behind');
});

/**
 * Registrar memory (issue 3: 10,000 bindings refreshed every 60 s in under 200 MB resident): the real
 * call-control process on a real SQLite file with N SIP accounts, and N softphones (one client stack in
 * this process) registering with SHA-256 digest and refreshing every --refresh seconds.
 * Run: `npm run build && node dist/test/bench/sip-registrations.js [--users 10000] [--refresh 60] [--rounds 2]`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { sipCredentials } from '../../apps/accounts/sip-credentials.js';
import { UNUSABLE_HASH } from '../../apps/accounts/password.js';
import { openZone } from '../../db/connection.js';
import { migrateLatest } from '../../db/migrator.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { SipStack } from '../../sip/core/stack.js';
import { freePort } from '../helpers/serve.js';

const { values } = parseArgs({ options: { users: { type: 'string', default: '10000' }, refresh: { type: 'string', default: '60' }, rounds: { type: 'string', default: '2' } } });
const users = Number(values.users);
const refreshS = Number(values.refresh);
const rounds = Number(values.rounds);
const REALM = 'setagaya-call';
const name = (i: number) => `bench${String(i).padStart(5, '0')}`;

const dir = mkdtempSync(join(tmpdir(), 'sc-bench-reg-'));
const sipPort = await freePort();
const healthPort = await freePort();

// N SIP accounts through the repository, in one transaction (the login password is unusable: not needed here).
const db = openZone(dir, 'internal');
await migrateLatest(db, 'internal');
const repo = new UsersRepository(db);
const now = new Date();
await db.transaction(async (trx) => {
  for (let i = 0; i < users; i++) {
    const id = await repo.create({ username: name(i), displayName: name(i), roles: ['operator'], passwordHash: UNUSABLE_HASH }, now, trx);
    await repo.setSipAccount({ userId: id, sipUser: name(i), realm: REALM, ...sipCredentials(name(i), REALM, `pw-${i}`) }, now, trx);
  }
});
await db.destroy();

writeFileSync(join(dir, 'config.yaml'), `log:\n  level: warn\nsip:\n  port: ${sipPort}\n  transports: [udp]\n  registrar:\n    minExpiresS: 1\ncallControl:\n  port: ${healthPort}\n`);
const child = spawn(process.execPath, [new URL('../../appliance/processes/callcontrol.js', import.meta.url).pathname], {
  env: { ...process.env, SC_DATA_DIR: dir, SC_CONFIG: join(dir, 'config.yaml') },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const health = async () => (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as { parts: { sip: { registrations: number; serverTransactions: number }; memory: { heapUsedMiB: number } } };
for (let i = 0; ; i++) {
  try {
    await health();
    break;
  } catch {
    if (i > 100) throw new Error('callcontrol did not start');
    await sleep(100);
  }
}
const rssMiB = (field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const client = new SipStack({ address: '127.0.0.1', port: await freePort(), transports: ['udp'] });
await client.listen();
const contactPort = client.transport.local('udp').port;
let ok = 0;
let failed = 0;
async function register(i: number): Promise<void> {
  const aor = `sip:${name(i)}@127.0.0.1:${sipPort}`;
  const res = await client.request('REGISTER', {
    uri: `sip:127.0.0.1:${sipPort}`,
    from: `<${aor}>`,
    to: `<${aor}>`,
    headers: [['Contact', `<sip:${name(i)}@127.0.0.1:${contactPort}>`], ['Expires', String(refreshS * 2)]],
    auth: { user: name(i), password: `pw-${i}` },
  });
  if (res.status === 200) ok++;
  else if (++failed <= 3) console.log(`sip-registrations: ${name(i)}: ${res.status} ${res.reason}${res.local ? " (no answer)" : ""}`);
}

let maxRss = 0;
const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMiB('VmRSS'))), 1000);
const started = performance.now();
// Each softphone refreshes at its own offset within the interval, as real ones drift apart.
for (let round = 0; round <= rounds; round++) {
  const roundStart = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < users; i++) {
    const due = roundStart + (i / users) * refreshS * 1000 * (round === 0 ? 0.25 : 1);
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(register(i));
  }
  await Promise.all(pending);
  const h = await health();
  console.log(`sip-registrations: round ${round}: heap used ${h.parts.memory.heapUsedMiB} MiB, RSS ${rssMiB('VmRSS').toFixed(0)} MiB, live server transactions ${h.parts.sip.serverTransactions}`);
  if (round === 0) console.log(`sip-registrations: ${users} softphones registered in ${((performance.now() - started) / 1000).toFixed(1)} s; bindings ${(await health()).parts.sip.registrations}, callcontrol RSS ${rssMiB('VmRSS').toFixed(0)} MiB`);
}
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
const bindings = (await health()).parts.sip.registrations;
const peak = rssMiB('VmHWM');
console.log(
  `sip-registrations: ${users} bindings refreshed every ${refreshS} s for ${rounds} rounds (${seconds.toFixed(0)} s): ${ok} REGISTER ok, ${failed} failed, ` +
    `${bindings} bindings at the end; callcontrol RSS max ${maxRss.toFixed(0)} MiB, peak (VmHWM) ${peak.toFixed(0)} MiB (target < 200 MiB)`,
);
await client.close();
child.kill('SIGTERM');
await once(child, 'exit');
rmSync(dir, { recursive: true, force: true });
process.exit(failed === 0 && bindings === users && peak < 200 ? 0 : 1);

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { zoneFile } from '../../db/zones.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';
import { freePort } from '../helpers/serve.js';

const ENTRY = new URL('../../appliance/processes/console.js', import.meta.url).pathname;

/** Starts the console process; `exited` resolves with its exit code and everything it wrote to stderr. */
function startConsole(dataDir: string, port: number) {
  const config = join(dataDir, 'config.yaml');
  writeFileSync(config, `console:\n  port: ${port}\n`);
  const child = spawn(process.execPath, [ENTRY], { env: { ...process.env, SC_DATA_DIR: dataDir, SC_CONFIG: config }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  const listening = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', () => {
      const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((r) => reject(new Error(`exited ${r.code}: ${r.stderr}`)));
  });
  listening.catch(() => undefined); // awaited only by tests that expect it to start
  return { child, exited, listening };
}

t.test('without a data folder it stops with a clear message', async (t) => {
  const r = await startConsole(tempDataDir(t), await freePort()).exited;
  t.equal(r.code, 2);
  t.match(r.stderr, /internal\.sqlite does not exist: start the appliance through the supervisor/);
});

t.test('with migrations pending it stops instead of migrating', async (t) => {
  const dir = tempDataDir(t);
  writeFileSync(zoneFile(dir, 'internal'), '');
  const r = await startConsole(dir, await freePort()).exited;
  t.equal(r.code, 2);
  t.match(r.stderr, /migrations pending \(0001_foundation, 0002_calls, 0003_acd\)/);
});

t.test('serves, refuses a taken port by name, and stops cleanly on SIGTERM', async (t) => {
  const dir = tempDataDir(t);
  await migratedDb(t, 'internal', dir);
  const port = await freePort();
  const first = startConsole(dir, port);
  t.teardown(() => void first.child.kill('SIGKILL'));
  const url = await first.listening;
  t.equal(url, `http://127.0.0.1:${port}/`);
  const health = await fetch(`${url}healthz`);
  t.equal(health.status, 200);

  const second = await startConsole(dir, port).exited;
  t.equal(second.code, 2);
  t.match(second.stderr, `console: 127.0.0.1:${port} is already in use (console.port)`);

  first.child.kill('SIGTERM');
  const r = await first.exited;
  t.equal(r.code, 0);
});

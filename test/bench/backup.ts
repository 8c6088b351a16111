/**
 * Backup and restore figures for a zone the size of a busy year's audit log, idle and while another
 * process writes. Run: `npm run build && node dist/test/bench/backup.js [rows]` (default 300000).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupZone, restoreZone } from '../../db/backup.js';
import { openZone } from '../../db/connection.js';
import { migrateLatest } from '../../db/migrator.js';

const rows = Number(process.argv[2] ?? 300_000);
const dir = mkdtempSync(join(tmpdir(), 'sc-bench-'));
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

try {
  const db = openZone(dir, 'internal');
  await migrateLatest(db, 'internal');
  const detail = JSON.stringify({ note: '区民からの問い合わせ内容の要約'.repeat(4) });
  for (let done = 0; done < rows; done += 5000) {
    const batch = Array.from({ length: Math.min(5000, rows - done) }, (_, i) => ({
      at: new Date().toISOString(), actor: 'bench', action: 'record.change', entity: 'contact', entity_id: String(done + i), detail, prev_hash: '-', hash: '-',
    }));
    await db.batchInsert('audit_log', batch, 500);
  }
  await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
  await db.destroy();
  console.log(`database: ${rows} rows, ${mb(statSync(join(dir, 'internal.sqlite')).size)} MiB`);

  const idle = await backupZone(dir, 'internal', join(dir, 'idle.bak'));
  console.log(`backup, idle: ${idle.ms} ms (${mb(idle.bytes)} MiB)`);

  const writer = spawn(process.execPath, [new URL('../helpers/audit-writer.js', import.meta.url).pathname, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  writer.stdout.on('data', (d) => (out += d));
  while (!out.includes('ready')) await once(writer.stdout, 'data');
  const busy = await backupZone(dir, 'internal', join(dir, 'busy.bak'));
  writer.kill('SIGTERM');
  await once(writer, 'exit');
  console.log(`backup, with a writer appending: ${busy.ms} ms (writer wrote ${/written (\d+)/.exec(out)?.[1]} rows meanwhile)`);

  const target = join(dir, 'restored');
  const started = performance.now();
  await restoreZone(target, busy.file, { now: new Date() });
  console.log(`restore (checks included): ${Math.round(performance.now() - started)} ms`);
  console.log(`peak RSS of this process: ${mb(process.resourceUsage().maxRSS * 1024)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

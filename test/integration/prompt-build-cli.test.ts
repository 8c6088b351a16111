/** `sc prompts build` makes every prompt's audio before the first call; a second run finds it all cached. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { SEGMENT_IDS, segmentLangs } from '../../apps/callflow/prompt-catalogue.js';
import { readWav } from '../../media/audio/wav.js';
import { tempDataDir } from '../helpers/data.js';

const cli = new URL('../../appliance/cli.js', import.meta.url).pathname;
const sc = (dataDir: string, args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, SC_DATA_DIR: dataDir, SC_CONFIG: '', SC_CLOCK: '2027-11-24T20:30:00+09:00' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

t.test('build, then build again without synthesising anything', async (t) => {
  const dir = tempDataDir(t);
  const first = sc(dir, ['prompts', 'build']);
  t.equal(first.code, 0, first.err);
  const m = /prompts: (\d+) ready, (\d+) synthesised in \d+ ms/.exec(first.out);
  t.ok(m, first.out);
  const segments = SEGMENT_IDS.reduce((n, id) => n + segmentLangs(id).length, 0);
  t.ok(Number(m![2]) >= segments, `at least one synthesis per segment and language (${m![2]} >= ${segments})`);
  const cache = join(dir, 'prompts', 'cache');
  const files = readdirSync(cache);
  t.ok(files.length > Number(m![2]), `a file per synthesis plus the joined prompts (${files.length} files)`);
  t.notOk(files.some((f) => f.includes('.tmp-')), 'no temporary files');
  for (const f of files) {
    const pcm = readWav(join(cache, f));
    if (pcm.sampleRate !== 8000 || pcm.channels !== 1 || !pcm.samples.length) t.fail(`${f} is not 8 kHz mono audio`);
  }
  t.match(first.out, /greeting: ja, en/);
  t.match(first.out, /queue-music: zxx/);

  const second = sc(dir, ['prompts', 'build']);
  t.equal(second.code, 0, second.err);
  t.match(second.out, new RegExp(`prompts: ${m![1]} ready, 0 synthesised`));
  t.same(readdirSync(cache).sort(), files.sort(), 'the same files');
});

t.test('a wrong subcommand says how to call it', async (t) => {
  const r = sc(tempDataDir(t), ['prompts', 'make']);
  t.equal(r.code, 2);
  t.match(r.err, /usage: sc prompts build/);
});

/**
 * `appliance/setup.sh`, which `npm start` and `npm test` run first: quick when all is installed, and for a
 * user who is not root, a missing Debian package gives the exact commands to run and stops.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDataDir } from '../helpers/data.js';

const script = new URL('../../../appliance/setup.sh', import.meta.url).pathname;

t.test('with everything installed it changes nothing and says nothing', async (t) => {
  const r = spawnSync('bash', [script], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '', 'no install step ran');
});

t.test('not root and a package missing: prints the apt commands, exit 1', async (t) => {
  const bin = join(tempDataDir(t), 'bin');
  mkdirSync(bin);
  // dpkg-query that reports sox as not installed and everything else as installed.
  writeFileSync(join(bin, 'dpkg-query'), '#!/bin/sh\nfor a; do last=$a; done\n[ "$last" = sox ] && exit 1\nprintf installed\n');
  chmodSync(join(bin, 'dpkg-query'), 0o755);
  chmodSync(join(bin, '..'), 0o755);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', script], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  t.equal(r.status, 1);
  t.match(r.stderr, /setup: missing Debian packages: sox\n/);
  t.match(r.stderr, /run these as root, then start again/);
  t.match(r.stderr, /apt-get update\n/);
  t.match(r.stderr, /apt-get install -y --no-install-recommends sox\n/);
  t.match(r.stderr, /sed -i -E .*contrib/, 'and how to enable contrib for the Open JTalk voice');
});

/**
 * Every unit in systemd/ passes `systemd-analyze verify` without a word: a misspelt key only warns and the
 * exit code stays 0, so any output at all is a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDataDir } from '../helpers/data.js';

const unitsDir = new URL('../../../systemd/', import.meta.url).pathname;
const UNIT = /\.(service|socket|timer|target|path|mount)$/;

/** verify insists that Exec binaries exist on this machine; node may live elsewhere here than on the server. */
function withLocalBinaries(text: string): string {
  return text.replace(/^(Exec\w+=[-@:+!]*)(\/\S+)/gm, (line, key: string, binary: string) =>
    existsSync(binary) ? line : `${key}${process.execPath}`,
  );
}

const units = readdirSync(unitsDir).filter((f) => UNIT.test(f));

t.ok(units.length > 0, 'systemd/ holds unit files');

for (const unit of units) {
  t.test(unit, async (t) => {
    const dir = tempDataDir(t);
    const copy = join(dir, unit);
    writeFileSync(copy, withLocalBinaries(readFileSync(join(unitsDir, unit), 'utf8')));
    const r = spawnSync('systemd-analyze', ['verify', copy], { cwd: dir, encoding: 'utf8' });
    t.equal(r.error, undefined, 'systemd-analyze runs (Debian package systemd)');
    t.equal(r.status, 0, 'exit code 0');
    t.equal(`${r.stdout}${r.stderr}`, '', 'no warnings');
  });
}

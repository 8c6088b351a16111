// Runs the compiled suite (dist/test/**/*.test.js) with tap, streams tap's output, and ends with one line,
// "N passed, N failed", counted from tap's closing summary of assertions. File arguments run only those.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tap = join(root, 'node_modules', '.bin', 'tap');

// dist/ keeps the output of a test whose source was deleted or renamed; such leftovers are not run.
function compiledTests() {
  return readdirSync(join(root, 'dist', 'test'), { recursive: true })
    .filter((f) => f.endsWith('.test.js') && existsSync(join(root, 'test', f.replace(/\.js$/, '.ts'))))
    .map((f) => join('dist', 'test', f))
    .sort();
}

const files = process.argv.length > 2 ? process.argv.slice(2) : compiledTests();
if (!files.length) {
  // Without files tap would search the whole tree for tests.
  console.log('# no compiled tests in dist/test: run `npm run build` first');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// Coverage is off: tests run compiled JavaScript. Integration tests start real processes, hence the timeout.
const args = ['--disable-coverage', '--timeout=300', '--jobs=2', '--reporter=tap', ...files];
const child = spawn(tap, args, { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });

let summary = null;
let partial = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const lines = (partial + chunk).split('\n');
  partial = lines.pop();
  for (const line of lines) {
    // The root's closing comment, e.g. "# { total: 7, pass: 2, fail: 3, todo: 1, skip: 1 }".
    const m = /^# \{ (.*) \}$/.exec(line);
    if (m) summary = Object.fromEntries(m[1].split(', ').map((kv) => kv.split(': ')).map(([k, v]) => [k, Number(v)]));
  }
});

child.on('close', (code, signal) => {
  const passed = summary?.pass ?? 0;
  let failed = summary?.fail ?? 0;
  const ok = code === 0 && failed === 0;
  if (!ok && failed === 0) {
    // tap failed outside any assertion (a crash, a signal): still a failure to count.
    console.log(`# tap ended with ${signal ?? `exit code ${code}`}`);
    failed = 1;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(ok ? 0 : 1);
});

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { ConfigError, loadConfig, parseConfig } from '../../appliance/config.js';
import { tempDataDir } from '../helpers/data.js';

function yamlFile(t: Test, text: string): string {
  const file = join(tempDataDir(t), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

/** The one message a bad config gives, or null when it is accepted. */
function message(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.message;
  }
}

t.test('defaults: everything on 127.0.0.1, data in ./var', async (t) => {
  const c = loadConfig({});
  t.match(c, {
    dataDir: resolve('var'),
    sip: {
      address: '127.0.0.1',
      port: 5060,
      transports: ['udp', 'tcp'],
      realm: 'setagaya-call',
      digestAlgorithms: ['SHA-256', 'MD5'],
      timers: { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 },
      sessionExpiresS: 1800,
      minSeS: 90,
      trunks: [],
    },
    callControl: { address: '127.0.0.1', port: 8082 },
    console: { address: '127.0.0.1', port: 8080, secureCookies: false },
    faqPublic: { address: '127.0.0.1', port: 8081 },
    supervisor: { restartInitialMs: 500, restartMaxMs: 30_000, stableAfterMs: 60_000, stopTimeoutMs: 10_000 },
  });
  t.same(loadConfig({ SC_CONFIG: '' }), c, 'an empty SC_CONFIG is no file');
  t.same(loadConfig({ SC_CONFIG: yamlFile(t, '') }), c, 'an empty file changes nothing');
});

t.test('the YAML file overrides only what it names', async (t) => {
  const file = yamlFile(t, 'console:\n  port: 9080\n  secureCookies: true\nlog:\n  level: debug\ndataDir: /srv/sc\n');
  const c = loadConfig({ SC_CONFIG: file });
  t.equal(c.console.port, 9080);
  t.equal(c.console.secureCookies, true);
  t.equal(c.console.address, '127.0.0.1', 'siblings keep their defaults');
  t.equal(c.log.level, 'debug');
  t.equal(c.faqPublic.port, 8081);
  t.equal(c.dataDir, '/srv/sc');
});

t.test('SC_DATA_DIR wins over the file and comes back absolute', async (t) => {
  const file = yamlFile(t, 'dataDir: /srv/sc\n');
  t.equal(loadConfig({ SC_CONFIG: file, SC_DATA_DIR: 'data/here' }).dataDir, resolve('data/here'));
  t.equal(loadConfig({ SC_DATA_DIR: '/var/lib/setagaya-call' }).dataDir, '/var/lib/setagaya-call');
});

t.test('unknown keys are named, at the top level and nested', async (t) => {
  t.equal(message(() => parseConfig({ consol: {} })), 'config: consol: unknown key');
  t.equal(message(() => parseConfig({ console: { prot: 1 } })), 'config: console.prot: unknown key');
  t.equal(message(() => parseConfig({ supervisor: { restartMs: 1 } })), 'config: supervisor.restartMs: unknown key');
  const file = yamlFile(t, 'faqPublic:\n  adress: 0.0.0.0\n');
  t.equal(message(() => loadConfig({ SC_CONFIG: file })), `${file}: faqPublic.adress: unknown key`, 'the file is named');
});

t.test('bad values name the key and the reason', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ console: { port: '8080' } }, /^config: console\.port: .*expected number/],
    [{ console: { port: 70000 } }, /^config: console\.port: .*65535/],
    [{ faqPublic: { port: 0 } }, /^config: faqPublic\.port: /],
    [{ faqPublic: { port: 80.5 } }, /^config: faqPublic\.port: /],
    [{ console: { address: 'example.org' } }, /^config: console\.address: /],
    [{ sip: { transports: [] } }, /^config: sip\.transports: /],
    [{ sip: { transports: ['sctp'] } }, /^config: sip\.transports\.0: /],
    [{ log: { level: 'verbose' } }, /^config: log\.level: /],
    [{ supervisor: { restartInitialMs: 5_000, restartMaxMs: 1_000 } }, /^config: supervisor\.restartMaxMs: must not be below supervisor\.restartInitialMs/],
    [{ console: null }, /^config: console: /],
    [{ sip: { transports: ['udp', 'tls'] } }, /^config: sip\.tls: certFile and keyFile are needed/],
    [{ sip: { timers: { t1Ms: 2000, t2Ms: 1000 } } }, /^config: sip\.timers\.t2Ms: must not be below sip\.timers\.t1Ms/],
    [{ sip: { minSeS: 3600, sessionExpiresS: 1800 } }, /^config: sip\.minSeS: must not be above/],
    [{ sip: { sessionExpiresS: 30 } }, /^config: sip\.sessionExpiresS: /],
    [{ sip: { registrar: { minExpiresS: 600, defaultExpiresS: 300 } } }, /^config: sip\.registrar: needs minExpiresS <= defaultExpiresS <= maxExpiresS/],
    [{ sip: { digestAlgorithms: ['SHA-512'] } }, /^config: sip\.digestAlgorithms\.0: /],
    [{ sip: { trunks: [{ name: 'main', address: 'carrier.example' }] } }, /^config: sip\.trunks\.0\.address: /],
    [{ sip: { trunks: [{ name: 'main', address: '192.0.2.1' }, { name: 'main', address: '192.0.2.2' }] } }, /^config: sip\.trunks: trunk name main is used twice/],
    [{ sip: { flood: { ratePerSecond: 0 } } }, /^config: sip\.flood\.ratePerSecond: /],
  ];
  for (const [input, expected] of cases) t.match(message(() => parseConfig(input)), expected, JSON.stringify(input));
});

t.test('two listeners on one address and port clash', async (t) => {
  t.equal(message(() => parseConfig({ faqPublic: { port: 8080 } })), 'config: faqPublic.port: port 8080 on 127.0.0.1 is already used by console.port');
  t.match(message(() => parseConfig({ sip: { port: 8081 } })), /^config: sip\.port: port 8081 on 127\.0\.0\.1 is already used by faqPublic\.port/);
  t.equal(message(() => parseConfig({ sip: { port: 8081, transports: ['udp'] } })), null, 'SIP over UDP only does not take the TCP port');
  t.equal(message(() => parseConfig({ faqPublic: { port: 8080, address: '127.0.0.2' } })), null, 'another address is no clash');
  t.equal(message(() => parseConfig({ callControl: { port: 8080 } })), 'config: callControl.port: port 8080 on 127.0.0.1 is already used by console.port');
  const tls = { certFile: '/etc/sc/cert.pem', keyFile: '/etc/sc/key.pem' };
  t.match(message(() => parseConfig({ sip: { transports: ['tls'], tls, tlsPort: 8081 } })), /^config: sip\.tlsPort: port 8081 on 127\.0\.0\.1 is already used by faqPublic\.port/);
});

t.test('files that cannot be read or parsed', async (t) => {
  const missing = join(tempDataDir(t), 'nope.yaml');
  t.equal(message(() => loadConfig({ SC_CONFIG: missing })), `${missing}: cannot read the config file (ENOENT)`);
  const malformed = yamlFile(t, 'console:\n  port: [8080\n');
  t.match(message(() => loadConfig({ SC_CONFIG: malformed })), new RegExp(`^${malformed}:\\d+:\\d+: malformed YAML: `));
  const list = yamlFile(t, '- console\n- faqPublic\n');
  t.equal(message(() => loadConfig({ SC_CONFIG: list })), `${list}: the top level must be a mapping of keys`);
});

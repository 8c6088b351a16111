/** rtpengine's ini config rendered from typed options (issue 4 item 1): the keys rtpengine 10.5 knows, bad options refused. */
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { captureDir, daemonArgs, daemonConfigPath, renderDaemonConfig, type RtpengineDaemonOptions } from '../../media/rtpengine/daemon-config.js';

const base: RtpengineDaemonOptions = { interface: '127.0.0.1', ngPort: 22222, portMin: 30000, portMax: 39999, table: -1 };

t.test('the appliance config, userspace', async (t) => {
  const text = renderDaemonConfig({ ...base, dtmfLogPort: 22223, recordingDir: '/srv/sc/recordings/capture', deleteDelayS: 0, logLevel: 5 });
  t.equal(
    text,
    [
      '[rtpengine]', 'foreground = true', 'log-stderr = true', 'log-level = 5', 'table = -1', 'interface = 127.0.0.1', 'listen-ng = 127.0.0.1:22222',
      'port-min = 30000', 'port-max = 39999', 'delete-delay = 0', 'timeout = 60', 'dtmf-log-dest = 127.0.0.1:22223',
      'recording-dir = /srv/sc/recordings/capture', 'recording-method = pcap', 'recording-format = raw', '',
    ].join('\n'),
  );
  t.notMatch(renderDaemonConfig(base), /recording|dtmf/, 'no recording and no DTMF reports unless asked');
  t.match(renderDaemonConfig(base), /^delete-delay = 30$/m, "rtpengine's own default delete delay otherwise");
});

t.test('the kernel module is a matter of table >= 0', async (t) => {
  t.match(renderDaemonConfig({ ...base, table: 0 }), /^table = 0$/m);
  t.match(renderDaemonConfig({ ...base, table: 255 }), /^table = 255$/m);
});

t.test('every key is an option of the installed rtpengine (it ignores unknown keys silently)', async (t) => {
  const help = execFileSync('/usr/bin/rtpengine', ['--help'], { encoding: 'utf8' });
  const text = renderDaemonConfig({ ...base, dtmfLogPort: 1, recordingDir: '/x' });
  const keys = [...text.matchAll(/^([a-z-]+) = /gm)].map((m) => m[1]!);
  t.equal(keys.length, 14);
  for (const key of keys) t.match(help, new RegExp(`--${key}[=\\s]`), `--${key}`);
});

t.test('options rtpengine would refuse or misread are refused here', async (t) => {
  const bad: [string, Partial<RtpengineDaemonOptions>][] = [
    ['port 0', { ngPort: 0 }],
    ['port above 65535', { portMax: 70000 }],
    ['range too small', { portMin: 30000, portMax: 30002 }],
    ['range reversed', { portMin: 31000, portMax: 30000 }],
    ['table -2', { table: -2 }],
    ['table 256', { table: 256 }],
    ['fractional table', { table: 0.5 }],
    ['log level 8', { logLevel: 8 }],
    ['negative delete delay', { deleteDelayS: -1 }],
    ['line break in the interface', { interface: '127.0.0.1\nlisten-cli = 0.0.0.0:9900' }],
    ['line break in the recording dir', { recordingDir: '/x\ntable = 0' }],
    ['empty interface', { interface: ' ' }],
  ];
  for (const [name, o] of bad) t.throws(() => renderDaemonConfig({ ...base, ...o }), RangeError, name);
});

t.test('paths and arguments', async (t) => {
  t.equal(daemonConfigPath('/srv/sc'), '/srv/sc/run/rtpengine.conf');
  t.equal(captureDir('/srv/sc'), '/srv/sc/recordings/capture');
  t.same(daemonArgs('/srv/sc/run/rtpengine.conf'), ['--config-file=/srv/sc/run/rtpengine.conf', '--config-section=rtpengine']);
});

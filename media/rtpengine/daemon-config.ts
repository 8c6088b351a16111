/**
 * rtpengine's own configuration (an ini file, section [rtpengine]) rendered from typed options, so the
 * appliance's supervisor and the tests run the daemon the same way. Key names are those of rtpengine 10.5
 * (`rtpengine --help`; long option names are the ini keys).
 *
 * Kernel forwarding: `table = -1` relays every packet in userspace (what runs here, without the xt_RTPENGINE
 * module). On the appliance with the Debian `rtpengine-kernel-dkms` module loaded, `table = 0` (or any
 * 0..255) makes rtpengine hand established streams to the kernel; it then falls back to userspace on its own
 * if the module is missing, unless `no-fallback` is set. Recording to pcap works the same in both modes.
 * rtpengine then needs CAP_NET_ADMIN (the appliance's systemd unit has an empty capability set: kernel mode
 * needs CapabilityBoundingSet= and AmbientCapabilities= CAP_NET_ADMIN there). Here, without the module and
 * as an unprivileged user, `table = 0` makes rtpengine 10.5 exit at once with status 255.
 */
import { join } from 'node:path';

export interface RtpengineDaemonOptions {
  /** The address media is relayed on and advertised in SDP (rtpengine `interface`). */
  interface: string;
  /** ng control protocol, always bound to 127.0.0.1. */
  ngPort: number;
  /** First and last RTP port rtpengine may take (even RTP, odd RTCP above it). */
  portMin: number;
  portMax: number;
  /** Kernel forwarding table: -1 userspace only, 0..255 with the kernel module. */
  table: number;
  /** RFC 4733 events are sent to 127.0.0.1:<dtmfLogPort> as JSON datagrams. */
  dtmfLogPort?: number;
  /** Where pcap captures and their metadata files go (rtpengine makes pcaps/ and metadata/ inside). */
  recordingDir?: string;
  /** pcap link layer: 'raw' (IP packets, DLT_RAW) or 'eth' (fake Ethernet header). */
  recordingFormat?: 'raw' | 'eth';
  /** Seconds a deleted call lingers before rtpengine frees it (its default is 30); 0 ends it at once. */
  deleteDelayS?: number;
  /** Seconds without RTP before rtpengine drops a call by itself (its default is 60). */
  timeoutS?: number;
  /** syslog level 0..7 of the messages written to stderr (6: info, rtpengine's default). */
  logLevel?: number;
}

/** The section of the ini file rtpengine is told to read. */
export const CONFIG_SECTION = 'rtpengine';

/** Where the supervisor writes rtpengine's config for a data folder. */
export function daemonConfigPath(dataDir: string): string {
  return join(dataDir, 'run', 'rtpengine.conf');
}

/** rtpengine's recording dir for a data folder: captures are read from here by the recording converter. */
export function captureDir(dataDir: string): string {
  return join(dataDir, 'recordings', 'capture');
}

/** rtpengine writes one pcap per recorded call here (file name: <call-id>-<random hex>.pcap). */
export function capturePcapDir(recordingDir: string): string {
  return join(recordingDir, 'pcaps');
}

/** ... and, once the pcap is flushed and closed, the call's metadata as rtpengine-meta-<same base name>.txt here (tmp/ until then). */
export function captureMetadataDir(recordingDir: string): string {
  return join(recordingDir, 'metadata');
}

function checkPort(name: string, p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new RangeError(`${name} must be a port 1..65535, not ${p}`);
}

function checkOptions(o: RtpengineDaemonOptions): void {
  checkPort('ngPort', o.ngPort);
  checkPort('portMin', o.portMin);
  checkPort('portMax', o.portMax);
  if (o.dtmfLogPort !== undefined) checkPort('dtmfLogPort', o.dtmfLogPort);
  if (o.portMax - o.portMin < 3) throw new RangeError(`portMin..portMax (${o.portMin}..${o.portMax}) must hold at least two RTP/RTCP pairs`);
  if (!Number.isInteger(o.table) || o.table < -1 || o.table > 255) throw new RangeError(`table must be -1 (userspace) or 0..255, not ${o.table}`);
  if (o.logLevel !== undefined && (!Number.isInteger(o.logLevel) || o.logLevel < 0 || o.logLevel > 7)) throw new RangeError(`logLevel must be 0..7`);
  for (const [name, v] of [['deleteDelayS', o.deleteDelayS], ['timeoutS', o.timeoutS]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`${name} must be a whole number of seconds >= 0`);
  }
  // A newline or '=' in a value would add keys of its own to the file.
  for (const [name, v] of [['interface', o.interface], ['recordingDir', o.recordingDir ?? '']] as const) {
    if (/[\n\r]/.test(v)) throw new RangeError(`${name} must not contain a line break`);
  }
  if (!o.interface.trim()) throw new RangeError('interface must name an address');
}

/** The ini text. Throws RangeError on options rtpengine would refuse or misread. */
export function renderDaemonConfig(o: RtpengineDaemonOptions): string {
  checkOptions(o);
  const keys: [string, string | number | boolean][] = [
    // Run in the foreground, logging to stderr: the supervisor (or the test) owns the process and its output.
    ['foreground', true],
    ['log-stderr', true],
    ['log-level', o.logLevel ?? 6],
    ['table', o.table],
    ['interface', o.interface],
    ['listen-ng', `127.0.0.1:${o.ngPort}`],
    ['port-min', o.portMin],
    ['port-max', o.portMax],
    ['delete-delay', o.deleteDelayS ?? 30],
    ['timeout', o.timeoutS ?? 60],
  ];
  if (o.dtmfLogPort !== undefined) keys.push(['dtmf-log-dest', `127.0.0.1:${o.dtmfLogPort}`]);
  if (o.recordingDir !== undefined) {
    keys.push(['recording-dir', o.recordingDir], ['recording-method', 'pcap'], ['recording-format', o.recordingFormat ?? 'raw']);
  }
  return `[${CONFIG_SECTION}]\n${keys.map(([k, v]) => `${k} = ${String(v)}`).join('\n')}\n`;
}

/**
 * Command-line arguments for rtpengine reading `configFile`. Naming the file keeps rtpengine from reading
 * /etc/rtpengine/rtpengine.conf (its default, set up for the Debian service with table 0).
 */
export function daemonArgs(configFile: string): string[] {
  return [`--config-file=${configFile}`, `--config-section=${CONFIG_SECTION}`];
}

/**
 * Configuration: built-in defaults, overridden by a YAML file named by `SC_CONFIG`, with the data folder
 * from `SC_DATA_DIR`. Anything unknown or out of range stops start-up with one message naming the key.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';

const address = z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]);
const port = z.number().int().min(1).max(65535);
const listener = (defaultPort: number) =>
  z.strictObject({ address: address.default('127.0.0.1'), port: port.default(defaultPort) }).prefault({});

const schema = z
  .strictObject({
    dataDir: z.string().min(1).default('./var'),
    log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
    sip: z
      .strictObject({
        address: address.default('127.0.0.1'),
        port: port.default(5060),
        transports: z.array(z.enum(['udp', 'tcp', 'tls'])).min(1).default(['udp', 'tcp']),
        /** Digest realm of the registrar; SIP passwords are stored as HA1 for this realm. */
        realm: z.string().regex(/^[A-Za-z0-9.-]+$/).default('setagaya-call'),
        /** Digest algorithms challenged with, preferred first (RFC 8760); devices that answer only the first challenge need MD5 first. */
        digestAlgorithms: z.array(z.enum(['SHA-256', 'MD5'])).min(1).default(['SHA-256', 'MD5']),
        tlsPort: port.default(5061),
        /** PEM files of the TLS transport; required when `transports` lists tls. */
        tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
        /** RFC 3261 timer base values (T1, T2, T4), ms. */
        timers: z
          .strictObject({
            t1Ms: z.number().int().min(10).max(10_000).default(500),
            t2Ms: z.number().int().min(100).max(60_000).default(4000),
            t4Ms: z.number().int().min(100).max(60_000).default(5000),
          })
          .prefault({}),
        /** RFC 4028 session interval asked for and the smallest accepted, seconds. */
        sessionExpiresS: z.number().int().min(90).max(86_400).default(1800),
        minSeS: z.number().int().min(90).max(86_400).default(90),
        registrar: z
          .strictObject({
            minExpiresS: z.number().int().min(1).default(60),
            maxExpiresS: z.number().int().min(60).default(7200),
            defaultExpiresS: z.number().int().min(60).default(3600),
          })
          .prefault({}),
        /** Overload control: new requests per second and burst; above them, or with the event loop late, 503. */
        flood: z
          .strictObject({
            ratePerSecond: z.number().int().min(1).default(2000),
            burst: z.number().int().min(1).default(4000),
            maxLoopDelayMs: z.number().int().min(10).default(250),
          })
          .prefault({}),
        /** Carrier trunks (T1, T12): recognised by address, watched by OPTIONS pings, main line first. */
        trunks: z
          .array(
            z.strictObject({
              name: z.string().regex(/^[a-z0-9-]+$/),
              address: z.union([z.ipv4(), z.ipv6()]),
              port: port.default(5060),
              transport: z.enum(['udp', 'tcp', 'tls']).default('udp'),
              /** When set, the trunk's requests must also answer a digest challenge as this SIP account. */
              digestUser: z.string().min(1).optional(),
            }),
          )
          .default([]),
        trunkPingS: z.number().int().min(5).max(3600).default(30),
      })
      .prefault({}),
    /** The media plane (issue 4): rtpengine, our own RTP endpoint, prompts and recordings. */
    media: z
      .strictObject({
        rtpengine: z
          .strictObject({
            /**
             * true: the supervisor runs rtpengine (userspace here). false: rtpengine runs under its own unit, e.g.
             * Debian's rtpengine-daemon as root with the kernel module (table >= 0), configured by `sc rtpengine-config`;
             * call control then finds it on ngPort.
             */
            managed: z.boolean().default(true),
            binary: z.string().min(1).default('/usr/bin/rtpengine'),
            /** The address media is relayed on and advertised in SDP towards the trunk and the softphones. */
            interface: address.default('127.0.0.1'),
            /** ng control protocol (UDP), always on loopback: rtpengine runs beside call control. */
            ngPort: port.default(22222),
            /** rtpengine sends each RFC 4733 event here as one JSON datagram (dtmf-log-dest). */
            dtmfLogPort: port.default(22223),
            portMin: port.default(30000),
            portMax: port.default(39999),
            /** Kernel forwarding table: -1 forwards in userspace only; 0 uses the xt_RTPENGINE module on the appliance. */
            table: z.number().int().min(-1).max(255).default(-1),
            /** How often call control pings rtpengine; two missed answers count as down (new calls get 503). */
            pingMs: z.number().int().min(100).max(60_000).default(1000),
          })
          .prefault({}),
        /** Our own RTP endpoint (IVR prompts, three-way audio, voicebot), disjoint from rtpengine's range. */
        rtp: z.strictObject({ portMin: port.default(40000), portMax: port.default(40999) }).prefault({}),
        recordings: z
          .strictObject({
            /** T8: recordings and transcripts are kept at least 3 months; never less. */
            retentionMonths: z.number().int().min(3).max(120).default(3),
          })
          .prefault({}),
      })
      .prefault({}),
    /** The ACD (issue 5): queues and operators are data (`sc queue`, `sc agent`); these are centre-wide. */
    acd: z
      .strictObject({
        /** Offers an operator may miss in a row (no answer, refused) before the ACD sets it not ready (不在着信). */
        missesToNotReady: z.number().int().min(1).max(10).default(2),
        /** 待ち呼警告灯 for the whole centre (T5): raised at raiseAt waiting callers, cleared at clearAt or fewer. */
        alarm: z
          .strictObject({ raiseAt: z.number().int().min(1).max(10_000).default(10), clearAt: z.number().int().min(0).max(10_000).default(5) })
          .prefault({}),
        /** The interpreting service joined to a call as a third party (T10), as digits dialled over the trunk. */
        interpreterNumber: z.string().regex(/^[0-9]{6,15}$/).optional(),
      })
      .prefault({}),
    /** The call-control process's health endpoint (SIP counters for the supervisor and SNMP). */
    callControl: listener(8082),
    console: z
      .strictObject({
        address: address.default('127.0.0.1'),
        port: port.default(8080),
        /** Set when the console is reached over TLS (through the appliance's reverse proxy). */
        secureCookies: z.boolean().default(false),
        /** Addresses of reverse proxies whose X-Forwarded-For names the real client. */
        trustedProxies: z.array(address).default([]),
        sessionHours: z.number().positive().max(24).default(12),
        idleMinutes: z.number().int().positive().max(24 * 60).default(60),
      })
      .prefault({}),
    faqPublic: listener(8081),
    auth: z
      .strictObject({
        minPasswordLength: z.number().int().min(8).max(128).default(10),
        /** Failed logins allowed per user name (or per address) inside the window before a lock. */
        maxFailures: z.number().int().min(1).default(5),
        failureWindowMinutes: z.number().int().min(1).default(15),
        lockMinutes: z.number().int().min(1).default(15),
      })
      .prefault({}),
    supervisor: z
      .strictObject({
        restartInitialMs: z.number().int().min(10).default(500),
        restartMaxMs: z.number().int().min(100).default(30_000),
        /** A child that ran this long is healthy again and its back-off starts over. */
        stableAfterMs: z.number().int().min(100).default(60_000),
        stopTimeoutMs: z.number().int().min(100).default(10_000),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const used = new Map<string, string>();
    const claim = (key: string, addr: string, p: number) => {
      const id = `${addr}:${p}`;
      const other = used.get(id);
      if (other) ctx.addIssue({ code: 'custom', path: key.split('.'), message: `port ${p} on ${addr} is already used by ${other}` });
      used.set(id, key);
    };
    claim('console.port', c.console.address, c.console.port);
    claim('faqPublic.port', c.faqPublic.address, c.faqPublic.port);
    claim('callControl.port', c.callControl.address, c.callControl.port);
    if (c.sip.transports.includes('tcp')) claim('sip.port', c.sip.address, c.sip.port);
    if (c.sip.transports.includes('tls')) {
      claim('sip.tlsPort', c.sip.address, c.sip.tlsPort);
      if (!c.sip.tls) ctx.addIssue({ code: 'custom', path: ['sip', 'tls'], message: 'certFile and keyFile are needed when sip.transports lists tls' });
    }
    if (c.sip.timers.t2Ms < c.sip.timers.t1Ms) ctx.addIssue({ code: 'custom', path: ['sip', 'timers', 't2Ms'], message: 'must not be below sip.timers.t1Ms' });
    if (c.sip.minSeS > c.sip.sessionExpiresS) ctx.addIssue({ code: 'custom', path: ['sip', 'minSeS'], message: 'must not be above sip.sessionExpiresS' });
    const r = c.sip.registrar;
    if (r.minExpiresS > r.defaultExpiresS || r.defaultExpiresS > r.maxExpiresS) {
      ctx.addIssue({ code: 'custom', path: ['sip', 'registrar'], message: 'needs minExpiresS <= defaultExpiresS <= maxExpiresS' });
    }
    const m = c.media;
    claim('media.rtpengine.ngPort', '127.0.0.1', m.rtpengine.ngPort);
    claim('media.rtpengine.dtmfLogPort', '127.0.0.1', m.rtpengine.dtmfLogPort);
    const ranges: [string, number, number][] = [
      ['media.rtpengine.portMin', m.rtpengine.portMin, m.rtpengine.portMax],
      ['media.rtp.portMin', m.rtp.portMin, m.rtp.portMax],
    ];
    for (const [key, lo, hi] of ranges) {
      // rtpengine and our endpoint take even RTP ports with the odd RTCP port above them.
      if (hi - lo < 3) ctx.addIssue({ code: 'custom', path: key.split('.'), message: 'the port range must hold at least two ports (min < max)' });
    }
    const [a, b] = ranges;
    if (a![1] <= b![2] && b![1] <= a![2]) ctx.addIssue({ code: 'custom', path: ['media', 'rtp', 'portMin'], message: 'overlaps media.rtpengine.portMin..portMax' });
    const singles: [string, number][] = [
      ['sip.port', c.sip.port],
      ['sip.tlsPort', c.sip.tlsPort],
      ['media.rtpengine.ngPort', m.rtpengine.ngPort],
      ['media.rtpengine.dtmfLogPort', m.rtpengine.dtmfLogPort],
    ];
    for (const [key, p] of singles) {
      const inside = ranges.find(([, lo, hi]) => p >= lo && p <= hi);
      if (inside) ctx.addIssue({ code: 'custom', path: key.split('.'), message: `port ${p} lies inside the RTP range ${inside[0].replace(/Min$/, 'Min..portMax')}` });
    }
    const names = c.sip.trunks.map((t) => t.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['sip', 'trunks'], message: `trunk name ${dup} is used twice` });
    if (c.acd.alarm.clearAt >= c.acd.alarm.raiseAt) ctx.addIssue({ code: 'custom', path: ['acd', 'alarm', 'clearAt'], message: 'must be below acd.alarm.raiseAt' });
    if (c.supervisor.restartMaxMs < c.supervisor.restartInitialMs) {
      ctx.addIssue({ code: 'custom', path: ['supervisor', 'restartMaxMs'], message: 'must not be below supervisor.restartInitialMs' });
    }
  });

export type Config = z.infer<typeof schema>;
export type ConfigInput = z.input<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? issue.path.join('.') + '.' : '';
    return `${issue.keys.map((k) => where + k).join(', ')}: unknown key`;
  }
  return `${key}: ${issue.message}`;
}

/** Validate a configuration object (already read from YAML). */
export function parseConfig(input: unknown, source = 'config'): Config {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    throw new ConfigError(`${source}: ${first ? describeIssue(first) : 'invalid'}`);
  }
  return result.data;
}

/** Defaults, then `SC_CONFIG`'s YAML file, then `SC_DATA_DIR`; dataDir comes back absolute. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let input: unknown = {};
  const file = env.SC_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`${file}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    try {
      input = parseYaml(text) ?? {};
    } catch (e) {
      if (e instanceof YAMLParseError) {
        const pos = e.linePos?.[0];
        throw new ConfigError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: malformed YAML: ${e.message.split('\n')[0]}`);
      }
      throw e;
    }
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new ConfigError(`${file}: the top level must be a mapping of keys`);
    }
  }
  const config = parseConfig(input, file ?? 'config');
  if (env.SC_DATA_DIR) config.dataDir = env.SC_DATA_DIR;
  config.dataDir = resolve(config.dataDir);
  return config;
}

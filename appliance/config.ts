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
      })
      .prefault({}),
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
    if (c.sip.transports.includes('tcp')) claim('sip.port', c.sip.address, c.sip.port);
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

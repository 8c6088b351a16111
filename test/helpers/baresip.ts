/**
 * A headless baresip 1.0.0 softphone for tests, driven over its ctrl_tcp module: netstring-framed JSON,
 * commands {"command","params","token"} answered by {"response":true,"ok","data","token"}, and events
 * {"event":true,"type":"CALL_ESTABLISHED",...} on the same connection.
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endChild, freeUdpPort, spawnTracked, waitForPort } from './sipp.js';

export interface BaresipOptions {
  user: string;
  password?: string;
  /** host:port of the registrar (also the domain of the account's AoR). */
  registrar: string;
  /** SIP port on 127.0.0.1 (baresip also takes the next one, for TLS); a free pair is picked when omitted. */
  sipPort?: number;
  ctrlPort?: number;
  /** WAV sent as the microphone; a 60 s 440 Hz tone when omitted. The call hangs up when the file ends. */
  audioFile?: string;
  answerMode?: 'auto' | 'manual';
  /** Registration interval in seconds; 0 does not register. Default 60. */
  regint?: number;
  /** Folder where baresip's sndfile module writes each call's sent and received audio as WAV. */
  recordDir?: string;
}

/** A ctrl_tcp event: type is REGISTER_OK, CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, ... */
export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  param?: string;
  [key: string]: unknown;
}

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

export interface Baresip {
  user: string;
  /** sip:user@registrar, as baresip names the account. */
  aor: string;
  sipPort: number;
  ctrlPort: number;
  pid: number;
  /** Emits 'event' with each BaresipEvent as it arrives. */
  events: EventEmitter;
  command(cmd: string, params?: string): Promise<BaresipResponse>;
  /**
   * The first event of that type (and matching `filter`) not returned by an earlier waitFor, waiting for it
   * if it has not come yet; so an event that arrives before waitFor is called is not missed.
   */
  waitFor(type: string, timeoutMs?: number, filter?: (e: BaresipEvent) => boolean): Promise<BaresipEvent>;
  dial(uri: string): Promise<BaresipResponse>;
  answer(): Promise<BaresipResponse>;
  hangup(): Promise<BaresipResponse>;
  /** SIGTERM (baresip unregisters first), SIGKILL after 2 s; removes its config folder. */
  stop(): Promise<void>;
  /** What baresip printed so far. */
  output(): string;
}

const MAX_OUTPUT = 256 * 1024;

/** Splits netstrings ("<len>:<payload>,") out of a TCP stream, whatever the chunking. */
class NetstringReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: string[] = [];
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) break;
      const length = Number(this.buffer.subarray(0, colon).toString());
      if (!Number.isInteger(length)) throw new Error(`ctrl_tcp: bad netstring length '${this.buffer.subarray(0, colon).toString()}'`);
      if (this.buffer.length < colon + 1 + length + 1) break;
      out.push(this.buffer.subarray(colon + 1, colon + 1 + length).toString());
      this.buffer = this.buffer.subarray(colon + 1 + length + 1);
    }
    return out;
  }
}

function netstring(payload: string): Buffer {
  const body = Buffer.from(payload);
  return Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]);
}

async function connectWithRetry(port: number, timeoutMs: number): Promise<Socket> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const socket = connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      return socket;
    } catch (err) {
      socket.destroy();
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  if (!/^[^:\s]+:\d+$/.test(opts.registrar)) throw new Error(`registrar '${opts.registrar}' is not host:port`);
  const sipPort = opts.sipPort ?? (await freeUdpPort(2));
  const ctrlPort = opts.ctrlPort ?? (await freeUdpPort(1));
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  let audioFile = opts.audioFile;
  if (!audioFile) {
    audioFile = join(dir, 'tone.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', audioFile, 'synth', '60', 'sine', '440']);
  }
  const config = [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${sipPort}`,
    // As recorded in FIELD-NOTES; every address used here is literal, so no lookup is made.
    'dns_server 127.0.0.1:53',
    'call_local_timeout 120',
    'call_max_calls 4',
    `audio_source aufile,${audioFile}`,
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    ...(opts.recordDir ? ['module sndfile.so', `snd_path ${opts.recordDir}`] : []),
    'module_tmp account.so',
    // menu.so provides the commands (dial, accept, hangup, uanew, ...) that ctrl_tcp runs.
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
  ];
  writeFileSync(join(dir, 'config'), `${config.join('\n')}\n`);
  // The account is added over ctrl_tcp once connected, so its REGISTER_OK or REGISTER_FAIL is not missed.
  writeFileSync(join(dir, 'accounts'), '');

  const child = spawnTracked('baresip', ['-4', '-f', dir, '-n', '127.0.0.1'], { cwd: dir });
  let output = '';
  const collect = (d: Buffer) => (output = (output + d.toString()).slice(-MAX_OUTPUT));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('error', (err) => (output += `${err.message}\n`));

  let socket: Socket | undefined;
  const stop = async () => {
    socket?.destroy();
    await endChild(child, 'SIGTERM', 2000);
    rmSync(dir, { recursive: true, force: true });
  };

  const events = new EventEmitter();
  const unclaimed: BaresipEvent[] = [];
  const pending = new Map<string, (r: BaresipResponse) => void>();
  let nextToken = 1;

  try {
    await waitForPort(ctrlPort, 'tcp', child);
    socket = await connectWithRetry(ctrlPort, 5000);
  } catch (err) {
    await stop();
    throw new Error(`baresip did not start: ${(err as Error).message}\n${output}`);
  }
  const reader = new NetstringReader();
  socket.on('data', (chunk: Buffer) => {
    for (const text of reader.push(chunk)) {
      const message = JSON.parse(text) as Record<string, unknown>;
      if (message.response === true) {
        const token = String(message.token ?? '');
        pending.get(token)?.({ ok: message.ok === true, data: String(message.data ?? '') });
        pending.delete(token);
      } else if (message.event === true) {
        const event = message as BaresipEvent;
        unclaimed.push(event);
        events.emit('event', event);
      }
    }
  });
  // A reset when baresip ends is not an error here: 'close' follows and answers what is pending.
  socket.on('error', () => undefined);
  // A closed control connection (baresip ended) must not leave commands waiting forever.
  socket.on('close', () => {
    for (const resolve of pending.values()) resolve({ ok: false, data: 'ctrl_tcp connection closed' });
    pending.clear();
  });

  const command = (cmd: string, params?: string): Promise<BaresipResponse> => {
    const token = String(nextToken++);
    const request: Record<string, string> = { command: cmd, token };
    if (params !== undefined) request.params = params;
    return new Promise((resolve) => {
      pending.set(token, resolve);
      socket?.write(netstring(JSON.stringify(request)));
    });
  };
  const checked = async (cmd: string, params?: string): Promise<BaresipResponse> => {
    const response = await command(cmd, params);
    if (!response.ok) throw new Error(`baresip ${cmd}${params ? ` ${params}` : ''}: ${response.data.trim()}`);
    return response;
  };

  const waitFor = (type: string, timeoutMs = 10_000, filter: (e: BaresipEvent) => boolean = () => true) =>
    new Promise<BaresipEvent>((resolve, reject) => {
      const matches = (e: BaresipEvent) => e.type === type && filter(e);
      const claim = (e: BaresipEvent) => {
        unclaimed.splice(unclaimed.indexOf(e), 1);
        resolve(e);
      };
      const early = unclaimed.find(matches);
      if (early) return claim(early);
      const onEvent = (e: BaresipEvent) => {
        // Another waitFor registered earlier may have claimed it already.
        if (!matches(e) || !unclaimed.includes(e)) return;
        clearTimeout(timer);
        events.off('event', onEvent);
        claim(e);
      };
      const timer = setTimeout(() => {
        events.off('event', onEvent);
        const seen = unclaimed.map((e) => e.type).join(', ') || 'none';
        reject(new Error(`${opts.user}: no ${type} within ${timeoutMs} ms (unclaimed events: ${seen})`));
      }, timeoutMs);
      events.on('event', onEvent);
    });

  const aor = `sip:${opts.user}@${opts.registrar}`;
  const params = [
    `answermode=${opts.answerMode ?? 'auto'}`,
    `regint=${opts.regint ?? 60}`,
    ...(opts.password !== undefined ? [`auth_pass=${opts.password}`] : []),
  ];
  try {
    await checked('uanew', `<${aor};transport=udp>;${params.join(';')}`);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    user: opts.user,
    aor,
    sipPort,
    ctrlPort,
    pid: child.pid ?? 0,
    events,
    command,
    waitFor,
    dial: (uri) => checked('dial', uri),
    answer: () => checked('accept'),
    hangup: () => checked('hangup'),
    stop,
    output: () => output,
  };
}

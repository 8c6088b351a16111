/**
 * One supervised child: a Node process started from its compiled entry point, or another program (rtpengine),
 * its output forwarded line by line under its name, restarted with back-off when it dies. Exit code 2 of a
 * Node entry means the child met a problem a person must fix (config, port, data file); restarting cannot
 * help, so it is reported instead. Other programs' exit codes mean nothing of the kind: they are restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../apps/logger.js';
import { restartDelay, type BackoffPolicy } from './backoff.js';

const CONFIG_ERROR_EXIT = 2;

/**
 * A compiled Node entry point, run with this Node, told what to do when it exits with code 2; or a program
 * and its arguments.
 */
export type ChildCommand = { entry: string; onConfigError: (message: string) => void } | { command: string; args: string[] };

export type ChildOptions = ChildCommand & {
  name: string;
  env: NodeJS.ProcessEnv;
  policy: BackoffPolicy & { stopTimeoutMs: number };
  log: Logger;
};

/** Lines kept from the child's stderr, to name the reason when it gives up with exit code 2. */
const KEPT_LINES = 20;

function forwardLines(from: Readable, prefix: string, to: Writable, seen?: (line: string) => void): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    to.write(`${prefix}${line}\n`);
    seen?.(line);
  });
}

export class SupervisedChild {
  private child: ChildProcess | null = null;
  private closed: Promise<unknown> = Promise.resolve();
  private startedAt = 0;
  private delay = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private stderrTail: string[] = [];

  constructor(private readonly o: ChildOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.restartTimer = null;
    this.startedAt = Date.now();
    this.stderrTail = [];
    const [file, args] = 'entry' in this.o ? [process.execPath, [this.o.entry]] : [this.o.command, this.o.args];
    const child = spawn(file, args, { env: this.o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const prefix = `[${this.o.name}] `;
    forwardLines(child.stdout!, prefix, process.stdout);
    forwardLines(child.stderr!, prefix, process.stderr, (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > KEPT_LINES) this.stderrTail.shift();
    });
    // 'close' comes after the output streams ended, so the child's last words are already read.
    this.closed = once(child, 'close').then(([code, signal]) => this.onClose(code as number | null, signal as NodeJS.Signals | null));
    child.on('error', (e) => this.o.log.error('cannot start the process', { child: this.o.name, error: e.message }));
    this.o.log.info('started', { child: this.o.name, pid: child.pid });
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = null;
    const how = signal ? { signal } : { code };
    if (this.stopping) {
      this.o.log.info('stopped', { child: this.o.name, ...how });
      return;
    }
    if ('entry' in this.o && code === CONFIG_ERROR_EXIT) {
      this.o.onConfigError(this.reason());
      return;
    }
    this.delay = restartDelay(this.delay, Date.now() - this.startedAt, this.o.policy);
    this.o.log.warn('exited; restarting', { child: this.o.name, ...how, restartInMs: this.delay });
    this.restartTimer = setTimeout(() => this.start(), this.delay);
  }

  /** The child's own message: its last unindented stderr line (a stack trace's frames are indented). */
  private reason(): string {
    const line = this.stderrTail.findLast((l) => l.trim() && !/^\s/.test(l));
    return line ?? `${this.o.name} exited with code ${CONFIG_ERROR_EXIT}`;
  }

  /** SIGTERM, then SIGKILL if it has not gone after stopTimeoutMs; no restart afterwards. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => {
      this.o.log.warn('did not stop in time; killing', { child: this.o.name, pid: child.pid });
      child.kill('SIGKILL');
    }, this.o.policy.stopTimeoutMs);
    await this.closed;
    clearTimeout(killer);
  }

  /** For a second Ctrl-C: do not wait any longer. */
  kill(): void {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
  }
}

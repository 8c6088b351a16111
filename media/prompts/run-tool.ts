/**
 * Runs one audio tool (open_jtalk, espeak-ng, sox) with an argument array, never a shell, so prompt text
 * and file names can hold any character. A tool that is missing, fails or hangs becomes a ToolError naming
 * the tool and what it wrote on stderr.
 */
import { spawn } from 'node:child_process';

export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    readonly tool: string,
    message: string,
    readonly stderr = '',
  ) {
    super(`${tool}: ${message}${stderr ? `: ${stderr}` : ''}`);
  }
}

export interface RunOptions {
  /** Written to the tool's stdin, which is then closed. */
  input?: string;
  timeoutMs: number;
}

/** The last lines a tool wrote, enough to say what went wrong without flooding a log. */
const tail = (s: string) => s.trim().split('\n').slice(-5).join(' | ').slice(0, 600);

export function runTool(binary: string, args: string[], o: RunOptions): Promise<{ stdout: string; stderr: string }> {
  const tool = binary.split('/').pop() ?? binary;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A tool that exits before reading its input makes the write fail with EPIPE: the exit code tells more.
    child.stdin.on('error', () => {});
    child.stdin.end(o.input ?? '');
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ToolError(tool, e.code === 'ENOENT' ? `not installed (${binary} not found)` : e.message));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new ToolError(tool, `timed out after ${o.timeoutMs} ms`, tail(stderr)));
      else if (code !== 0) reject(new ToolError(tool, `exit ${code ?? signal}`, tail(stderr)));
      else resolve({ stdout, stderr });
    });
  });
}

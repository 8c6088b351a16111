/** Reading a password for `sc user`: hidden and asked twice on a terminal, one line from a pipe. */
import { createInterface } from 'node:readline';
import { UserError } from '../runtime.js';

async function readLine(prompt: string, hidden: boolean, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  const rl = createInterface({ input, output, terminal: hidden });
  if (hidden) {
    // Echo nothing of what is typed: readline writes keystrokes through _writeToOutput.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(prompt)) output.write(prompt);
    };
  }
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(prompt, resolve);
      rl.once('close', () => reject(new Error('no password given on standard input')));
    });
  } finally {
    rl.removeAllListeners('close');
    rl.close();
    if (hidden) output.write('\n');
  }
}

export async function readSecret(label: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!input.isTTY) return readLine('', false, input, output);
  const first = await readLine(`${label}: `, true, input, output);
  const again = await readLine(`${label} (again): `, true, input, output);
  if (first !== again) throw new UserError('the two entries differ; nothing changed');
  return first;
}

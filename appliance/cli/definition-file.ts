/**
 * A definition a `set` command saves (call flows, queues): a JSON or YAML file checked by the app's parser.
 * Whatever is wrong (unreadable, malformed, a bad key) becomes one line naming the file, so nothing is saved.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../runtime.js';

export function readDefinitionFile<T>(file: string, parse: (input: unknown) => T, refusal: new (...args: never[]) => Error): T {
  let input: unknown;
  try {
    input = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return parse(input);
  } catch (e) {
    if (e instanceof refusal) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }
}

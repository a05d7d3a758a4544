// The Worker's secrets on this machine, made the same way for every entry point
// that starts the stack (npm run dev, the benchmarks, the end-to-end tests): kept
// in the ignored .dev.vars (mode 0600) that `wrangler dev` reads, generated the
// first time, checked with the Worker's own rules (src/config.ts) every time.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_NAMES, type SecretName, secretProblem } from '../../src/config.ts';

export type Secrets = Record<SecretName, string>;

const generateSecret = () => randomBytes(32).toString('hex');

/** Fresh values for every secret (the test pool gets these: nothing to keep between runs). */
export function generateSecrets(): Secrets {
  return Object.fromEntries(SECRET_NAMES.map((name) => [name, generateSecret()])) as Secrets;
}

/** KEY=VALUE lines as wrangler reads them (dotenv): the last assignment of a key wins. */
function parseDevVars(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars.set(match[1]!, match[2]!.replace(/^(['"])(.*)\1$/, '$2'));
  }
  return vars;
}

/**
 * The secrets in <root>/.dev.vars, each missing one generated and appended.
 * A value that is there but unusable (the example's placeholder, too short) is
 * the developer's own: one error naming it, never silently replaced.
 */
export function ensureDevVars(root: string, log: (message: string) => void = () => {}): Secrets {
  const path = join(root, '.dev.vars');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const vars = parseDevVars(text);
  const added: string[] = [];
  for (const name of SECRET_NAMES) {
    const value = vars.get(name);
    if (value === undefined || value === '') {
      const fresh = generateSecret();
      text += `${text && !text.endsWith('\n') ? '\n' : ''}${name}=${fresh}\n`;
      vars.set(name, fresh);
      added.push(name);
      continue;
    }
    const problem = secretProblem(value);
    if (problem) {
      throw new Error(`${name} in ${path} ${problem}: delete that line and run \`npm run dev\` to generate one`);
    }
  }
  if (added.length > 0) {
    writeFileSync(path, text, { mode: 0o600 });
    log(`generated ${added.join(' and ')} into .dev.vars`);
  }
  // Secrets: readable by this user only, also when the file was made by hand.
  chmodSync(path, 0o600);
  return Object.fromEntries(SECRET_NAMES.map((name) => [name, vars.get(name)!])) as Secrets;
}

// The local stack's own guarantees, checked from Node: secrets made one way for
// every entry point, per-state-directory Postgres passwords, an unprivileged
// app role, the proxy refusing browsers, a clear word when the install skipped
// its scripts, and CI running from a bare archive in private directories.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { credentialsFor } from '../../scripts/lib/postgres.ts';
import { generatedFilesProblem } from '../../scripts/lib/preflight.ts';
import { ensureDevVars } from '../../scripts/lib/secrets.ts';
import { ROOT } from '../../scripts/lib/stack.ts';
import { startWsProxy } from '../../scripts/lib/ws-proxy.ts';

const temporary: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'raven-stack-test-'));
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});
const mode = (path: string) => statSync(path).mode & 0o777;

describe('secrets (.dev.vars)', () => {
  it('are generated once, 0600, and reused', () => {
    const root = tempDir();
    const first = ensureDevVars(root);
    expect(first.JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(first.WEBHOOK_SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(first.WEBHOOK_SECRET_KEY).not.toBe(first.JWT_SECRET);
    expect(mode(join(root, '.dev.vars'))).toBe(0o600);
    expect(ensureDevVars(root)).toEqual(first);
  });

  it('only the missing one is added to a .dev.vars that has the other', () => {
    const root = tempDir();
    const jwt = 'a'.repeat(40);
    writeFileSync(join(root, '.dev.vars'), `JWT_SECRET="${jwt}"\nOTHER=1`);
    const secrets = ensureDevVars(root);
    expect(secrets.JWT_SECRET).toBe(jwt);
    expect(readFileSync(join(root, '.dev.vars'), 'utf8')).toMatch(
      new RegExp(`^JWT_SECRET="${jwt}"\\nOTHER=1\\nWEBHOOK_SECRET_KEY=[0-9a-f]{64}\\n$`),
    );
  });

  it('a copied .dev.vars.example is one error naming the variable and what to do', () => {
    const root = tempDir();
    writeFileSync(join(root, '.dev.vars'), readFileSync(join(ROOT, '.dev.vars.example')));
    expect(() => ensureDevVars(root)).toThrow(
      /^JWT_SECRET in .*\.dev\.vars is the \.dev\.vars\.example placeholder: delete that line and run `npm run dev`/,
    );
  });
});

describe('the embedded Postgres', () => {
  it('gets random passwords per state directory, stored 0600 and reused', () => {
    const dir = tempDir();
    const first = credentialsFor(dir);
    expect(first.created).toBe(true);
    expect(first.credentials.app).toMatch(/^[0-9a-f]{48}$/);
    expect(mode(join(dir, 'postgres-credentials.json'))).toBe(0o600);
    expect(credentialsFor(dir)).toEqual({ credentials: first.credentials, created: false });
    expect(credentialsFor(tempDir()).credentials.owner).not.toBe(first.credentials.owner);
  });

  it("of `npm run dev` refuses the old fixed password, and the Worker's role is no superuser", async () => {
    const stateDir = inject('stateDir');
    const port = inject('postgresPort');
    const file = join(stateDir, 'postgres-credentials.json');
    expect(mode(file)).toBe(0o600);
    const { owner, app } = JSON.parse(readFileSync(file, 'utf8'));
    const connect = async (user: string, password: string) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'raven' });
      await client.connect();
      return client;
    };
    await expect(connect('raven', 'raven-local')).rejects.toMatchObject({ code: '28P01' });
    await (await connect('raven', owner)).end();
    const client = await connect('raven_app', app);
    try {
      const { rows } = await client.query('select rolsuper from pg_roles where rolname = current_user');
      expect(rows).toEqual([{ rolsuper: false }]);
      await expect(client.query("copy (select 1) to program 'true'")).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });
});

describe('the WebSocket proxy', () => {
  it('refuses a request addressed to a non-loopback name (DNS rebinding) and one with an Origin', async () => {
    const proxy = await startWsProxy({ host: '127.0.0.1', port: 1 });
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: proxy.port, path: '/nothing', headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await status({})).toBe(404);
      expect(await status({ Host: `localhost:${proxy.port}` })).toBe(404);
      expect(await status({ Host: `evil.example:${proxy.port}` })).toBe(403);
      expect(await status({ Origin: 'http://localhost:3000' })).toBe(403);
    } finally {
      await proxy.close();
    }
  });
});

describe('an install that skipped its scripts', () => {
  it('is told to run the postinstall step instead of failing inside esbuild', () => {
    expect(generatedFilesProblem(ROOT)).toBeUndefined();
    expect(generatedFilesProblem(tempDir())).toMatch(
      /^src\/generated\/wasm\/argon2\.wasm, .* are missing .*npm ci --ignore-scripts.*: run `npm run postinstall` \(or `node scripts\/extract-wasm\.ts`\)/,
    );
  });
});

describe('.ci/run', () => {
  const exec = promisify(execFile);
  /**
   * Runs a copy of .ci/run in a small git repository (with untracked files a
   * working copy has) under stub `node`/`npm` that record where they were
   * called and stop it at the first npm step.
   */
  async function ciWithStubs(nodeIsOld: boolean): Promise<string> {
    const repo = tempDir();
    const git = (...args: string[]) =>
      exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.test', '-C', repo, ...args]);
    await git('init', '-q');
    writeFileSync(join(repo, 'package.json'), '{}\n');
    mkdirSync(join(repo, '.ci'));
    mkdirSync(join(repo, 'test'));
    writeFileSync(join(repo, 'test', 'a.test.ts'), '\n');
    writeFileSync(join(repo, '.ci', 'run'), readFileSync(join(ROOT, '.ci', 'run')));
    await git('add', '.');
    await git('commit', '-qm', 'fixture');
    // What a developer's working copy has beside the committed files.
    writeFileSync(join(repo, '.dev.vars'), 'JWT_SECRET=x\n');
    mkdirSync(join(repo, 'node_modules', 'x'), { recursive: true });
    mkdirSync(join(repo, '.wrangler'));
    const stubs = tempDir();
    const log = join(stubs, 'log');
    const stub = (name: string, body: string) => {
      writeFileSync(join(stubs, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(stubs, name), 0o755);
    };
    stub('node', nodeIsOld ? 'exit 1' : `exec "${process.execPath}" "$@"`);
    stub(
      'npm',
      `[ "$1" = --version ] && { echo 10.0.0; exit 0; }\n{ echo "npm $*"; echo "cwd $(pwd)"; ls -A; } >> "${log}"; exit 7`,
    );
    await expect(
      exec('bash', [join(repo, '.ci', 'run')], { env: { ...process.env, PATH: `${stubs}:/usr/bin:/bin` } }),
    ).rejects.toMatchObject({ code: 7 });
    return readFileSync(log, 'utf8');
  }

  it('installs an old machine its Node into a fresh private directory, then removes it', async () => {
    const first = await ciWithStubs(true);
    const prefix = /^npm install --prefix (\S+) /m.exec(first)?.[1];
    expect(prefix).toBeDefined();
    expect(prefix!.startsWith(`${tmpdir()}/`) || prefix!.startsWith('/tmp/')).toBe(true);
    expect(prefix).not.toMatch(/raven-node/);
    expect(existsSync(prefix!)).toBe(false);
    const second = /^npm install --prefix (\S+) /m.exec(await ciWithStubs(true))?.[1];
    expect(second).not.toBe(prefix);
  });

  it('runs from a bare `git archive HEAD` with nothing beside it', async () => {
    const log = await ciWithStubs(false);
    expect(log).toMatch(/^npm ci /m);
    const cwd = /^cwd (\S+)$/m.exec(log)?.[1];
    expect(cwd).toBeDefined();
    expect(cwd).not.toContain('raven-stack-test-');
    const listing = log.split('\n');
    expect(listing).toContain('package.json');
    expect(listing).toContain('test');
    for (const absent of ['node_modules', '.git', '.dev.vars', '.wrangler']) expect(listing).not.toContain(absent);
    expect(existsSync(cwd!)).toBe(false);
  });
});

// The `raven pkg` journey end to end, over real HTTP, against `npm run dev`:
// register, login, publish every fixture the way the CLI does, read with a
// strict reader, search, install raven-forms ^1.0.0 by resolving versions with
// Cargo's rules, verify checksums, yank, refresh, revoke.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { metadataFromTarball, publish } from '../../scripts/lib/raven-client.ts';
import { ROOT } from '../../scripts/lib/stack.ts';
import { cargoToNodeRange } from '../../src/lib/versions.ts';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'ravensone-packages');
const base = () => `${inject('registryUrl')}/api/v1`;

// What the CLI's serde structs accept: strings are never null, counts are unsigned integers.
const Str = z.string();
const Count = z.number().int().nonnegative();
const Timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
const PackageInfo = z.object({
  name: Str,
  description: Str,
  latest_version: Str,
  versions: z.array(Str),
  owner: z.object({ username: Str, user_id: Str }),
  license: Str,
  repository: Str,
  homepage: Str,
  keywords: z.array(Str),
  downloads_total: Count,
  downloads_last_month: Count,
  created_at: Timestamp,
  updated_at: Timestamp,
});
const VersionInfo = z.object({
  name: Str,
  version: Str,
  description: Str,
  authors: z.array(Str),
  license: Str,
  repository: Str,
  dependencies: z.record(Str, z.unknown()),
  dev_dependencies: z.record(Str, z.unknown()),
  published_at: Timestamp,
  download_url: Str,
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  size_bytes: Count,
  yanked: z.boolean(),
});
const SearchReply = z.object({
  results: z.array(
    z.object({
      name: Str,
      version: Str,
      description: Str,
      keywords: z.array(Str),
      downloads: Count,
      score: z.number().min(0).max(1),
    }),
  ),
  total: Count,
  limit: Count,
  offset: Count,
});
const ErrorBody = z.object({ error: Str, message: Str });

async function request(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (typeof init.body === 'string') headers.set('content-type', 'application/json');
  const res = await fetch(`${base()}${path}`, { ...init, headers });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.tar.gz'))
  .map((file) => ({ file, bytes: new Uint8Array(readFileSync(join(FIXTURES, file))) }));

describe('the raven pkg journey', () => {
  const stamp = Date.now().toString(36);
  const account = { username: `cli-${stamp}`, email: `cli-${stamp}@example.test`, password: 'journey passphrase 42' };
  let token = '';

  beforeAll(async () => {
    const { status, body } = await request('/auth/register', { method: 'POST', body: JSON.stringify(account) });
    expect(status).toBe(201);
    expect(body.token).toMatch(/^rvn_/);
  });

  it('logs in', async () => {
    const { status, body } = await request('/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: account.email, password: account.password }),
    });
    expect(status).toBe(200);
    expect(body.user.username).toBe(account.username);
    token = body.token;
  });

  it('publishes every fixture exactly as the CLI uploads it', async () => {
    for (const { file, bytes } of fixtures) {
      const res = await publish(base(), token, bytes);
      const body = await res.json();
      expect(res.status, `${file}: ${JSON.stringify(body)}`).toBe(201);
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect(body.checksum).toBe(`sha256:${sha}`);
      expect(body.download_url).toBe(`${base()}/packages/${body.name}/${body.version}/download`);
    }
  });

  it('reads package and version info as a strict reader would', async () => {
    for (const { bytes } of fixtures) {
      const meta = await metadataFromTarball(bytes);
      const pkg = await request(`/packages/${meta.name}`);
      expect(pkg.status).toBe(200);
      const info = PackageInfo.parse(pkg.body);
      expect(info.versions).toEqual([meta.version]);
      expect(info.latest_version).toBe(meta.version);
      expect(info.owner.username).toBe(account.username);
      const ver = await request(`/packages/${meta.name}/${meta.version}`);
      expect(ver.status).toBe(200);
      const version = VersionInfo.parse(ver.body);
      expect(version.size_bytes).toBe(bytes.length);
      expect(version.dependencies).toEqual(meta.dependencies);
    }
  });

  it('finds packages by search', async () => {
    const { status, body } = await request('/search?q=forms%20validation');
    expect(status).toBe(200);
    const reply = SearchReply.parse(body);
    expect(reply.results[0]?.name).toBe('raven-forms');
  });

  it('installs raven-forms ^1.0.0 with its dependencies, checksums verified', async () => {
    const installed = new Map<string, string>();
    const queue: [string, string][] = [['raven-forms', '^1.0.0']];
    while (queue.length) {
      const [name, requirement] = queue.shift()!;
      const info = PackageInfo.parse((await request(`/packages/${name}`)).body);
      const range = cargoToNodeRange(requirement);
      // Like the CLI: the last matching entry of the ascending `versions` list is the newest.
      const chosen = info.versions.filter((v) => semver.satisfies(v, range)).at(-1);
      expect(chosen, `${name} ${requirement}`).toBeDefined();
      installed.set(name, chosen!);
      const version = VersionInfo.parse((await request(`/packages/${name}/${chosen}`)).body);
      const download = await fetch(version.download_url);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/gzip');
      const bytes = new Uint8Array(await download.arrayBuffer());
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(version.checksum);
      for (const [dep, spec] of Object.entries(version.dependencies)) {
        const req = typeof spec === 'string' ? spec : (spec as { version: string }).version;
        if (!installed.has(dep)) queue.push([dep, req]);
      }
    }
    expect(Object.fromEntries(installed)).toEqual({ 'raven-forms': '1.0.0', 'raven-store': '1.0.0' });
  });

  it('yanks a version out of resolution but keeps it downloadable', async () => {
    const yank = await request('/packages/raven-http/0.1.0', { method: 'DELETE', token });
    expect(yank.status).toBe(200);
    expect(yank.body).toMatchObject({ name: 'raven-http', version: '0.1.0', yanked: true });
    const info = await request('/packages/raven-http');
    expect(info.body.versions).toEqual([]);
    const ver = VersionInfo.parse((await request('/packages/raven-http/0.1.0')).body);
    expect(ver.yanked).toBe(true);
    expect((await fetch(ver.download_url)).status).toBe(200);
  });

  it('refreshes the token, and the old one stops working', async () => {
    const refreshed = await request('/auth/refresh', { method: 'POST', token });
    expect(refreshed.status).toBe(200);
    expect((await request('/users/me', { token })).status).toBe(401);
    token = refreshed.body.token;
    expect((await request('/users/me', { token })).status).toBe(200);
  });

  it('revokes a token, which then fails with the contract error body', async () => {
    const created = await request('/users/me/tokens', {
      method: 'POST',
      token,
      body: JSON.stringify({ name: 'laptop' }),
    });
    expect(created.status).toBe(201);
    const revoked = await request(`/users/me/tokens/${created.body.token_id}`, { method: 'DELETE', token });
    expect(revoked.body).toEqual({ token_id: created.body.token_id, revoked: true });
    const after = await request('/users/me', { token: created.body.token });
    expect(after.status).toBe(401);
    expect(ErrorBody.parse(after.body).error).toBe('authentication_required');
  });
});

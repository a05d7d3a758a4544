// Missing or unusable settings: one clear line in the log naming the variable
// and how to set it, the contract's opaque 500 to the client, and no webhook
// work without WEBHOOK_SECRET_KEY (no fallback to JWT_SECRET).
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { ConfigError, loadConfig, webhookSecretKey } from '../../src/config';
import worker from '../../src/index';
import { uniqueIp } from '../helpers/client';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';
import { receiverEndpoint } from '../helpers/webhooks';

const PLACEHOLDER = 'replace-with-64-random-hex-chars'; // .dev.vars.example's value, 32 characters
const good = { DATABASE_URL: 'postgres://u:p@h/db', JWT_SECRET: 'j'.repeat(64), WEBHOOK_SECRET_KEY: 'w'.repeat(64) };

function configErrorOf(vars: Record<string, string | undefined>): string {
  try {
    loadConfig({ ...good, ...vars });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

async function request(overrides: Record<string, unknown>, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('cf-connecting-ip', uniqueIp());
  headers.set('x-request-id', 'req-config-0001');
  const ctx = createExecutionContext();
  const res = await createApp().request(
    `http://registry.test${path}`,
    { ...init, headers },
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('secrets', () => {
  it('a missing JWT_SECRET names itself and both ways to set it', () => {
    expect(configErrorOf({ JWT_SECRET: undefined })).toBe(
      'JWT_SECRET is missing: run `npm run dev` once to generate .dev.vars, or `wrangler secret put JWT_SECRET` in production',
    );
  });

  it('the .dev.vars.example placeholders are refused for JWT_SECRET and WEBHOOK_SECRET_KEY', () => {
    expect(PLACEHOLDER.length).toBeGreaterThanOrEqual(32);
    expect(configErrorOf({ JWT_SECRET: PLACEHOLDER })).toMatch(/^JWT_SECRET is the \.dev\.vars\.example placeholder: /);
    expect(configErrorOf({ WEBHOOK_SECRET_KEY: PLACEHOLDER })).toMatch(
      /^WEBHOOK_SECRET_KEY is the \.dev\.vars\.example placeholder: .*wrangler secret put WEBHOOK_SECRET_KEY/,
    );
    expect(configErrorOf({ WEBHOOK_SECRET_KEY: 'short' })).toMatch(
      /^WEBHOOK_SECRET_KEY must be at least 32 characters/,
    );
  });

  it('several bad settings are one error naming each', () => {
    const message = configErrorOf({ JWT_SECRET: '', TOKEN_TTL_DAYS: 'soon' });
    expect(message).toMatch(
      /^JWT_SECRET is missing: .*; TOKEN_TTL_DAYS is invalid .*: set it under \[vars\] in wrangler\.toml/,
    );
    expect(message).not.toMatch(/\n|ZodError|"code"/);
  });

  it('webhook work has no key without WEBHOOK_SECRET_KEY, whatever JWT_SECRET is', () => {
    const config = loadConfig({ ...good, WEBHOOK_SECRET_KEY: undefined });
    expect(config.JWT_SECRET).toBe(good.JWT_SECRET);
    expect(() => webhookSecretKey(config)).toThrow(
      'WEBHOOK_SECRET_KEY is missing: run `npm run dev` once to generate .dev.vars, or `wrangler secret put WEBHOOK_SECRET_KEY` in production',
    );
    expect(webhookSecretKey(loadConfig(good))).toBe(good.WEBHOOK_SECRET_KEY);
  });
});

describe('the Worker with a bad setting', () => {
  it('answers the contract 500 and logs one line, once, with no ZodError or stack', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    // A combination no other test uses, so this isolate has not logged it yet.
    const broken = { JWT_SECRET: 'too-short', RATE_LIMIT_LOGIN_PER_HOUR: '-3' };
    for (let i = 0; i < 3; i++) {
      const res = await request(broken, '/api/v1/users/someone');
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: 'internal_error',
        message: expect.any(String),
        details: { request_id: 'req-config-0001' },
      });
    }
    const lines = errors.mock.calls.map((args) => args.map(String).join(' '));
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!);
    expect(logged).toEqual({
      level: 'error',
      msg: 'invalid configuration',
      error: expect.stringMatching(/^JWT_SECRET must be at least 32 characters: .*; RATE_LIMIT_LOGIN_PER_HOUR /),
    });
    expect(lines[0]).not.toMatch(/ZodError|too-short|\\n|at \w+ \(/);
  });

  it('the cron sweep and the queue consumer stop quietly (the one line, no stack) and the messages come back', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken = { ...env, DATABASE_URL: '', WEBHOOK_TIMEOUT_MS: '-9' } as Env;
    for (let i = 0; i < 2; i++) {
      await worker.scheduled!(createScheduledController({ cron: '* * * * *' }), broken, createExecutionContext());
    }
    const batch = createMessageBatch('raven-webhooks', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: { delivery_id: crypto.randomUUID() } },
    ]);
    await worker.queue!(batch, broken);
    expect((await getQueueResult(batch, createExecutionContext())).retryBatch.retry).toBe(true);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]![0])).toMatch(
      /"error":"DATABASE_URL is missing: .*WEBHOOK_TIMEOUT_MS is invalid/,
    );
  });

  describe('without WEBHOOK_SECRET_KEY', () => {
    let owner: TestUser;
    let name: string;
    beforeAll(async () => {
      owner = await createUser('cfg');
      name = packageName('cfg');
      await publishPackage(owner.token, name, '1.0.0');
    });

    it('refuses to create a webhook (500) instead of sealing its secret with JWT_SECRET', async () => {
      vi.spyOn(console, 'error').mockImplementation(() => {});
      const post = (overrides: Record<string, unknown>) =>
        request(overrides, `/api/v1/packages/${name}/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: receiverEndpoint('cfg').url }),
        });
      const refused = await post({ WEBHOOK_SECRET_KEY: '' });
      expect(refused.status).toBe(500);
      expect(await refused.json()).toMatchObject({ error: 'internal_error' });
      const list = await request({}, `/api/v1/packages/${name}/webhooks`, {
        headers: { authorization: `Bearer ${owner.token}` },
      });
      expect(((await list.json()) as { webhooks: unknown[] }).webhooks).toEqual([]);
      // The same request with the key set works: the refusal was the missing key.
      expect((await post({})).status).toBe(201);
    });
  });
});

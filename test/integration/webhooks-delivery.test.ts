// Webhook deliveries end to end: the real Worker, Miniflare's queue, real HTTP
// to the receiver global-setup runs on 127.0.0.1, real Postgres. Retries come
// back at once here (WEBHOOK_RETRY_BASE_SECONDS=0 in vitest.config.ts); the
// backoff arithmetic is unit-tested, and its use is checked below by calling
// the consumer directly with a different base.
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
} from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import type { AuthContext } from '../../src/env';
import worker from '../../src/index';
import { sweepWebhookOutbox } from '../../src/queue/sweeper';
import { recordEvent } from '../../src/services/events';
import { callJson } from '../helpers/client';
import { ISO, UUID } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';
import {
  type CreatedWebhook,
  createWebhook,
  deliveriesOf,
  failNext,
  type ReceivedRequest,
  received,
  signatureMatches,
  waitFor,
  waitForRequests,
} from '../helpers/webhooks';

async function ownedPackageWithWebhook(events?: string[]) {
  const owner = await createUser('wd');
  const name = packageName('wd');
  await publishPackage(owner.token, name, '1.0.0');
  const hook = await createWebhook(owner.token, name, events);
  return { owner, name, hook };
}

const sweep = (scheduledTime = Date.now()) =>
  worker.scheduled!(createScheduledController({ cron: '* * * * *', scheduledTime }), env, createExecutionContext());

/**
 * "Exactly one": after the first request, give any duplicate every chance to
 * show up - run the sweeper and wait out more than one queue batch - then count.
 */
async function expectExactlyOne(path: string): Promise<ReceivedRequest> {
  await waitForRequests(path, 1);
  await sweep();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const all = await received(path);
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** What every receiver should check, and the shape every delivery has. */
async function expectSignedDelivery(req: ReceivedRequest, hook: CreatedWebhook, event: string) {
  expect(req.method).toBe('POST');
  expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(req.headers['x-raven-event']).toBe(event);
  expect(req.headers['x-raven-delivery']).toMatch(UUID);
  expect(req.headers['x-raven-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  // The receiver checked it on arrival, against its own clock; so do we.
  expect(req.signature).toBe('ok');
  expect(await signatureMatches(hook.secret, req.body, req.headers['x-raven-signature'])).toBe(true);
  const t = Number(/^t=(\d+)/.exec(req.headers['x-raven-signature']!)![1]);
  expect(Math.abs(t - Date.parse(req.received_at) / 1000)).toBeLessThan(5);
  // The check is real: another secret or one changed byte does not verify.
  expect(await signatureMatches(`${hook.secret}x`, req.body, req.headers['x-raven-signature'])).toBe(false);
  expect(await signatureMatches(hook.secret, `${req.body} `, req.headers['x-raven-signature'])).toBe(false);
  return JSON.parse(req.body);
}

/**
 * A dispatched package.deprecated event with one delivery row, written straight
 * into the database (no queue message), for the consumer and sweeper tests.
 */
async function arrangeDelivery(
  hook: CreatedWebhook,
  owner: TestUser,
  name: string,
  delivery: { overdue?: boolean } = {},
): Promise<{ eventId: string; deliveryId: string }> {
  return withDb(async (db) => {
    const eventId = crypto.randomUUID();
    const payload = JSON.stringify({ id: eventId, event: 'package.deprecated', package: name, data: {} });
    await db.execute(sql`
      insert into webhook_events (id, package_id, event, actor_id, payload, dispatched_at)
      select ${eventId}, p.id, 'package.deprecated', ${owner.userId}, ${payload}, now() from packages p where p.name = ${name}`);
    const nextAttempt = delivery.overdue ? sql`now() - interval '10 minutes'` : sql`now()`;
    const r = await db.execute<{ id: string }>(sql`
      insert into webhook_deliveries (webhook_id, event_id, next_attempt_at)
      values (${hook.id}, ${eventId}, ${nextAttempt}) returning id`);
    return { eventId, deliveryId: r.rows[0]!.id };
  });
}

async function onlyDelivery(owner: TestUser, name: string, hook: CreatedWebhook) {
  const deliveries = await waitFor(async () => {
    const list = await deliveriesOf(owner.token, name, hook.id);
    return list.length === 1 && list[0]!.status !== 'pending' ? list : undefined;
  });
  return deliveries[0]!;
}

describe('each event produces exactly one signed delivery', () => {
  it('publishing a new version: package.published', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    const published = await publishPackage(owner.token, name, '1.1.0');

    const req = await expectExactlyOne(hook.path);
    const body = await expectSignedDelivery(req, hook, 'package.published');
    expect(body).toEqual({
      id: expect.stringMatching(UUID),
      event: 'package.published',
      package: name,
      version: '1.1.0',
      actor: { username: owner.username, user_id: owner.userId },
      occurred_at: expect.stringMatching(ISO),
      data: { checksum: published.body.checksum, size_bytes: published.tarball.byteLength },
    });

    const delivery = await onlyDelivery(owner, name, hook);
    expect(delivery).toMatchObject({
      delivery_id: req.headers['x-raven-delivery'],
      event_id: body.id,
      event: 'package.published',
      version: '1.1.0',
      status: 'succeeded',
      completed_at: expect.stringMatching(ISO),
    });
    expect(delivery.attempts).toEqual([
      {
        attempt: 1,
        started_at: expect.stringMatching(ISO),
        duration_ms: expect.any(Number),
        status_code: 200,
        error: '',
      },
    ]);
  });

  it('yanking: package.yanked (and unyanking sends another, with yanked false)', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    const yank = await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: owner.token });
    expect(yank.status).toBe(200);

    const req = await expectExactlyOne(hook.path);
    const body = await expectSignedDelivery(req, hook, 'package.yanked');
    expect(body).toMatchObject({
      event: 'package.yanked',
      package: name,
      version: '1.0.0',
      actor: { username: owner.username, user_id: owner.userId },
      data: { yanked: true, yanked_at: yank.body.yanked_at },
    });

    const unyank = await callJson(`/packages/${name}/1.0.0/unyank`, { method: 'PUT', token: owner.token });
    expect(unyank.status).toBe(200);
    const both = await waitForRequests(hook.path, 2);
    const second = await expectSignedDelivery(both[1]!, hook, 'package.yanked');
    expect(second).toMatchObject({ version: '1.0.0', data: { yanked: false, yanked_at: '' } });
    expect(second.id).not.toBe(body.id);
    expect(both[1]!.headers['x-raven-delivery']).not.toBe(req.headers['x-raven-delivery']);
  });

  it('deprecating: package.deprecated (no version; the message in data)', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    const res = await callJson(`/packages/${name}/deprecate`, {
      method: 'PUT',
      token: owner.token,
      json: { message: 'Use raven-forms instead.' },
    });
    expect(res.status).toBe(200);

    const req = await expectExactlyOne(hook.path);
    const body = await expectSignedDelivery(req, hook, 'package.deprecated');
    expect(body).toEqual({
      id: expect.stringMatching(UUID),
      event: 'package.deprecated',
      package: name,
      actor: { username: owner.username, user_id: owner.userId },
      occurred_at: expect.stringMatching(ISO),
      data: { deprecated: true, message: 'Use raven-forms instead.', deprecated_at: res.body.deprecated_at },
    });
  });

  it('a webhook only hears the events it subscribed to', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook(['package.yanked']);
    await publishPackage(owner.token, name, '1.1.0');
    await callJson(`/packages/${name}/deprecate`, { method: 'PUT', token: owner.token, json: { message: 'old' } });
    expect((await callJson(`/packages/${name}/1.1.0`, { method: 'DELETE', token: owner.token })).status).toBe(200);

    const req = await expectExactlyOne(hook.path);
    expect(req.headers['x-raven-event']).toBe('package.yanked');
    const deliveries = await deliveriesOf(owner.token, name, hook.id);
    expect(deliveries.map((d) => d.event)).toEqual(['package.yanked']);
  });

  it('every webhook of the package gets its own delivery, signed with its own secret', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    const second = await createWebhook(owner.token, name);
    await callJson(`/packages/${name}/deprecate`, { method: 'PUT', token: owner.token, json: { message: 'bye' } });
    const [a] = await waitForRequests(hook.path);
    const [b] = await waitForRequests(second.path);
    expect(a!.body).toBe(b!.body);
    expect(a!.headers['x-raven-delivery']).not.toBe(b!.headers['x-raven-delivery']);
    expect(await signatureMatches(hook.secret, a!.body, a!.headers['x-raven-signature'])).toBe(true);
    expect(await signatureMatches(second.secret, b!.body, b!.headers['x-raven-signature'])).toBe(true);
    expect(await signatureMatches(hook.secret, b!.body, b!.headers['x-raven-signature'])).toBe(false);
  });
});

describe('retries', () => {
  it('a receiver that fails twice then succeeds gets the event on the third try; deliveries show all three', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    await failNext(hook.path, 2, { status: 503 });
    await callJson(`/packages/${name}/deprecate`, { method: 'PUT', token: owner.token, json: { message: 'retry me' } });

    const requests = await waitForRequests(hook.path, 3);
    expect(requests.map((r) => r.status)).toEqual([503, 503, 200]);
    // The same delivery each time: same id, same bytes; only the attempt number moves, and each
    // attempt is signed when it is sent, so a retry hours later is still inside the receiver's window.
    expect(new Set(requests.map((r) => r.headers['x-raven-delivery'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(requests.map((r) => r.signature)).toEqual(['ok', 'ok', 'ok']);
    expect(requests.map((r) => r.headers['x-raven-attempt'])).toEqual(['1', '2', '3']);
    await expectSignedDelivery(requests[2]!, hook, 'package.deprecated');

    const delivery = await onlyDelivery(owner, name, hook);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.delivery_id).toBe(requests[0]!.headers['x-raven-delivery']);
    expect(delivery.attempts.map((a) => [a.attempt, a.status_code, a.error])).toEqual([
      [1, 503, 'HTTP 503'],
      [2, 503, 'HTTP 503'],
      [3, 200, ''],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await received(hook.path)).toHaveLength(3);
  });

  it('a receiver that does not answer in time is a failed attempt (status 0), then retried', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    await failNext(hook.path, 1, { delayMs: 4_000 }); // WEBHOOK_TIMEOUT_MS is 2000 in tests
    await callJson(`/packages/${name}/deprecate`, { method: 'PUT', token: owner.token, json: { message: 'slow' } });
    await waitForRequests(hook.path, 2);
    const delivery = await onlyDelivery(owner, name, hook);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts).toHaveLength(2);
    expect(delivery.attempts[0]).toMatchObject({ attempt: 1, status_code: 0, error: 'No response within 2000 ms.' });
    expect(delivery.attempts[0]!.duration_ms).toBeGreaterThanOrEqual(1_900);
    expect(delivery.attempts[1]).toMatchObject({ attempt: 2, status_code: 200 });
  });
});

// The consumer called directly, on rows
// arranged in the database, so it can run with other settings than the Worker's.
describe('the queue consumer', () => {
  async function pendingDelivery() {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    const ids = await arrangeDelivery(hook, owner, name);
    return { owner, name, hook, ...ids };
  }

  /**
   * One message through the consumer. A hand-made batch rather than
   * createMessageBatch: @cloudflare/vitest-plugin's getQueueResult drops the
   * delaySeconds given to retry(), which is what these tests are about.
   */
  async function consume(deliveryId: string, vars: Record<string, string> = {}) {
    const outcome: { acked: boolean; retry?: QueueRetryOptions } = { acked: false };
    const message = {
      id: crypto.randomUUID(),
      timestamp: new Date(),
      attempts: 1,
      body: { delivery_id: deliveryId },
      ack: () => {
        outcome.acked = true;
      },
      retry: (options?: QueueRetryOptions) => {
        outcome.retry = options ?? {};
      },
    };
    const batch = { queue: 'raven-webhooks', messages: [message] } as unknown as MessageBatch;
    await worker.queue!(batch, { ...env, ...vars } as Env);
    return outcome;
  }

  const makeDue = (deliveryId: string) =>
    withDb((db) => db.execute(sql`update webhook_deliveries set next_attempt_at = now() where id = ${deliveryId}`));

  it('asks the queue to retry with the backoff delay, ignores early duplicates, and gives up after the limit', async () => {
    const { owner, name, hook, deliveryId } = await pendingDelivery();
    await failNext(hook.path, 10, { status: 500 });
    const vars = { WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_RETRY_BASE_SECONDS: '7' };

    expect(await consume(deliveryId, vars)).toEqual({ acked: false, retry: { delaySeconds: 7 } });
    const dueIn = await withDb(async (db) => {
      const r = await db.execute<{ seconds: number }>(sql`
        select extract(epoch from next_attempt_at - now())::float8 as seconds
        from webhook_deliveries where id = ${deliveryId}`);
      return Number(r.rows[0]!.seconds);
    });
    expect(dueIn).toBeGreaterThan(5);
    expect(dueIn).toBeLessThanOrEqual(7);

    // A second copy of the message before the retry is due: acknowledged, nothing sent.
    expect(await consume(deliveryId, vars)).toEqual({ acked: true });
    expect(await received(hook.path)).toHaveLength(1);

    await makeDue(deliveryId);
    expect(await consume(deliveryId, vars)).toEqual({ acked: true });

    const [delivery] = await deliveriesOf(owner.token, name, hook.id);
    expect(delivery).toMatchObject({
      delivery_id: deliveryId,
      status: 'failed',
      completed_at: expect.stringMatching(ISO),
    });
    expect(delivery!.attempts.map((a) => a.status_code)).toEqual([500, 500]);

    // Final is final: another message changes nothing.
    await consume(deliveryId, vars);
    expect(await received(hook.path)).toHaveLength(2);
  });

  it('refuses to send to a target the current policy rejects (no local targets in production)', async () => {
    const { owner, name, hook, deliveryId } = await pendingDelivery();
    expect(await consume(deliveryId, { WEBHOOKS_ALLOW_LOCAL: 'false' })).toEqual({ acked: true });
    const [delivery] = await deliveriesOf(owner.token, name, hook.id);
    expect(delivery!.status).toBe('failed');
    expect(delivery!.attempts[0]!.error).toMatch(/^Target refused/);
    expect(await received(hook.path)).toHaveLength(0);
  });

  it('fails a delivery whose secret no longer opens (the sealing key changed) without sending it', async () => {
    const { owner, name, hook, deliveryId } = await pendingDelivery();
    const result = await consume(deliveryId, { WEBHOOK_SECRET_KEY: 'another-key-0123456789abcdef0123456789abcdef' });
    expect(result).toEqual({ acked: true });
    const [delivery] = await deliveriesOf(owner.token, name, hook.id);
    expect(delivery!.status).toBe('failed');
    expect(delivery!.attempts[0]!.error).toMatch(/secret could not be unsealed/);
    expect(await received(hook.path)).toHaveLength(0);
  });

  it('acknowledges messages it cannot read, and deliveries that no longer exist', async () => {
    const batch = createMessageBatch('raven-webhooks', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: { nope: true } },
      { id: 'm2', timestamp: new Date(), attempts: 1, body: { delivery_id: crypto.randomUUID() } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['m1', 'm2']);
  });
});

describe('the outbox survives a failure between the commit and the queue send', () => {
  it('an event committed but never dispatched is delivered by the cron sweeper, once', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    // What a publish/deprecate transaction commits, with the request dying before dispatch.
    const database = createDatabase(env.DATABASE_URL, env.WS_PROXY);
    const actor: AuthContext = {
      userId: owner.userId,
      username: owner.username,
      tokenId: crypto.randomUUID(),
      tokenKind: 'session',
      scopes: [],
      packagePattern: null,
    };
    try {
      await database.transaction(async (tx) => {
        const result = await tx.execute<{ id: string }>(sql`select id from packages where name = ${name}`);
        await recordEvent(tx, actor, {
          event: 'package.deprecated',
          packageId: result.rows[0]!.id,
          packageName: name,
          data: { deprecated: true, message: 'swept', deprecated_at: new Date().toISOString() },
        });
      });
    } finally {
      await database.close();
    }
    const before = await withDb(async (db) => {
      const r = await db.execute<{ dispatched: boolean; deliveries: number }>(sql`
        select e.dispatched_at is not null as dispatched,
          (select count(*)::int from webhook_deliveries d where d.event_id = e.id) as deliveries
        from webhook_events e join packages p on p.id = e.package_id where p.name = ${name}`);
      return r.rows;
    });
    expect(before).toEqual([{ dispatched: false, deliveries: 0 }]);
    // Only a sweeper can pick it up now: eager dispatch follows the actor's own
    // requests, and this actor makes none. (The other test project's sweeps
    // may get there first; either way it is the sweeper.)

    await sweep();
    const req = await expectExactlyOne(hook.path);
    const body = await expectSignedDelivery(req, hook, 'package.deprecated');
    expect(body.data.message).toBe('swept');
    expect((await onlyDelivery(owner, name, hook)).status).toBe('succeeded');
  });

  it('a delivery whose queue message was lost is sent again by the sweeper', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    // Dispatched (the delivery row exists) but the queue never got the message: long overdue.
    const { deliveryId } = await arrangeDelivery(hook, owner, name, { overdue: true });
    await sweep();
    const req = await expectExactlyOne(hook.path);
    expect(req.headers['x-raven-delivery']).toBe(deliveryId);
    await expectSignedDelivery(req, hook, 'package.deprecated');
  });
});

describe('history', () => {
  it('the on-the-hour sweep forgets finished events older than 30 days; pending and recent ones stay', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook(['package.deprecated']);
    const arrange = (age: string, status: 'pending' | 'succeeded') =>
      withDb(async (db) => {
        const eventId = crypto.randomUUID();
        await db.execute(sql`
          insert into webhook_events (id, package_id, event, actor_id, payload, created_at, dispatched_at)
          select ${eventId}, p.id, 'package.deprecated', ${owner.userId}, '{}', now() - ${age}::interval,
            now() - ${age}::interval
          from packages p where p.name = ${name}`);
        const r = await db.execute<{ id: string }>(sql`
          insert into webhook_deliveries (webhook_id, event_id, status, attempt_count, completed_at, created_at)
          values (${hook.id}, ${eventId}, ${status}, 1, ${status === 'pending' ? null : sql`now()`},
            now() - ${age}::interval)
          returning id`);
        await db.execute(sql`
          insert into webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code)
          values (${r.rows[0]!.id}, 1, now() - ${age}::interval, 12, ${status === 'pending' ? 500 : 200})`);
        return eventId;
      });
    const oldDone = await arrange('40 days', 'succeeded');
    const oldPending = await arrange('40 days', 'pending');
    const recentDone = await arrange('2 days', 'succeeded');
    const remaining = () =>
      withDb(async (db) => {
        const r = await db.execute<{ id: string }>(sql`
          select id from webhook_events where id in (${oldDone}, ${oldPending}, ${recentDone})`);
        return r.rows.map((row) => row.id).sort();
      });

    const onTheHour = new Date();
    onTheHour.setUTCMinutes(0, 0, 0);
    // Minute 7: no pruning at all. (Counted, not looked up: the other test
    // project may run its on-the-hour sweep at the same moment.)
    expect((await sweepWebhookOutbox(env, onTheHour.getTime() + 7 * 60_000)).pruned).toBe(0);

    await sweep(onTheHour.getTime());
    expect(await remaining()).toEqual([oldPending, recentDone].sort());
    const deliveries = await deliveriesOf(owner.token, name, hook.id);
    expect(deliveries.map((d) => d.event_id).sort()).toEqual([oldPending, recentDone].sort());
  });
});

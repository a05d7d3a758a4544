// The per-package event limit (WEBHOOK_EVENTS_PER_PACKAGE_PER_HOUR, 60 as
// shipped in wrangler.toml): past it, events are recorded as dropped and never
// sent, while the actions that caused them still succeed.
import { createExecutionContext, createScheduledController, env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';
import { createWebhook, received, waitForRequests } from '../helpers/webhooks';

const LIMIT = 60;

async function ownedPackageWithWebhook() {
  const owner = await createUser('wl');
  const name = packageName('wl');
  await publishPackage(owner.token, name, '1.0.0');
  const hook = await createWebhook(owner.token, name);
  return { owner, name, hook };
}

const sweep = () =>
  worker.scheduled!(
    createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }),
    env,
    createExecutionContext(),
  );

/** Every event of the package, oldest first: was it dropped, and how many deliveries has it. */
function eventsOf(name: string) {
  return withDb(async (db) => {
    const r = await db.execute<{ dispatched: boolean; dropped: boolean; deliveries: number }>(sql`
      select e.dispatched_at is not null as dispatched, e.dropped,
        (select count(*)::int from webhook_deliveries d where d.event_id = e.id) as deliveries
      from webhook_events e join packages p on p.id = e.package_id
      where p.name = ${name} order by e.created_at, e.id`);
    return r.rows;
  });
}

/** Waits until every event of the package is dispatched (delivered or dropped). */
async function settled(name: string, count: number) {
  for (let i = 0; i < 150; i++) {
    const events = await eventsOf(name);
    if (events.length === count && events.every((e) => e.dispatched)) return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`events of ${name} never settled`);
}

/** `count` events of the package, `age` old, already dispatched: what an earlier busy hour left behind. */
function arrangePastEvents(name: string, actorId: string, count: number, age: string) {
  return withDb((db) =>
    db.execute(sql`
      insert into webhook_events (id, package_id, event, actor_id, payload, created_at, dispatched_at)
      select gen_random_uuid(), p.id, 'package.deprecated', ${actorId}, '{}', now() - ${age}::interval, now()
      from packages p, generate_series(1, ${count}::int)
      where p.name = ${name}`),
  );
}

const deprecate = (token: string, name: string, message: string) =>
  callJson(`/packages/${name}/deprecate`, { method: 'PUT', token, json: { message } });

describe('events per package are limited per hour', () => {
  it('toggling deprecation past the limit: every toggle succeeds, only the first 60 events are delivered', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    const toggles = LIMIT + 3;
    for (let i = 0; i < toggles; i++) {
      const res =
        i % 2 === 0
          ? await deprecate(owner.token, name, `flip ${i}`)
          : await callJson(`/packages/${name}/deprecate`, { method: 'DELETE', token: owner.token });
      expect(res.status).toBe(200);
    }

    const events = await settled(name, toggles);
    expect(events.map((e) => e.dropped)).toEqual([...Array(LIMIT).fill(false), true, true, true]);
    expect(events.map((e) => e.deliveries)).toEqual([...Array(LIMIT).fill(1), 0, 0, 0]);

    // Give the dropped ones every chance to show up anyway: the sweeper, and time for the queue.
    await waitForRequests(hook.path, LIMIT, 30_000);
    await sweep();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const requests = await received(hook.path);
    expect(requests).toHaveLength(LIMIT);
    expect(new Set(requests.map((r) => r.headers['x-raven-delivery'])).size).toBe(LIMIT);
    const listed = await callJson(`/packages/${name}/webhooks/${hook.id}/deliveries?limit=100`, { token: owner.token });
    expect(listed.body.deliveries).toHaveLength(LIMIT);

    // The package ends where the toggles left it: the action was never held back.
    const info = await callJson(`/packages/${name}`);
    expect(info.body.deprecated).toMatchObject({ message: `flip ${toggles - 1}` });
  });

  it('counts a rolling hour: events from 59 minutes ago still count, from 61 minutes ago no longer', async () => {
    const { owner, name, hook } = await ownedPackageWithWebhook();
    await arrangePastEvents(name, owner.userId, LIMIT, '61 minutes');
    expect((await deprecate(owner.token, name, 'after a quiet hour')).status).toBe(200);
    await waitForRequests(hook.path, 1);

    await arrangePastEvents(name, owner.userId, LIMIT - 1, '59 minutes');
    // 59 recent ones plus the delivered one: the hour is full.
    expect((await deprecate(owner.token, name, 'one too many')).status).toBe(200);
    const events = await settled(name, 2 * LIMIT + 1);
    expect(events.filter((e) => e.deliveries > 0)).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ dropped: true, deliveries: 0 });
    await sweep();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await received(hook.path)).toHaveLength(1);
  });
});

// Pausing a webhook stops deliveries for new events until it is resumed;
// a finished delivery can be sent again. Owners only, audited.
import { describe, expect, it } from 'vitest';
import { callJson } from '../helpers/client';
import { createUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';
import { createWebhook, deliveriesOf, received, waitFor, waitForRequests } from '../helpers/webhooks';

async function hooked(prefix: string) {
  const owner = await createUser(prefix);
  const name = packageName(prefix);
  await publishPackage(owner.token, name, '1.0.0');
  const hook = await createWebhook(owner.token, name, ['package.published']);
  return { owner, name, hook };
}

const pause = (token: string, name: string, id: string, paused: boolean) =>
  callJson(`/packages/${name}/webhooks/${id}`, { method: 'PATCH', token, json: { paused } });

describe('webhook pause and redelivery', () => {
  it('a paused webhook gets nothing for new events; resumed, it gets the next ones', async () => {
    const { owner, name, hook } = await hooked('pause');
    const paused = await pause(owner.token, name, hook.id, true);
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({ id: hook.id, paused: true });
    const list = await callJson(`/packages/${name}/webhooks`, { token: owner.token });
    expect(list.body.webhooks[0].paused).toBe(true);
    await publishPackage(owner.token, name, '1.1.0');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received(hook.path)).toEqual([]);
    expect(await deliveriesOf(owner.token, name, hook.id)).toEqual([]);

    expect((await pause(owner.token, name, hook.id, false)).body.paused).toBe(false);
    await publishPackage(owner.token, name, '1.2.0');
    const got = await waitForRequests(hook.path, 1);
    expect(JSON.parse(got[0]!.body).version).toBe('1.2.0');
    const audit = await callJson(`/packages/${name}/audit`, { token: owner.token });
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    expect(actions).toContain('webhook.pause');
    expect(actions).toContain('webhook.resume');
  });

  it('redelivers a finished delivery as a new attempt; refuses a pending one, strangers and unknown ids', async () => {
    const { owner, name, hook } = await hooked('redeliver');
    await publishPackage(owner.token, name, '2.0.0');
    await waitForRequests(hook.path, 1);
    const [first] = await waitFor(async () => {
      const d = await deliveriesOf(owner.token, name, hook.id);
      return d[0]?.status === 'succeeded' ? d : undefined;
    });
    const path = `/packages/${name}/webhooks/${hook.id}/deliveries/${first!.delivery_id}/redeliver`;
    const stranger = await createUser('redeliver-x');
    expect((await callJson(path, { method: 'POST', token: stranger.token })).status).toBe(403);
    const res = await callJson(path, { method: 'POST', token: owner.token });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ delivery_id: first!.delivery_id, status: 'pending' });
    const got = await waitForRequests(hook.path, 2);
    expect(got[1]!.headers['x-raven-delivery']).toBe(first!.delivery_id);
    const [after] = await waitFor(async () => {
      const d = await deliveriesOf(owner.token, name, hook.id);
      return d[0]?.status === 'succeeded' && d[0].attempts.length === 2 ? d : undefined;
    });
    expect(after!.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    const unknown = `/packages/${name}/webhooks/${hook.id}/deliveries/${crypto.randomUUID()}/redeliver`;
    expect((await callJson(unknown, { method: 'POST', token: owner.token })).status).toBe(404);
  });
});

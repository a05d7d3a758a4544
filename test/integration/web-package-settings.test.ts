// Package settings in the browser: members and invitations, yank with a
// confirmation step, deprecation, webhooks and the audit log - each through
// the API's service, so the API sees every change.
import { describe, expect, it } from 'vitest';
import { get, signedInUser, signIn, submit, XSS, XSS_ESCAPED } from '../helpers/browser-session';
import { callJson } from '../helpers/client';
import { createUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';
import { received, receiverEndpoint, waitForRequests } from '../helpers/webhooks';

async function ownedPackage(prefix: string) {
  const { user, browser } = await signedInUser(prefix);
  const name = packageName(prefix);
  await publishPackage(user.token, name, '1.0.0');
  await publishPackage(user.token, name, '1.1.0');
  return { owner: user, browser, name };
}

const ownersOf = async (name: string) =>
  (await callJson(`/packages/${name}/owners`)).body.owners.map(
    (o: { username: string; role: string }) => `${o.username}:${o.role}`,
  );

describe('package settings', () => {
  it('owner invites, the invitee accepts and yanks after confirming, the owner removes them', async () => {
    const { owner, browser, name } = await ownedPackage('set');
    const b = await createUser('setb');
    const bBrowser = await signIn(b);
    const invited = await submit(browser, `/packages/${name}/settings/members`, {
      username: b.username,
      role: 'maintainer',
    });
    expect(invited.status).toBe(303);
    expect(invited.headers.get('location')).toBe(`/packages/${name}/settings?done=invited`);
    const page = await (await get(browser, invited.headers.get('location')!)).text();
    expect(page).toContain('Invitation sent.');
    expect(page).toMatch(new RegExp(`<strong>${b.username}</strong> as maintainer`));

    const list = await (await get(bBrowser, '/account/invitations')).text();
    const id = /\/account\/invitations\/([0-9a-f-]{36})\/accept/.exec(list)?.[1];
    await submit(bBrowser, `/account/invitations/${id}/accept`);
    expect(await ownersOf(name)).toEqual([`${owner.username}:owner`, `${b.username}:maintainer`]);

    // A maintainer sees versions but not the owners' forms.
    const asMaintainer = await (await get(bBrowser, `/packages/${name}/settings`)).text();
    expect(asMaintainer).toContain('You are a maintainer');
    expect(asMaintainer).not.toContain('/settings/deprecate');
    expect(asMaintainer).not.toContain('/settings/webhooks');
    const confirm = await get(bBrowser, `/packages/${name}/settings/versions/1.1.0/yank`);
    expect(await confirm.text()).toContain(`Yank ${name} 1.1.0?`);
    expect((await callJson(`/packages/${name}/1.1.0`)).body.yanked).toBe(false);
    const yanked = await submit(bBrowser, `/packages/${name}/settings/versions/1.1.0/yank`);
    expect(yanked.headers.get('location')).toBe(`/packages/${name}/settings?done=yanked`);
    expect((await callJson(`/packages/${name}/1.1.0`)).body.yanked).toBe(true);
    expect(await (await get(null, `/packages/${name}/1.1.0`)).text()).toContain('id="yanked-banner"');
    // A maintainer may not remove anyone: the service's refusal, on the site's 403 page.
    const refused = await submit(bBrowser, `/packages/${name}/settings/members/${owner.username}/remove`);
    expect(refused.status).toBe(403);
    expect(await ownersOf(name)).toHaveLength(2);

    await submit(browser, `/packages/${name}/settings/members/${b.username}/remove`);
    expect(await ownersOf(name)).toEqual([`${owner.username}:owner`]);
    expect((await get(bBrowser, `/packages/${name}/settings`)).status).toBe(403);
    await submit(browser, `/packages/${name}/settings/versions/1.1.0/unyank`);
    expect((await callJson(`/packages/${name}/1.1.0`)).body.yanked).toBe(false);
  });

  it('explains the last-owner rule beside the members when it refuses', async () => {
    const { owner, browser, name } = await ownedPackage('last');
    const res = await submit(browser, `/packages/${name}/settings/members/${owner.username}/remove`);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain(`That would leave &quot;${name}&quot; without an owner; add another owner first.`);
    expect(html).toContain('A package always keeps at least one owner');
    const demote = await submit(browser, `/packages/${name}/settings/members`, {
      username: owner.username,
      role: 'maintainer',
    });
    expect(demote.status).toBe(403);
    expect(await ownersOf(name)).toEqual([`${owner.username}:owner`]);
  });

  it('shows an unknown invitee next to the username field, and cancels a pending invitation', async () => {
    const { browser, name } = await ownedPackage('inv');
    const res = await submit(browser, `/packages/${name}/settings/members`, {
      username: 'no-such-user-zz',
      role: 'owner',
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('id="f-username-error">No user named &quot;no-such-user-zz&quot;.');
    const c = await createUser('invc');
    await submit(browser, `/packages/${name}/settings/members`, { username: c.username, role: 'owner' });
    const page = await (await get(browser, `/packages/${name}/settings`)).text();
    const id = /\/settings\/invitations\/([0-9a-f-]{36})\/cancel/.exec(page)?.[1];
    await submit(browser, `/packages/${name}/settings/invitations/${id}/cancel`);
    expect((await callJson('/users/me/invitations', { token: c.token })).body.invitations).toEqual([]);
  });

  it('deprecates with a message shown escaped everywhere, and undeprecates', async () => {
    const { browser, name } = await ownedPackage('dep');
    const empty = await submit(browser, `/packages/${name}/settings/deprecate`, { message: '' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('id="f-message-error">Write a message');
    await submit(browser, `/packages/${name}/settings/deprecate`, { message: XSS });
    expect((await callJson(`/packages/${name}`)).body.deprecated).toMatchObject({ message: XSS });
    const settings = await (await get(browser, `/packages/${name}/settings`)).text();
    expect(settings).toContain(`<span id="deprecation-message">${XSS_ESCAPED}</span>`);
    expect(settings).not.toContain(XSS);
    await submit(browser, `/packages/${name}/settings/undeprecate`);
    expect((await callJson(`/packages/${name}`)).body.deprecated ?? null).toBeNull();
  });

  it('adds a webhook (secret shown once), lists its deliveries after a publish, and deletes it', async () => {
    const { owner, browser, name } = await ownedPackage('hook');
    const bad = await submit(browser, `/packages/${name}/settings/webhooks`, {
      url: 'ftp://x',
      events: 'package.published',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/id="f-url-error">[^<]*https/);
    const endpoint = receiverEndpoint('webset');
    const url = `${endpoint.url}?q=${encodeURIComponent('"><script>alert(1)</script>')}`;
    const created = await submit(browser, `/packages/${name}/settings/webhooks`, {
      url,
      events: ['package.published'],
    });
    expect(created.status).toBe(201);
    const html = await created.text();
    expect(html).toMatch(/id="webhook-secret">[^<]{20,}</);
    expect(html).not.toContain('<script>alert(1)');
    const list = await (await get(browser, `/packages/${name}/settings/webhooks`)).text();
    const id = /\/settings\/webhooks\/([0-9a-f-]{36})"/.exec(list)?.[1];
    expect(list).not.toMatch(/id="webhook-secret"/);

    await publishPackage(owner.token, name, '2.0.0');
    await waitForRequests(endpoint.path, 1);
    let deliveries = '';
    for (let i = 0; i < 20 && !deliveries.includes('succeeded'); i++) {
      deliveries = await (await get(browser, `/packages/${name}/settings/webhooks/${id}`)).text();
      if (!deliveries.includes('succeeded')) await new Promise((r) => setTimeout(r, 250));
    }
    expect(deliveries).toContain('package.published 2.0.0');
    expect(deliveries).toContain('HTTP 200');

    // Redeliver from the deliveries page: a second attempt of the same delivery.
    const deliveryId = /\/deliveries\/([0-9a-f-]{36})\/redeliver/.exec(deliveries)?.[1];
    const again = await submit(browser, `/packages/${name}/settings/webhooks/${id}/deliveries/${deliveryId}/redeliver`);
    expect(again.headers.get('location')).toBe(`/packages/${name}/settings/webhooks/${id}?done=redelivered`);
    await waitForRequests(endpoint.path, 2);

    // Paused: a publish sends nothing; resumed: the next one arrives.
    await submit(browser, `/packages/${name}/settings/webhooks/${id}/pause`);
    expect(await (await get(browser, `/packages/${name}/settings/webhooks`)).text()).toContain('>paused</span>');
    await publishPackage(owner.token, name, '2.1.0');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received(endpoint.path)).toHaveLength(2);
    await submit(browser, `/packages/${name}/settings/webhooks/${id}/resume`);
    await publishPackage(owner.token, name, '2.2.0');
    await waitForRequests(endpoint.path, 3);

    await submit(browser, `/packages/${name}/settings/webhooks/${id}/delete`);
    expect((await callJson(`/packages/${name}/webhooks`, { token: owner.token })).body.webhooks).toEqual([]);
  });

  it('shows the audit log newest first, paginated, to owners only', async () => {
    const { owner, browser, name } = await ownedPackage('aud');
    for (const v of ['1.0.0', '1.1.0'])
      await callJson(`/packages/${name}/${v}`, { method: 'DELETE', token: owner.token });
    const html = await (await get(browser, `/packages/${name}/settings/audit`)).text();
    const actions = [...html.matchAll(/<td>(publish|yank) ([\d.]+)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(actions).toEqual(['yank 1.1.0', 'yank 1.0.0', 'publish 1.1.0', 'publish 1.0.0']);
    const stranger = await signedInUser('aud-x');
    expect((await get(stranger.browser, `/packages/${name}/settings/audit`)).status).toBe(403);
    expect((await get(stranger.browser, `/packages/${name}/settings`)).status).toBe(403);
    expect((await get(browser, `/packages/${name}/settings/audit?page=2`)).status).toBe(200);
  });

  it('a yank made in the browser reaches the webhooks after the redirect', async () => {
    const { browser, name } = await ownedPackage('hookyank');
    const endpoint = receiverEndpoint('webyank');
    await submit(browser, `/packages/${name}/settings/webhooks`, { url: endpoint.url, events: ['package.yanked'] });
    await submit(browser, `/packages/${name}/settings/versions/1.0.0/yank`);
    const [got] = await waitForRequests(endpoint.path, 1);
    expect(JSON.parse(got!.body)).toMatchObject({ event: 'package.yanked', version: '1.0.0' });
  });
});

// Proves the harness against the real server with plain fetch, before any client code is involved.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authUrl, nacos, plainUrl, uniqueId } from './helpers.js';

const form = (fields: Record<string, string>) => ({
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

describe(`harness: ${nacos().version}, plain profile`, () => {
  it('publishes, reads, long-polls a change, and deletes a config over v1', async () => {
    const base = plainUrl();
    const dataId = uniqueId('harness');
    const group = 'DEFAULT_GROUP';

    const published = await fetch(`${base}/nacos/v1/cs/configs`, { method: 'POST', ...form({ dataId, group, content: 'v=1' }) });
    expect(published.status).toBe(200);
    expect(await published.text()).toBe('true');

    const read = await fetch(`${base}/nacos/v1/cs/configs?${new URLSearchParams({ dataId, group })}`);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('v=1');
    expect(read.headers.get('content-md5')).toBe(md5('v=1'));

    // Hold a long poll with the current md5, change the config, and see the poll return naming the key.
    const poll = fetch(`${base}/nacos/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body: new URLSearchParams({ 'Listening-Configs': `${dataId}\x02${group}\x02${md5('v=1')}\x01` }).toString(),
    });
    let settled = false;
    void poll.finally(() => {
      settled = true;
    });
    // A full round trip on another connection, after which the poll must still be held (nothing changed yet).
    const probe = await fetch(`${base}/nacos/v1/cs/configs?${new URLSearchParams({ dataId, group })}`);
    expect(await probe.text()).toBe('v=1');
    expect(settled).toBe(false);
    await fetch(`${base}/nacos/v1/cs/configs`, { method: 'POST', ...form({ dataId, group, content: 'v=2' }) });
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(decodeURIComponent((await answer.text()).trim())).toBe(`${dataId}\x02${group}\x01`);

    const deleted = await fetch(`${base}/nacos/v1/cs/configs?${new URLSearchParams({ dataId, group })}`, { method: 'DELETE' });
    expect(await deleted.text()).toBe('true');
    const gone = await fetch(`${base}/nacos/v1/cs/configs?${new URLSearchParams({ dataId, group })}`);
    expect(gone.status).toBe(404);
  });

  it('answers a long poll at once when the client holds a stale md5', async () => {
    const base = plainUrl();
    const dataId = uniqueId('harness-stale');
    await fetch(`${base}/nacos/v1/cs/configs`, { method: 'POST', ...form({ dataId, group: 'DEFAULT_GROUP', content: 'fresh' }) });
    const res = await fetch(`${base}/nacos/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      // A wrong md5 for the existing key and the right one ('' = absent) for a key that does not exist.
      body: new URLSearchParams({ 'Listening-Configs': `${dataId}\x02DEFAULT_GROUP\x02${md5('stale')}\x01${dataId}-absent\x02DEFAULT_GROUP\x02\x01` }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    expect(decodeURIComponent((await res.text()).trim())).toBe(`${dataId}\x02DEFAULT_GROUP\x01`);
  });

  it('registers an instance and lists it', async () => {
    const serviceName = uniqueId('harness-svc');
    const registered = await fetch(`${plainUrl()}/nacos/v1/ns/instance`, {
      method: 'POST',
      ...form({ serviceName, ip: '10.1.2.3', port: '8080', ephemeral: 'true', weight: '1' }),
    });
    expect(registered.status).toBe(200);
    expect(await registered.text()).toBe('ok');
    const list = await fetch(`${plainUrl()}/nacos/v1/ns/instance/list?${new URLSearchParams({ serviceName })}`);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { hosts: { ip: string; port: number }[] };
    expect(body.hosts.map((h) => `${h.ip}:${h.port}`)).toContain('10.1.2.3:8080');
    await fetch(`${plainUrl()}/nacos/v1/ns/instance?${new URLSearchParams({ serviceName, ip: '10.1.2.3', port: '8080' })}`, { method: 'DELETE' });
  });
});

describe(`harness: ${nacos().version}, auth profile`, () => {
  it('refuses requests without a token', async () => {
    const res = await fetch(`${authUrl()}/nacos/v1/cs/configs?${new URLSearchParams({ dataId: 'x', group: 'DEFAULT_GROUP' })}`);
    expect(res.status).toBe(403);
  });

  it('logs in with the form body and accepts the token in the accessToken header', async () => {
    const { username, password } = nacos().auth;
    const login = await fetch(`${authUrl()}/nacos/v1/auth/login`, { method: 'POST', ...form({ username, password }) });
    expect(login.status).toBe(200);
    const { accessToken, tokenTtl } = (await login.json()) as { accessToken: string; tokenTtl: number };
    expect(accessToken).toMatch(/.{16,}/);
    expect(tokenTtl).toBeGreaterThan(0);

    const dataId = uniqueId('harness-auth');
    const publish = await fetch(`${authUrl()}/nacos/v1/cs/configs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', accessToken },
      body: new URLSearchParams({ dataId, group: 'DEFAULT_GROUP', content: 'secured' }).toString(),
    });
    expect(await publish.text()).toBe('true');
    const read = await fetch(`${authUrl()}/nacos/v1/cs/configs?${new URLSearchParams({ dataId, group: 'DEFAULT_GROUP' })}`, { headers: { accessToken } });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('secured');
  });

  it('refuses a wrong password', async () => {
    const login = await fetch(`${authUrl()}/nacos/v1/auth/login`, { method: 'POST', ...form({ username: nacos().auth.username, password: 'wrong' }) });
    expect(login.status).not.toBe(200);
  });
});

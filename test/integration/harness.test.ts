// Proves the harness against the real servers with plain fetch, before any client code is involved, and pins
// the servers' answers that the client relies on (test/unit/fake-nacos.ts answers the same way; it is not used here).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authUrl, isV3, nacos, plainUrl, uniqueId, waitFor } from './helpers.js';

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const query = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Polls a read until it gives `expected` (servers apply writes asynchronously: ~90 ms on 2.5.1 and 3.0.3). */
type Answer = { status: number; text: string };
async function readUntil(read: () => Promise<Answer>, expected: (r: Answer) => boolean, what: string): Promise<Answer> {
  let last: Answer | undefined;
  await waitFor(async () => expected((last = await read())), { what });
  return last as Answer;
}

async function text(res: Response): Promise<Answer> {
  return { status: res.status, text: await res.text() };
}

describe('harness ports', () => {
  it('every server listens below the ports the OS lends to outgoing connections (so none can take them first)', () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const mainPorts = [nacos().serverAddr, nacos().auth.serverAddr].map((addr) => Number(addr.split(':').at(-1)));
    // The highest satellite is P+3000 (3.x's MCP port).
    for (const port of mainPorts) expect(port + 3000).toBeLessThan(low);
  });
});

// Each generation registers only its own blocks (no skipped tests in the other's run).
if (!isV3()) describe(`harness: ${nacos().version}, plain profile`, () => {
  const base = () => `${plainUrl()}/nacos`;

  it('publishes, reads, long-polls a change, and deletes a config over v1', async () => {
    const dataId = uniqueId('harness');
    const group = 'DEFAULT_GROUP';

    const published = await fetch(`${base()}/v1/cs/configs`, { method: 'POST', ...form({ dataId, group, content: 'v=1' }) });
    expect(published.status).toBe(200);
    expect(await published.text()).toBe('true');

    // The write is not readable at once: the server dumps it to its cache asynchronously.
    await readUntil(async () => text(await fetch(`${base()}/v1/cs/configs?${query({ dataId, group })}`)), (r) => r.status === 200, 'the publish to be readable');
    const read = await fetch(`${base()}/v1/cs/configs?${query({ dataId, group })}`);
    expect(await read.text()).toBe('v=1');
    expect(read.headers.get('content-md5')).toBe(md5('v=1'));

    // Hold a long poll with the current md5, change the config, and see the poll return naming the key.
    const poll = fetch(`${base()}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      body: new URLSearchParams({ 'Listening-Configs': `${dataId}\x02${group}\x02${md5('v=1')}\x01` }).toString(),
    });
    let settled = false;
    void poll.finally(() => {
      settled = true;
    });
    // A full round trip on another connection, after which the poll must still be held (nothing changed yet).
    const probe = await fetch(`${base()}/v1/cs/configs?${query({ dataId, group })}`);
    expect(await probe.text()).toBe('v=1');
    expect(settled).toBe(false);
    await fetch(`${base()}/v1/cs/configs`, { method: 'POST', ...form({ dataId, group, content: 'v=2' }) });
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(decodeURIComponent((await answer.text()).trim())).toBe(`${dataId}\x02${group}\x01`);

    const deleted = await fetch(`${base()}/v1/cs/configs?${query({ dataId, group })}`, { method: 'DELETE' });
    expect(await deleted.text()).toBe('true');
    const gone = await readUntil(async () => text(await fetch(`${base()}/v1/cs/configs?${query({ dataId, group })}`)), (r) => r.status === 404, 'the delete to show');
    expect(gone.text).toMatch(/config data not exist/);
  });

  it('answers a long poll at once when the client holds a stale md5', async () => {
    const dataId = uniqueId('harness-stale');
    await fetch(`${base()}/v1/cs/configs`, { method: 'POST', ...form({ dataId, group: 'DEFAULT_GROUP', content: 'fresh' }) });
    await readUntil(async () => text(await fetch(`${base()}/v1/cs/configs?${query({ dataId, group: 'DEFAULT_GROUP' })}`)), (r) => r.text === 'fresh', 'the publish to be readable');
    const res = await fetch(`${base()}/v1/cs/configs/listener`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Long-Pulling-Timeout': '30000' },
      // A wrong md5 for the existing key and the right one ('' = absent) for a key that does not exist.
      body: new URLSearchParams({ 'Listening-Configs': `${dataId}\x02DEFAULT_GROUP\x02${md5('stale')}\x01${dataId}-absent\x02DEFAULT_GROUP\x02\x01` }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    expect(decodeURIComponent((await res.text()).trim())).toBe(`${dataId}\x02DEFAULT_GROUP\x01`);
  });

  it('registers an instance and lists it; a full beat brings back a forgotten instance, a light beat does not', async () => {
    const serviceName = uniqueId('harness-svc');
    const registered = await fetch(`${base()}/v1/ns/instance`, { method: 'POST', ...form({ serviceName, ip: '10.1.2.3', port: '8080', ephemeral: 'true', weight: '1' }) });
    expect(registered.status).toBe(200);
    expect(await registered.text()).toBe('ok');
    const list = await fetch(`${base()}/v1/ns/instance/list?${query({ serviceName })}`);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { hosts: { ip: string; port: number }[] };
    expect(body.hosts.map((h) => `${h.ip}:${h.port}`)).toContain('10.1.2.3:8080');
    await fetch(`${base()}/v1/ns/instance?${query({ serviceName, ip: '10.1.2.3', port: '8080' })}`, { method: 'DELETE' });

    // What the client's heartbeat relies on (2.5.1): for an instance the server does not know, a light beat answers
    // code 20404 (register again), a full beat (with the instance in `beat`) registers it and answers 10200.
    const unknown = uniqueId('harness-beat');
    const beatQuery = { serviceName: `DEFAULT_GROUP@@${unknown}`, ip: '10.1.2.4', port: '1' };
    const light = (await (await fetch(`${base()}/v1/ns/instance/beat?${query(beatQuery)}`, { method: 'PUT' })).json()) as { code: number };
    expect(light.code).toBe(20404);
    const beat = JSON.stringify({ ip: '10.1.2.4', port: 1, serviceName: `DEFAULT_GROUP@@${unknown}`, cluster: 'DEFAULT', weight: 1, ephemeral: true, metadata: {} });
    const full = (await (await fetch(`${base()}/v1/ns/instance/beat?${query({ ...beatQuery, beat })}`, { method: 'PUT' })).json()) as { code: number; clientBeatInterval: number };
    expect(full).toMatchObject({ code: 10200, clientBeatInterval: 5000 });
    await waitFor(async () => ((await (await fetch(`${base()}/v1/ns/instance/list?${query({ serviceName: unknown })}`)).json()) as { hosts: unknown[] }).hosts.length === 1, {
      what: 'the instance a full beat registered',
    });
  });
});

if (isV3()) describe(`harness: ${nacos().version}, plain profile (the Nacos 3.2 surface)`, () => {
  const base = () => `${plainUrl()}/nacos`;
  const adminToken = async () => {
    const { username, password } = nacos().admin;
    const res = await fetch(`${base()}/v3/auth/user/login`, { method: 'POST', ...form({ username, password }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { accessToken: string }).accessToken;
  };

  it('answers the v1 API with 410 Gone, naming the v3 replacement', async () => {
    const res = await fetch(`${base()}/v1/cs/configs?${query({ dataId: 'x', group: 'DEFAULT_GROUP' })}`);
    expect(res.status).toBe(410);
    expect(await res.text()).toMatch(/v3\/client\/cs\/config/);
    const login = await fetch(`${base()}/v1/auth/login`, { method: 'POST', ...form({ username: 'nacos', password: 'x' }) });
    expect(login.status).toBe(410);
  });

  it('reads configs through the client API anonymously; writes need the admin token', async () => {
    const dataId = uniqueId('harness-v3');
    const params = { dataId, groupName: 'DEFAULT_GROUP' };
    const missing = await fetch(`${base()}/v3/client/cs/config?${query(params)}`);
    expect(missing.status).toBe(200);
    expect(await missing.json()).toMatchObject({ code: 20004, data: null });

    const anonymous = await fetch(`${base()}/v3/admin/cs/config`, { method: 'POST', ...form({ ...params, content: 'x' }) });
    expect(anonymous.status).toBe(403);

    const token = await adminToken();
    const published = await fetch(`${base()}/v3/admin/cs/config`, { method: 'POST', ...form({ ...params, content: 'v=1', type: 'properties' }, { accessToken: token }) });
    expect(await published.json()).toEqual({ code: 0, message: 'success', data: true });
    const read = await readUntil(async () => text(await fetch(`${base()}/v3/client/cs/config?${query(params)}`)), (r) => r.text.includes('"v=1"'), 'the publish to be readable');
    expect(JSON.parse(read.text)).toMatchObject({ code: 0, data: { content: 'v=1', md5: md5('v=1'), contentType: 'properties' } });

    // A lost compare-and-swap: HTTP 500 with code 20005 (the client must not try it on another server).
    const cas = await fetch(`${base()}/v3/admin/cs/config`, { method: 'POST', ...form({ ...params, content: 'v=2' }, { accessToken: token, casMd5: md5('stale') }) });
    expect(cas.status).toBe(500);
    expect(await cas.json()).toMatchObject({ code: 20005, data: expect.stringMatching(/Cas publish fail/) });

    const deleted = await fetch(`${base()}/v3/admin/cs/config?${query(params)}`, { method: 'DELETE', headers: { accessToken: token } });
    expect(await deleted.json()).toMatchObject({ code: 0, data: true });
    await readUntil(async () => text(await fetch(`${base()}/v3/client/cs/config?${query(params)}`)), (r) => r.text.includes('20004'), 'the delete to show');
  });

  it('lists the DEFAULT cluster for a blank clusterName, every cluster for ","; ignores healthyOnly; renews with 21003 for unknown instances', async () => {
    const serviceName = uniqueId('harness-v3-svc');
    for (const [ip, clusterName] of [
      ['10.3.0.1', 'DEFAULT'],
      ['10.3.0.2', 'c1'],
    ] as const) {
      const res = await fetch(`${base()}/v3/client/ns/instance`, { method: 'POST', ...form({ serviceName, ip, port: '80', clusterName, ephemeral: 'true' }) });
      expect(await res.json()).toMatchObject({ code: 0, data: 'ok' });
    }
    const list = async (extra: Record<string, string>) => {
      const res = await fetch(`${base()}/v3/client/ns/instance/list?${query({ serviceName, ...extra })}`);
      const body = (await res.json()) as { code: number; data: { ip: string; clusterName: string }[] };
      return body.data.map((h) => `${h.ip}@${h.clusterName}`).sort();
    };
    await waitFor(async () => (await list({ clusterName: ',' })).length === 2, { what: 'both instances' });
    expect(await list({ clusterName: ',' })).toEqual(['10.3.0.1@DEFAULT', '10.3.0.2@c1']);
    expect(await list({ clusterName: 'c1,DEFAULT' })).toEqual(['10.3.0.1@DEFAULT', '10.3.0.2@c1']);
    expect(await list({ clusterName: 'c1' })).toEqual(['10.3.0.2@c1']);
    // 3.0.x/3.1.x: blank means DEFAULT (3.2 answers every cluster here, alibaba/nacos#14778).
    expect(await list({})).toEqual(['10.3.0.1@DEFAULT']);
    expect(await list({ clusterName: ',', healthyOnly: 'true' })).toEqual(['10.3.0.1@DEFAULT', '10.3.0.2@c1']);

    const renew = await fetch(`${base()}/v3/client/ns/instance`, { method: 'POST', ...form({ serviceName: uniqueId('unknown'), ip: '10.3.0.9', port: '1', heartBeat: 'true' }) });
    expect(renew.status).toBe(200);
    expect(await renew.json()).toEqual({ code: 21003, message: 'instance not found', data: null });
  });

  it('refuses a wrong password with HTTP 500 and an unknown user with 403', async () => {
    const wrong = await fetch(`${base()}/v3/auth/user/login`, { method: 'POST', ...form({ username: nacos().admin.username, password: 'wrong' }) });
    expect(wrong.status).toBe(500);
    const unknown = await fetch(`${base()}/v3/auth/user/login`, { method: 'POST', ...form({ username: uniqueId('nobody'), password: 'wrong' }) });
    expect(unknown.status).toBe(403);
  });
});

describe(`harness: ${nacos().version}, auth profile`, () => {
  const readPath = () =>
    isV3() ? `/nacos/v3/client/cs/config?${query({ dataId: 'x', groupName: 'DEFAULT_GROUP' })}` : `/nacos/v1/cs/configs?${query({ dataId: 'x', group: 'DEFAULT_GROUP' })}`;
  const loginPath = () => (isV3() ? '/nacos/v3/auth/user/login' : '/nacos/v1/auth/login');

  it('refuses requests without a token, and with an invalid one', async () => {
    expect((await fetch(`${authUrl()}${readPath()}`)).status).toBe(403);
    const bad = await fetch(`${authUrl()}${readPath()}`, { headers: { accessToken: 'not-a-token' } });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toMatch(/token invalid/);
  });

  it('logs in with the form body and accepts the token in the accessToken header', async () => {
    const { username, password, tokenTtlSeconds } = nacos().auth;
    const login = await fetch(`${authUrl()}${loginPath()}`, { method: 'POST', ...form({ username, password }) });
    expect(login.status).toBe(200);
    const { accessToken, tokenTtl } = (await login.json()) as { accessToken: string; tokenTtl: number };
    expect(accessToken).toMatch(/.{16,}/);
    expect(tokenTtl).toBe(tokenTtlSeconds ?? tokenTtl);

    const dataId = uniqueId('harness-auth');
    const publish = isV3()
      ? await fetch(`${authUrl()}/nacos/v3/admin/cs/config`, { method: 'POST', ...form({ dataId, groupName: 'DEFAULT_GROUP', content: 'secured' }, { accessToken }) })
      : await fetch(`${authUrl()}/nacos/v1/cs/configs`, { method: 'POST', ...form({ dataId, group: 'DEFAULT_GROUP', content: 'secured' }, { accessToken }) });
    expect(publish.status).toBe(200);
    const readPathOf = isV3() ? `/nacos/v3/client/cs/config?${query({ dataId, groupName: 'DEFAULT_GROUP' })}` : `/nacos/v1/cs/configs?${query({ dataId, group: 'DEFAULT_GROUP' })}`;
    const read = await readUntil(async () => text(await fetch(`${authUrl()}${readPathOf}`, { headers: { accessToken } })), (r) => r.text.includes('secured'), 'the publish to be readable');
    expect(read.status).toBe(200);
  });

  it('refuses a wrong password', async () => {
    const login = await fetch(`${authUrl()}${loginPath()}`, { method: 'POST', ...form({ username: nacos().auth.username, password: 'wrong' }) });
    expect(login.status).not.toBe(200);
  });
});

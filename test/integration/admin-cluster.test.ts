import { afterAll, describe, expect, it } from 'vitest';
import { NacosAdminClient, isNacosError } from '../../src/admin.js';
import { authUrl, isV3, nacos, plainOptions, uniqueId, waitFor } from './helpers.js';

const admin = new NacosAdminClient(plainOptions());
/** The server version of this generation (2.5.1 or 3.0.3: the major is what the project knows of servers named by address). */
const versionPattern = () => (isV3() ? /^3\./ : /^2\./);
const clients: NacosAdminClient[] = [admin];
afterAll(() => clients.forEach((c) => c.shutdown()));

describe('admin cluster', () => {
  it('lists the members with their state', async () => {
    const members = await admin.cluster.members();
    expect(members.length).toBeGreaterThanOrEqual(1);
    const self = members.find((m) => m.address === nacos().serverAddr);
    expect(self).toMatchObject({ ip: '127.0.0.1', port: Number(nacos().serverAddr.split(':')[1]), state: 'UP' });
    expect(self!.extendInfo['version']).toMatch(versionPattern());
    expect(self!.extendInfo['version']).toBe((await admin.cluster.state())['version']);
  });

  it('reads the server state and the naming switches', async () => {
    const state = await admin.cluster.state();
    expect(state['version']).toMatch(versionPattern());
    expect(state['startup_mode']).toBe('standalone');
    expect(typeof state['auth_enabled']).toBe('string');
    const switches = await admin.cluster.switches();
    expect(switches).toMatchObject({ healthCheckEnabled: true, pushEnabled: true });
    expect(typeof switches['defaultInstanceEphemeral']).toBe('boolean');
  });

  it('probes liveness and readiness', async () => {
    expect(await admin.cluster.health()).toEqual({ live: true, ready: true });
  });

  it('an aborted call ends with ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(admin.cluster.members({ signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

// ---- A user without the admin role, on the server with auth on for every API ----

/** A raw request as the auth server's admin (the auth area's calls are another slice's). */
async function asAdmin(method: string, path: string, params: Record<string, string>) {
  const { username, password } = nacos().auth;
  const loginPath = isV3() ? '/nacos/v3/auth/user/login' : '/nacos/v1/auth/login';
  const login = await fetch(`${authUrl()}${loginPath}`, { method: 'POST', body: new URLSearchParams({ username, password }) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const body = new URLSearchParams(params);
  const url = method === 'DELETE' ? `${authUrl()}/nacos${path}?${body}` : `${authUrl()}/nacos${path}`;
  const res = await fetch(url, { method, headers: { accessToken }, ...(method === 'DELETE' ? {} : { body }) });
  return { status: res.status, text: await res.text() };
}
const paths = () =>
  isV3() ? { user: '/v3/auth/user', role: '/v3/auth/role', permission: '/v3/auth/permission' } : { user: '/v1/auth/users', role: '/v1/auth/roles', permission: '/v1/auth/permissions' };

/** What the call did: `ok`, or the error code. */
const outcome = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (e: unknown) => (isNacosError(e) ? e.code : String(e)),
  );

describe('admin naming and cluster calls as a user without the admin role', () => {
  const username = uniqueId('ro').replace(/-/g, '_').slice(0, 30);
  const password = `pw-${crypto.randomUUID()}`;
  const role = `${username}_role`;
  // 2.x names the public namespace '' in permission resources (so `:*:*`); 3.x names it `public`.
  const resource = () => (isV3() ? 'public:*:*' : ':*:*');
  afterAll(async () => {
    await asAdmin('DELETE', paths().permission, { role, resource: resource(), action: 'r' });
    await asAdmin('DELETE', paths().role, { role, username });
    await asAdmin('DELETE', paths().user, { username });
  });

  it('may read state, health (and on 2.x the switches) only; with a read permission on the namespace, also the services', async () => {
    const created = await asAdmin('POST', paths().user, { username, password });
    expect(created.status, created.text).toBe(200);
    const user = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, username, password, logLevel: 'silent' });
    clients.push(user);
    // The server loads new users into its cache every few seconds: wait until the login is accepted.
    await waitFor(async () => (await user.login(username, password)).accessToken, { timeoutMs: 30_000, intervalMs: 500, what: 'the new user to log in' });

    const name = uniqueId('ro-svc');
    const calls = {
      state: () => user.cluster.state(),
      health: () => user.cluster.health(),
      switches: () => user.cluster.switches(),
      members: () => user.cluster.members(),
      listServices: () => user.services.listPage({}),
      getService: () => user.services.get({ name }),
      listInstances: () => user.instances.list({ serviceName: name }),
      createService: () => user.services.create({ name }),
    };
    const run = async () => Object.fromEntries(await Promise.all(Object.entries(calls).map(async ([k, f]) => [k, await outcome(f())] as const)));

    expect(await run()).toEqual({
      state: 'ok',
      health: 'ok',
      switches: isV3() ? 'AUTH' : 'ok',
      members: 'AUTH',
      listServices: 'AUTH',
      getService: 'AUTH',
      listInstances: 'AUTH',
      createService: 'AUTH',
    });

    expect((await asAdmin('POST', paths().role, { role, username })).status).toBe(200);
    expect((await asAdmin('POST', paths().permission, { role, resource: resource(), action: 'r' })).status).toBe(200);
    // Roles and permissions reach the server's cache some seconds later.
    await waitFor(async () => (await outcome(calls.listServices())) === 'ok', { timeoutMs: 40_000, intervalMs: 500, what: 'the read permission to take effect' });
    expect(await run()).toEqual({
      state: 'ok',
      health: 'ok',
      switches: isV3() ? 'AUTH' : 'ok',
      members: 'AUTH',
      listServices: 'ok',
      getService: 'NOT_FOUND',
      listInstances: 'NOT_FOUND',
      createService: 'AUTH',
    });
  });
});

// Users, roles and permissions through nacos-edge/admin against the official servers (2.5.1 and 3.0.3), mainly the
// server with auth on for every API (`nacos().auth`, 8 s tokens), where a permission decides what a user may do.
import { afterAll, describe, expect, it } from 'vitest';
import { NacosAdminClient, type AdminClientOptions } from '../../src/admin.js';
import { AdminContext } from '../../src/admin/context.js';
import { createClientConfig, isNacosError, type NacosErrorCode } from '../../src/index.js';
import { authConfigService, isV3, nacos, recordingLogger, uniqueId, waitFor } from './helpers.js';

/** A fetch that records every request's full URL and body (to prove where passwords go). */
function wireRecorder() {
  const requests: { method: string; url: string; body: string }[] = [];
  const fetchImpl = (input: Request | string | URL, init?: RequestInit) => {
    requests.push({ method: init?.method ?? 'GET', url: String(input instanceof Request ? input.url : input), body: typeof init?.body === 'string' ? init.body : '' });
    return fetch(input, init);
  };
  return { requests, fetch: fetchImpl };
}

async function codeOf(promise: Promise<unknown>): Promise<NacosErrorCode | 'resolved' | 'other'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isNacosError(error) ? error.code : 'other';
  }
}

// The servers reload their user and role caches every 15 s (2.x: fixed delay after a full reload): waits on them
// get twice that.
const CACHE_WAIT = { timeoutMs: 35_000 };

const wire = wireRecorder();
const log = recordingLogger();
const secrets: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

function authAdmin(extra: Partial<AdminClientOptions> = {}) {
  const { serverAddr, username, password } = nacos().auth;
  secrets.push(password);
  return new NacosAdminClient({ serverAddresses: serverAddr, username, password, logLevel: 'debug', logger: log.logger, fetch: wire.fetch, ...extra });
}

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('admin auth on the auth-enabled server', () => {
  it('creates a user, gives it a role and a permission; the user may do what the permission allows and no more; password change; clean-up', async () => {
    const admin = authAdmin();
    const user = uniqueId('au-user');
    const role = uniqueId('au-role');
    const group = uniqueId('AU_GROUP');
    const otherGroup = uniqueId('AU_OTHER');
    const dataId = uniqueId('au-config');
    const pw1 = `pw1-${crypto.randomUUID()}`;
    const pw2 = `pw2-${crypto.randomUUID()}`;
    secrets.push(pw1, pw2);
    // 2.x matches the public namespace as '', 3.x as 'public' (see the Permission type).
    const resource = `${isV3() ? 'public' : ''}:${group}:*`;
    const grant = { role, resource, action: 'r' } as const;

    // Configs to read: one in the permitted group, one outside it.
    const configs = await authConfigService();
    cleanups.push(() => configs.shutdown());
    await configs.publishConfig({ dataId, group, content: 'allowed' });
    await configs.publishConfig({ dataId, group: otherGroup, content: 'denied' });
    cleanups.push(() => configs.removeConfig({ dataId, group }), () => configs.removeConfig({ dataId, group: otherGroup }));

    await admin.auth.createUser(user, pw1);
    cleanups.push(() => admin.auth.deleteUser(user));
    const listed = await waitFor(async () => (await admin.auth.usersPage({ username: user })).items, { what: 'the new user listed' });
    expect(listed).toEqual([{ username: user }]); // exactly the shape: no password hash
    // A part of the name finds it too (the servers' blur search needs wildcards the client adds).
    const part = user.slice(3, -3);
    expect((await admin.auth.usersPage({ username: part })).items.map((u) => u.username)).toContain(user);
    // The iterator walks every page (page size 1: as many pages as users).
    const seen: string[] = [];
    for await (const u of admin.auth.users({}, { pageSize: 1 })) seen.push(u.username);
    expect(seen).toContain(user);
    expect(seen).toContain('nacos');

    await admin.auth.addRole(role, user);
    cleanups.push(() => admin.auth.removeRole(role, user));
    expect(await waitFor(async () => (await admin.auth.rolesPage({ role })).items, { what: 'the role listed' })).toEqual([{ role, username: user }]);
    expect((await admin.auth.rolesPage({ username: user })).items).toEqual([{ role, username: user }]);

    await admin.auth.addPermission(grant);
    cleanups.push(() => admin.auth.removePermission(grant));
    expect(await waitFor(async () => (await admin.auth.permissionsPage({ role })).items, { what: 'the permission listed' })).toEqual([grant]);
    const iterated: unknown[] = [];
    for await (const p of admin.auth.permissions({ role })) iterated.push(p);
    expect(iterated).toEqual([grant]);

    // The new user logs in (the server's user cache may not know it for a few seconds).
    const login = await waitFor(() => admin.login(user, pw1), { ...CACHE_WAIT, what: 'the new user can log in' });
    expect(login).toMatchObject({ username: user, globalAdmin: false });
    expect(login.accessToken).toMatch(/\S{20,}/);
    expect(login.tokenTtl).toBeGreaterThan(0);
    secrets.push(login.accessToken);

    // The user's own client keeps only a token (8 s tokens on this server: each attempt logs in afresh).
    let token = login.accessToken;
    const fresh = async (password: string) => {
      token = (await admin.login(user, password)).accessToken;
      secrets.push(token);
    };
    const userClient = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, accessToken: () => token, logLevel: 'debug', logger: log.logger, fetch: wire.fetch });
    // The same token source under the context every admin area uses, for the config reads the permission is about.
    const userContext = new AdminContext(createClientConfig({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent', fetch: wire.fetch }), () => token);
    const readConfig = (g: string) =>
      isV3()
        ? userContext.data({ method: 'GET', path: '/v3/admin/cs/config', query: { dataId, groupName: g }, what: 'read config' }).then((d) => (d as { content: string }).content)
        : userContext.text({ method: 'GET', path: '/v1/cs/configs', query: { dataId, group: g }, what: 'read config' });
    const writeConfig = (g: string) =>
      isV3()
        ? userContext.data({ method: 'POST', path: '/v3/admin/cs/config', form: { dataId, groupName: g, content: 'overwritten' }, what: 'write config' })
        : userContext.text({ method: 'POST', path: '/v1/cs/configs', form: { dataId, group: g, content: 'overwritten' }, what: 'write config' });

    // Allowed: read in the permitted group (once the server's permission cache has it).
    expect(await waitFor(async () => (await fresh(pw1), await readConfig(group)), { ...CACHE_WAIT, what: 'the permitted read' })).toBe('allowed');
    // Refused: a read outside it, a write in it, and the admin's business.
    await fresh(pw1);
    expect(await codeOf(readConfig(otherGroup))).toBe('AUTH');
    expect(await codeOf(writeConfig(group))).toBe('AUTH');
    expect(await codeOf(userClient.auth.usersPage())).toBe('AUTH');
    expect(await codeOf(userClient.auth.rolesPage())).toBe('AUTH');
    expect(await codeOf(userClient.auth.createUser(uniqueId('au-nope'), 'x-password'))).toBe('AUTH');
    expect(await codeOf(userClient.auth.changePassword(nacos().auth.username, 'not-this'))).toBe('AUTH');
    // Nothing was written.
    expect(await configs.getConfig({ dataId, group })).toBe('allowed');

    // A user may change its own password; then the old one is refused and the new one works (after the cache).
    await userClient.auth.changePassword(user, pw2);
    await waitFor(async () => (await codeOf(admin.login(user, pw1))) === 'AUTH', { ...CACHE_WAIT, what: 'the old password refused' });
    expect((await waitFor(() => admin.login(user, pw2), { ...CACHE_WAIT, what: 'the new password works' })).username).toBe(user);

    // Clean up through the API, and see each step take effect.
    await admin.auth.removePermission(grant);
    await waitFor(async () => (await admin.auth.permissionsPage({ role })).totalCount === 0, { what: 'the permission gone' });
    await admin.auth.removeRole(role, user);
    await waitFor(async () => (await admin.auth.rolesPage({ role })).totalCount === 0, { what: 'the role gone' });
    await admin.auth.deleteUser(user);
    await waitFor(async () => (await admin.auth.usersPage({ username: user })).totalCount === 0, { what: 'the user gone' });
    await waitFor(async () => (await codeOf(admin.login(user, pw2))) === 'AUTH', { ...CACHE_WAIT, what: 'the deleted user refused' });
    userClient.shutdown();
    userContext.close();
    admin.shutdown();
  }, 180_000);

  it('refusals are typed errors: a taken name, an unknown user, ROLE_ADMIN, deleting the admin', async () => {
    const admin = authAdmin();
    const user = uniqueId('au-dup');
    const pw = `pw-${crypto.randomUUID()}`;
    secrets.push(pw);
    await admin.auth.createUser(user, pw);
    cleanups.push(() => admin.auth.deleteUser(user));
    await waitFor(async () => (await admin.auth.usersPage({ username: user })).totalCount === 1, { what: 'the user listed' });

    // 2.x says why (400 "already exist", "not found"); 3.0 answers an empty 200, which must not pass for success.
    expect(await codeOf(admin.auth.createUser(user, pw))).toBe('SERVER');
    expect(await codeOf(admin.auth.addRole(uniqueId('au-role'), uniqueId('au-nobody')))).toBe(isV3() ? 'SERVER' : 'NOT_FOUND');
    expect(await codeOf(admin.auth.addPermission({ role: uniqueId('au-norole'), resource: ':*:*', action: 'r' }))).toBe(isV3() ? 'SERVER' : 'NOT_FOUND');
    expect(await codeOf(admin.auth.addRole('ROLE_ADMIN', user))).toBe('SERVER');
    expect((await admin.auth.rolesPage({ username: user })).items).toEqual([]);
    expect(await codeOf(admin.auth.deleteUser(nacos().auth.username))).toBe('SERVER');
    expect((await admin.auth.usersPage({ username: nacos().auth.username })).items.map((u) => u.username)).toContain(nacos().auth.username);
    admin.shutdown();
  });

  it('bad input is VALIDATION before any request', async () => {
    const before = wire.requests.length;
    const admin = authAdmin();
    const bad: [string, () => Promise<unknown>][] = [
      ['createUser empty name', () => admin.auth.createUser('', 'pw')],
      ['createUser empty password', () => admin.auth.createUser('x', '')],
      ['createUser non-string', () => admin.auth.createUser(42 as unknown as string, 'pw')],
      ['deleteUser empty', () => admin.auth.deleteUser('')],
      ['changePassword empty', () => admin.auth.changePassword('x', '')],
      ['addRole empty role', () => admin.auth.addRole('', 'x')],
      // without a username the servers would take the role from every user
      ['removeRole without user', () => admin.auth.removeRole('r', '')],
      ['addPermission bad action', () => admin.auth.addPermission({ role: 'r', resource: ':*:*', action: 'x' as 'r' })],
      ['removePermission no resource', () => admin.auth.removePermission({ role: 'r', resource: '', action: 'r' })],
      ['usersPage page size 0', () => admin.auth.usersPage({}, { pageSize: 0 })],
      ['usersPage page 1.5', () => admin.auth.usersPage({}, { pageNumber: 1.5 })],
      ['rolesPage unknown field', () => admin.auth.rolesPage({ user: 'x' } as never)],
      ['permissions bad signal', async () => admin.auth.permissions({}, { signal: 'x' as never })],
      ['users bad query', async () => admin.auth.users({ username: 1 as never })],
    ];
    for (const [name, call] of bad) expect([name, await codeOf(call())]).toEqual([name, 'VALIDATION']);
    expect(wire.requests.length).toBe(before);
    admin.shutdown();
  });

  it('passwords and tokens never appear in a URL or a log line', () => {
    // Runs after the scenarios above, over everything they sent and logged.
    expect(secrets.length).toBeGreaterThan(3);
    expect(wire.requests.length).toBeGreaterThan(10);
    for (const { url } of wire.requests) for (const secret of secrets) expect(url).not.toContain(encodeURIComponent(secret));
    for (const line of log.lines) for (const secret of secrets) expect(line).not.toContain(secret);
    // The recorder does see them, where they belong: in form bodies.
    expect(wire.requests.some((r) => r.method === 'POST' && r.body.includes('password='))).toBe(true);
    expect(wire.requests.some((r) => r.method === 'PUT' && r.body.includes('newPassword='))).toBe(true);
    expect(log.lines.length).toBeGreaterThan(0);
  });
});

describe('admin auth on the plain server (auth off for clients)', () => {
  it('user management needs no token there: anyone who reaches it may create and delete users', async () => {
    // 2.x with auth off checks nothing; 3.0 checks /v3/auth/* only when nacos.core.auth.enabled (the admin API's
    // own switch does not cover it). Documented, not endorsed: keep such servers unreachable.
    const anonymous = new NacosAdminClient({ serverAddresses: nacos().serverAddr, logLevel: 'silent' });
    const user = uniqueId('au-open');
    await anonymous.auth.createUser(user, `pw-${crypto.randomUUID()}`);
    cleanups.push(() => anonymous.auth.deleteUser(user));
    await waitFor(async () => (await anonymous.auth.usersPage({ username: user })).totalCount === 1, { what: 'the user listed' });
    await anonymous.auth.deleteUser(user);
    await waitFor(async () => (await anonymous.auth.usersPage({ username: user })).totalCount === 0, { what: 'the user gone' });
  });
});

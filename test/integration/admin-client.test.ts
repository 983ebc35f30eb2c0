// The admin client's foundation against the official servers: the generation probe, login and the token source,
// expired and invalid tokens, aborts and shutdown, validation, and how error answers map to error codes.
import { describe, expect, it } from 'vitest';
import { NacosAdminClient, type AdminClientOptions } from '../../src/admin.js';
import { AdminContext } from '../../src/admin/context.js';
import { createClientConfig, isNacosError, type NacosErrorCode } from '../../src/index.js';
import { isV3, nacos, recordingFetch, uniqueId, waitFor } from './helpers.js';

const expected = () => (isV3() ? 'v3' : 'v2');
const PROBE = '/nacos/v3/admin/core/state';

async function codeOf(promise: Promise<unknown>): Promise<NacosErrorCode | 'resolved' | 'other'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isNacosError(error) ? error.code : 'other';
  }
}

/** A fetch that holds every answer back `delayMs` (so calls are still in flight when a test aborts them). */
function slowFetch(delayMs: number) {
  const recorder = recordingFetch();
  const fetchImpl = async (input: Request | string | URL, init?: RequestInit) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return recorder.fetch(input, init);
  };
  return { ...recorder, fetch: fetchImpl };
}

const authOptions = (extra: Partial<AdminClientOptions> = {}): AdminClientOptions => {
  const { serverAddr, username, password } = nacos().auth;
  return { serverAddresses: serverAddr, username, password, logLevel: 'silent', ...extra };
};

describe('generation probe', () => {
  it(`answers the server's admin generation, on the plain and the auth server`, async () => {
    for (const serverAddresses of [nacos().serverAddr, nacos().auth.serverAddr]) {
      const admin = new NacosAdminClient({ serverAddresses, logLevel: 'silent' });
      expect(await admin.generation()).toBe(expected());
      admin.shutdown();
    }
  });

  it('is one request for concurrent callers, and cached after', async () => {
    const recorder = recordingFetch();
    const admin = new NacosAdminClient({ serverAddresses: nacos().serverAddr, logLevel: 'silent', fetch: recorder.fetch });
    const answers = await Promise.all([admin.generation(), admin.generation(), admin.generation(), admin.generation()]);
    expect(answers).toEqual([expected(), expected(), expected(), expected()]);
    expect(await admin.generation()).toBe(expected());
    expect(recorder.paths.filter((p) => p === PROBE)).toHaveLength(1);
    admin.shutdown();
  });

  it("a caller's abort ends only its own wait", async () => {
    const slow = slowFetch(400);
    const admin = new NacosAdminClient({ serverAddresses: nacos().serverAddr, logLevel: 'silent', fetch: slow.fetch });
    const controller = new AbortController();
    const started = Date.now();
    const aborted = admin.generation({ signal: controller.signal });
    const other = admin.generation();
    setTimeout(() => controller.abort(), 50);
    expect(await codeOf(aborted)).toBe('ABORTED');
    expect(Date.now() - started).toBeLessThan(350);
    expect(await other).toBe(expected());
    expect(slow.paths.filter((p) => p === PROBE)).toHaveLength(1);
    // An aborted list call, too, ends alone.
    const c2 = new AbortController();
    const listing = admin.auth.usersPage({}, { signal: c2.signal });
    c2.abort();
    expect(await codeOf(listing)).toBe('ABORTED');
    admin.shutdown();
  });
});

describe('login and the token source', () => {
  it('login() answers the token, which works through accessToken', async () => {
    const admin = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent' });
    const { username, password } = nacos().auth;
    const login = await admin.login(username, password);
    expect(login).toMatchObject({ username, globalAdmin: true });
    expect(login.accessToken.length).toBeGreaterThan(20);
    expect(login.tokenTtl).toBeGreaterThan(0);
    expect(login.tokenTtl).toBeLessThanOrEqual(nacos().auth.tokenTtlSeconds ?? 18_000);

    const recorder = recordingFetch();
    let asked = 0;
    const withToken = new NacosAdminClient({
      serverAddresses: nacos().auth.serverAddr,
      logLevel: 'silent',
      fetch: recorder.fetch,
      accessToken: () => {
        asked++;
        return login.accessToken;
      },
    });
    const users = await withToken.auth.usersPage({ username });
    expect(users.items.map((u) => u.username)).toContain(username);
    expect(asked).toBeGreaterThan(0);
    // The token source stands in for a login: the client never logs in itself.
    expect(recorder.paths.some((p) => /login/.test(p))).toBe(false);
    withToken.shutdown();
    admin.shutdown();
  });

  it('a wrong password is AUTH', async () => {
    const admin = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent' });
    expect(await codeOf(admin.login(nacos().auth.username, 'not-the-password'))).toBe('AUTH');
    expect(await codeOf(admin.login(uniqueId('nobody'), 'not-the-password'))).toBe('AUTH');
    admin.shutdown();
  });

  it('an invalid token, and an expired one, answer AUTH (the dashboard shows "expired login" from it)', async () => {
    const invalid = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent', accessToken: () => 'not-a-token' });
    const error = await invalid.auth.usersPage().catch((e: unknown) => e);
    expect(isNacosError(error, 'AUTH')).toBe(true);
    expect((error as { status?: number }).status).toBe(403);
    invalid.shutdown();

    // The auth server's tokens live 8 s: the same token works, then stops working (polled, not slept).
    const admin = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent' });
    const { accessToken, tokenTtl } = await admin.login(nacos().auth.username, nacos().auth.password);
    expect(tokenTtl).toBeLessThan(60);
    const holder = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent', accessToken: () => accessToken });
    expect((await holder.auth.usersPage()).totalCount).toBeGreaterThan(0);
    await waitFor(async () => (await codeOf(holder.auth.usersPage())) === 'AUTH', { timeoutMs: (tokenTtl + 10) * 1000, intervalMs: 250, what: 'the token to expire' });
    holder.shutdown();
    admin.shutdown();
  });

  it('the token source may answer undefined: then no token is sent (and the auth server refuses)', async () => {
    const admin = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent', accessToken: () => undefined });
    expect(await codeOf(admin.auth.usersPage())).toBe('AUTH');
    admin.shutdown();
  });
});

describe('shutdown', () => {
  it('aborts calls in flight; later calls fail without a request', async () => {
    const slow = slowFetch(300);
    const admin = new NacosAdminClient(authOptions({ fetch: slow.fetch }));
    const inFlight = admin.auth.usersPage();
    await waitFor(() => slow.paths.length > 0, { what: 'the first request sent' });
    admin.shutdown();
    expect(await codeOf(inFlight)).toBe('ABORTED');
    const sent = slow.paths.length;
    expect(await codeOf(admin.auth.rolesPage())).toBe('ABORTED');
    expect(await codeOf(admin.generation())).toBe('ABORTED');
    expect(await codeOf(admin.login('nacos', 'x'))).toBe('ABORTED');
    expect(slow.paths.length).toBe(sent);
  });
});

describe('validation', () => {
  it('bad options and inputs are VALIDATION before any request', async () => {
    const recorder = recordingFetch();
    const construct = (options: unknown) => {
      try {
        new NacosAdminClient(options as AdminClientOptions);
        return 'constructed';
      } catch (error) {
        return isNacosError(error) ? error.code : 'other';
      }
    };
    expect(construct({ serverAddresses: nacos().serverAddr, accessToken: 'a-token', fetch: recorder.fetch })).toBe('VALIDATION');
    expect(construct({ serverAddresses: nacos().serverAddr, timeoutMs: -1, fetch: recorder.fetch })).toBe('VALIDATION');
    expect(construct({ serverAddresses: nacos().serverAddr, logLevel: 'loud', fetch: recorder.fetch })).toBe('VALIDATION');
    expect(construct({ serverAddresses: nacos().serverAddr, unknownOption: 1, fetch: recorder.fetch })).toBe('VALIDATION');

    const admin = new NacosAdminClient({ serverAddresses: nacos().serverAddr, logLevel: 'silent', fetch: recorder.fetch });
    expect(await codeOf(admin.login('', 'x'))).toBe('VALIDATION');
    expect(await codeOf(admin.login('nacos', '' as string))).toBe('VALIDATION');
    expect(await codeOf(admin.login('nacos', 42 as unknown as string))).toBe('VALIDATION');
    expect(await codeOf(admin.login('nacos', 'x', { signal: 'no' as unknown as AbortSignal }))).toBe('VALIDATION');
    expect(await codeOf(admin.auth.usersPage({}, { pageSize: -5 }))).toBe('VALIDATION');
    expect(recorder.paths).toEqual([]);
    admin.shutdown();
  });
});

describe('error answers map to codes', () => {
  it('envelope codes and statuses of the real servers: NOT_FOUND, VALIDATION, AUTH', async () => {
    // The admin API needs the admin on 3.x; 2.x's v2 open API needs nothing on the plain server.
    const admin = nacos().admin;
    const context = new AdminContext(createClientConfig({ serverAddresses: nacos().serverAddr, logLevel: 'silent', ...(isV3() ? admin : {}) }));
    const v3 = isV3();
    const ask = (path: string, query: Record<string, string>) => codeOf(context.data({ method: 'GET', path, query, what: `GET ${path}` }));
    // 20004 resource not found (HTTP 404)
    expect(await ask(v3 ? '/v3/admin/cs/config' : '/v2/cs/config', { dataId: uniqueId('absent'), [v3 ? 'groupName' : 'group']: 'DEFAULT_GROUP' })).toBe('NOT_FOUND');
    // 21008 service not exist (HTTP 400)
    expect(await ask(v3 ? '/v3/admin/ns/service' : '/v2/ns/service', { serviceName: uniqueId('absent') })).toBe('NOT_FOUND');
    // 22001 namespace not exist (HTTP 404)
    expect(await ask(v3 ? '/v3/admin/core/namespace' : '/v2/console/namespace', { namespaceId: uniqueId('absent') })).toBe('NOT_FOUND');
    // 10000 parameter missing (HTTP 400)
    expect(await ask(v3 ? '/v3/admin/cs/config' : '/v2/cs/config', { [v3 ? 'groupName' : 'group']: 'DEFAULT_GROUP' })).toBe('VALIDATION');
    context.close();

    // A 403 of the auth filter (no token) is AUTH.
    const anonymous = new AdminContext(createClientConfig({ serverAddresses: nacos().auth.serverAddr, logLevel: 'silent' }));
    expect(await codeOf(anonymous.json({ method: 'GET', path: v3 ? '/v3/auth/user/list' : '/v1/auth/users', query: { pageNo: 1, pageSize: 1, search: 'accurate' }, what: 'list users' }))).toBe('AUTH');
    anonymous.close();
  });
});

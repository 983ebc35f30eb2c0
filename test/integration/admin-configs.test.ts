// The admin client's config calls against the official servers of each generation (2.x: the v1 config API and the
// v2 open API; 3.x: /v3/admin/cs/*): search, detail, publish with metadata and CAS, delete, history and rollback,
// beta release, listeners; and what a user without the admin role may do on the server with auth on.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isNacosError, NacosAdminClient, type ConfigSummary, type HistoryEntry } from '../../src/admin.js';
import { grpcPush } from '../../src/grpc/index.js';
import { createClientConfig, NacosConfigService } from '../../src/index.js';
import { authUrl, isV3, nacos, plainOptions, uniqueId, waitFor as waitForAny } from './helpers.js';

const admin = new NacosAdminClient(plainOptions());
/** A namespace of this file's own, so that searches with few terms see only this file's configs. */
const ns = uniqueId('adm-cfg-ns');
beforeAll(async () => {
  await admin.namespaces.create({ id: ns, name: ns });
});
afterAll(async () => {
  for await (const config of admin.configs.search({ namespaceId: ns })) await admin.configs.delete({ namespaceId: ns, dataId: config.dataId, group: config.group });
  await admin.namespaces.delete(ns);
  admin.shutdown();
});

const services: NacosConfigService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** waitFor, typed for checks that answer the value once it is there and undefined (or false) before. */
const waitFor = <T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> =>
  waitForAny(check, options) as Promise<T>;

/** What the call did: `ok`, or the error code. */
const outcome = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (e: unknown) => (isNacosError(e) ? e.code : String(e)),
  );

const ids = (items: ConfigSummary[]) => items.map((c) => c.dataId).sort();

describe('admin configs: detail, publish, delete', () => {
  it('publishes with type, description, tags and app name, all visible in the detail', async () => {
    const dataId = uniqueId('adm-pub');
    const content = 'a: 1\nb: two\n';
    await admin.configs.publish({ namespaceId: ns, dataId, group: 'ADM_G', content, type: 'yaml', description: 'the description', tags: ['red', 'blue'], appName: 'adm-app' });
    const detail = await waitFor(() => admin.configs.get({ namespaceId: ns, dataId, group: 'ADM_G' }), { what: 'the config' });
    expect(detail).toMatchObject({ namespaceId: ns, dataId, group: 'ADM_G', content, md5: md5(content), type: 'yaml', description: 'the description', appName: 'adm-app', createIp: '127.0.0.1' });
    expect(detail.tags.sort()).toEqual(['blue', 'red']);
    expect(detail.id).toMatch(/^\d+$/);
    expect(detail.modifyTime).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(detail.createTime).toBeGreaterThan(0);
  });

  it('publishes to the public namespace under either of its names and reads it back', async () => {
    const dataId = uniqueId('adm-public');
    await admin.configs.publish({ namespaceId: 'public', dataId, content: 'p=1' });
    expect(await waitFor(() => admin.configs.get({ dataId }), { what: 'the config' })).toMatchObject({ dataId, group: 'DEFAULT_GROUP', content: 'p=1', type: 'text' });
    expect((await admin.configs.get({ namespaceId: '', dataId })).content).toBe('p=1');
    await admin.configs.delete({ namespaceId: 'public', dataId });
    await waitFor(async () => (await outcome(admin.configs.get({ dataId }))) === 'NOT_FOUND', { what: 'the config gone' });
  });

  it('answers NOT_FOUND for an absent config', async () => {
    expect(await outcome(admin.configs.get({ namespaceId: ns, dataId: uniqueId('adm-none') }))).toBe('NOT_FOUND');
  });

  it('publishes with casMd5 only while the md5 matches; a lost race is CAS_CONFLICT', async () => {
    const dataId = uniqueId('adm-cas');
    const key = { namespaceId: ns, dataId };
    await admin.configs.publish({ ...key, content: 'v1' });
    await waitFor(async () => (await admin.configs.get(key)).content === 'v1', { what: 'v1' });
    await admin.configs.publish({ ...key, content: 'v2', casMd5: md5('v1') });
    await waitFor(async () => (await admin.configs.get(key)).content === 'v2', { what: 'v2' });
    const lost = await admin.configs.publish({ ...key, content: 'v3', casMd5: md5('v1') }).catch((e: unknown) => e);
    expect(isNacosError(lost, 'CAS_CONFLICT'), String(lost)).toBe(true);
    expect((await admin.configs.get(key)).content).toBe('v2');
  });

  it('deletes one config, and many at once (absent ones included)', async () => {
    const keys = [1, 2, 3].map((i) => ({ namespaceId: ns, dataId: uniqueId(`adm-del${i}`), group: 'DEL_G' }));
    for (const key of keys) await admin.configs.publish({ ...key, content: `c ${key.dataId}` });
    await waitFor(async () => (await admin.configs.searchPage({ namespaceId: ns, group: 'DEL_G' })).totalCount === 3, { what: 'three configs' });
    await admin.configs.delete(keys[0]!);
    await waitFor(async () => (await outcome(admin.configs.get(keys[0]!))) === 'NOT_FOUND', { what: 'the first gone' });
    await admin.configs.deleteMany([...keys, { namespaceId: ns, dataId: uniqueId('adm-del-absent'), group: 'DEL_G' }]);
    await waitFor(async () => (await admin.configs.searchPage({ namespaceId: ns, group: 'DEL_G' })).totalCount === 0, { what: 'all gone' });
    for (const key of keys) expect(await outcome(admin.configs.get(key))).toBe('NOT_FOUND');
  });
});

describe('admin configs: search', () => {
  const prefix = uniqueId('adm-srch');
  const group = uniqueId('SRCH_G');
  const configs = [
    { dataId: `${prefix}-alpha.yaml`, content: 'needle: yes\n', type: 'yaml', tags: ['t-one', 't-two'], appName: 'app-a' },
    { dataId: `${prefix}-beta.properties`, content: 'needle=no', type: 'properties', tags: ['t-two'], appName: 'app-b' },
    { dataId: `${prefix}-gamma.json`, content: '{"hay":1}', type: 'json', tags: ['t-three'], appName: 'app-a' },
  ] as const;
  beforeAll(async () => {
    for (const c of configs) await admin.configs.publish({ namespaceId: ns, group, ...c, tags: [...c.tags] });
    await waitFor(async () => (await admin.configs.searchPage({ namespaceId: ns, group })).totalCount === 3, { what: 'the configs searchable' });
  });
  const search = async (query: Parameters<typeof admin.configs.searchPage>[0]) => ids((await admin.configs.searchPage({ namespaceId: ns, ...query }, { pageSize: 50 })).items);

  it('by dataId, exact and fuzzy', async () => {
    expect(await search({ dataId: configs[0].dataId })).toEqual([configs[0].dataId]);
    // Exact: a part matches nothing; fuzzy: a part is a substring, `*` a wildcard (fuzzy by default then).
    expect(await search({ dataId: `${prefix}-alpha` })).toEqual([]);
    expect(await search({ dataId: `${prefix}-alpha`, mode: 'fuzzy' })).toEqual([configs[0].dataId]);
    expect(await search({ dataId: `${prefix}-*` })).toEqual(ids(configs as unknown as ConfigSummary[]));
    expect(await search({ dataId: `*${prefix.slice(4)}*.json` })).toEqual([configs[2].dataId]);
  });

  it('by group, exact and fuzzy', async () => {
    expect(await search({ group })).toHaveLength(3);
    expect(await search({ group: group.slice(0, -2) })).toEqual([]);
    expect(await search({ group: group.slice(2, -2), mode: 'fuzzy' })).toHaveLength(3);
  });

  it('by content, fuzzy and exact', async () => {
    expect(await search({ group, content: 'needle', mode: 'fuzzy' })).toEqual([configs[0].dataId, configs[1].dataId].sort());
    expect(await search({ group, content: '*needle=*' })).toEqual([configs[1].dataId]);
    expect(await search({ group, content: '{"hay":1}' })).toEqual([configs[2].dataId]);
  });

  it('by tags (any of them) and app name', async () => {
    expect(await search({ group, tags: ['t-two'] })).toEqual([configs[0].dataId, configs[1].dataId].sort());
    expect(await search({ group, tags: ['t-three', 't-one'] })).toEqual([configs[0].dataId, configs[2].dataId].sort());
    expect(await search({ group, appName: 'app-a' })).toEqual([configs[0].dataId, configs[2].dataId].sort());
    expect(await search({ group, appName: 'app-a', tags: ['t-two'] })).toEqual([configs[0].dataId]);
  });

  it('answers the list fields, and pages', async () => {
    const page = await admin.configs.searchPage({ namespaceId: ns, group }, { pageSize: 2 });
    expect(page).toMatchObject({ totalCount: 3, pageNumber: 1, pagesAvailable: 2 });
    expect(page.items).toHaveLength(2);
    const second = await admin.configs.searchPage({ namespaceId: ns, group }, { pageSize: 2, pageNumber: 2 });
    expect(second.items).toHaveLength(1);
    const all = await collect(admin.configs.search({ namespaceId: ns, group }, { pageSize: 1 }));
    expect(ids(all)).toEqual(ids(configs as unknown as ConfigSummary[]));
    const alpha = all.find((c) => c.dataId === configs[0].dataId)!;
    expect(alpha).toMatchObject({ namespaceId: ns, group, appName: 'app-a', type: 'yaml' });
    // 2.x lists carry the content, 3.x lists do not.
    if (!isV3()) expect(alpha.content).toBe(configs[0].content);
  });
});

describe('admin configs: history and rollback', () => {
  /** Publishes v1, v2, v3 and answers the key and its history, newest first. */
  async function threeVersions() {
    const key = { namespaceId: ns, dataId: uniqueId('adm-hist'), group: 'HIST_G' };
    await admin.configs.publish({ ...key, content: 'v1', type: 'properties', description: 'd1' });
    for (const content of ['v2', 'v3']) {
      await admin.configs.publish({ ...key, content, type: 'properties', description: 'd1' });
    }
    const entries = await waitFor(async () => {
      const page = await admin.configs.historyPage(key);
      return page.totalCount === 3 && page.items;
    }, { what: 'three history entries' });
    return { key, entries };
  }

  it('lists entries newest first; an entry holds the content it published or replaced', async () => {
    const { key, entries } = await threeVersions();
    expect(entries.map((e) => e.opType)).toEqual(['U', 'U', 'I']);
    expect(entries.map((e) => Number(e.id))).toEqual([...entries.map((e) => Number(e.id))].sort((a, b) => b - a));
    for (const e of entries) {
      expect(e).toMatchObject({ namespaceId: ns, dataId: key.dataId, group: 'HIST_G', srcIp: '127.0.0.1' });
      expect(e.modifyTime).toBeGreaterThan(Date.now() - 10 * 60_000);
    }
    const [newest, middle, oldest] = entries as [HistoryEntry, HistoryEntry, HistoryEntry];
    // An update's entry keeps the content it replaced; the insert's, what it published.
    expect(await admin.configs.historyEntry({ ...key, id: newest.id })).toMatchObject({ id: newest.id, opType: 'U', content: 'v2', md5: md5('v2'), type: 'properties', description: 'd1' });
    expect((await admin.configs.historyEntry({ ...key, id: middle.id })).content).toBe('v1');
    expect((await admin.configs.historyEntry({ ...key, id: oldest.id })).content).toBe('v1');
    expect(await collect(admin.configs.history(key, { pageSize: 1 }))).toEqual(entries);
    expect((await admin.configs.historyPage(key, { pageSize: 2, pageNumber: 2 })).items.map((e) => e.id)).toEqual([oldest.id]);
  });

  it('answers the entry before another, and NOT_FOUND before the oldest', async () => {
    const { key, entries } = await threeVersions();
    const [newest, middle, oldest] = entries as [HistoryEntry, HistoryEntry, HistoryEntry];
    expect(await admin.configs.previous({ ...key, id: newest.id })).toMatchObject({ id: middle.id, content: 'v1' });
    expect(await admin.configs.previous({ ...key, id: middle.id })).toMatchObject({ id: oldest.id, opType: 'I', content: 'v1' });
    expect(await outcome(admin.configs.previous({ ...key, id: oldest.id }))).toBe('NOT_FOUND');
  });

  it('answers NOT_FOUND for an unknown id and for an entry of another config', async () => {
    const { key, entries } = await threeVersions();
    const other = { namespaceId: ns, dataId: uniqueId('adm-hist-other'), group: 'HIST_G' };
    expect(await outcome(admin.configs.historyEntry({ ...other, id: entries[0]!.id }))).toBe('NOT_FOUND');
    expect(await outcome(admin.configs.historyEntry({ ...key, id: '999999999999' }))).toBe('NOT_FOUND');
    expect(await outcome(admin.configs.previous({ ...other, id: entries[0]!.id }))).toBe('NOT_FOUND');
    expect(await outcome(admin.configs.rollback({ ...key, id: '999999999999' }))).toBe('NOT_FOUND');
  });

  it('rolls back to an entry, and re-creates a deleted config from its D entry', async () => {
    const { key, entries } = await threeVersions();
    const oldest = entries.at(-1)!;
    await admin.configs.rollback({ ...key, id: oldest.id });
    await waitFor(async () => (await admin.configs.get(key)).content === 'v1', { what: 'the rollback' });
    expect(await admin.configs.get(key)).toMatchObject({ content: 'v1', type: 'properties', description: 'd1' });

    await admin.configs.delete(key);
    const deleted = await waitFor(async () => (await admin.configs.historyPage(key)).items.find((e) => e.opType === 'D'), { what: 'the D entry' });
    expect(await outcome(admin.configs.get(key))).toBe('NOT_FOUND');
    await admin.configs.rollback({ ...key, id: deleted.id });
    expect(await waitFor(() => admin.configs.get(key).catch(() => undefined), { what: 'the config re-created' })).toMatchObject({ content: 'v1', type: 'properties' });
  });
});

describe('admin configs: beta release', () => {
  it('publishes a beta for some IPs, reads it, and stops it; the formal content stays', async () => {
    const key = { namespaceId: ns, dataId: uniqueId('adm-beta') };
    await admin.configs.publish({ ...key, content: 'formal' });
    expect(await admin.configs.getBeta(key)).toBeUndefined();
    await admin.configs.publishBeta({ ...key, content: 'beta content', betaIps: ['10.9.8.7', '10.9.8.6'] });
    const beta = await waitFor(() => admin.configs.getBeta(key), { what: 'the beta' });
    expect(beta).toEqual({ content: 'beta content', md5: md5('beta content'), betaIps: ['10.9.8.7', '10.9.8.6'] });
    expect((await admin.configs.get(key)).content).toBe('formal');
    await admin.configs.stopBeta(key);
    await waitFor(async () => (await admin.configs.getBeta(key)) === undefined, { what: 'the beta stopped' });
    expect((await admin.configs.get(key)).content).toBe('formal');
    // Stopping none succeeds.
    await admin.configs.stopBeta(key);
  });
});

describe('admin configs: listeners', () => {
  it('lists a client that listens to the config, with the md5 it has', async () => {
    const dataId = uniqueId('adm-lsn');
    const key = { namespaceId: ns, dataId };
    await admin.configs.publish({ ...key, content: 'listened' });
    expect(await admin.configs.listeners(key)).toEqual([]);
    // 2.x: the core's HTTP long poll; 3.x (no v1 client API): the gRPC push adapter's listen.
    const service = await NacosConfigService.createConfigService(createClientConfig(plainOptions({ namespaceId: ns, ...(isV3() ? { push: grpcPush() } : {}) })));
    services.push(service);
    await waitFor(async () => (await service.getConfig({ dataId })) === 'listened', { what: 'the config readable' });
    const seen: string[] = [];
    await service.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    const listeners = await waitFor(async () => {
      const list = await admin.configs.listeners(key);
      return list.length > 0 && list;
    }, { what: 'the listener listed', timeoutMs: 40_000, intervalMs: 250 });
    expect(listeners).toHaveLength(1);
    expect(listeners[0]!.md5).toBe(md5('listened'));
    // 3.x keys a gRPC listener by the IP its client reports in the connection's metadata, which the push adapter
    // leaves empty (a fetch runtime does not know its address); 2.x lists the long poll's remote address.
    expect(listeners[0]!.ip).toBe(isV3() ? '' : '127.0.0.1');
  }, 60_000);
});

describe('admin configs: bad input', () => {
  it('is refused before any request', async () => {
    const calls: Promise<unknown>[] = [
      admin.configs.get({ dataId: '' }),
      admin.configs.publish({ dataId: 'x', content: ' ' }),
      admin.configs.historyEntry({ dataId: 'x', id: 'abc' }),
      admin.configs.publishBeta({ dataId: 'x', content: 'y', betaIps: [] }),
    ];
    for (const call of calls) expect(await outcome(call)).toBe('VALIDATION');
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
const authPaths = () =>
  isV3() ? { user: '/v3/auth/user', role: '/v3/auth/role', permission: '/v3/auth/permission' } : { user: '/v1/auth/users', role: '/v1/auth/roles', permission: '/v1/auth/permissions' };

describe('admin configs as a user without the admin role', () => {
  const username = uniqueId('cfg_ro').replace(/-/g, '_').slice(0, 30);
  const password = `pw-${crypto.randomUUID()}`;
  const role = `${username}_role`;
  // 2.x names the public namespace '' in permission resources (so `:*:*`); 3.x names it `public`.
  const resource = () => (isV3() ? 'public:*:*' : ':*:*');
  const clients: NacosAdminClient[] = [];
  const owner = () => new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, username: nacos().auth.username, password: nacos().auth.password, logLevel: 'silent' });
  afterAll(async () => {
    await asAdmin('DELETE', authPaths().permission, { role, resource: resource(), action: 'rw' });
    await asAdmin('DELETE', authPaths().permission, { role, resource: resource(), action: 'r' });
    await asAdmin('DELETE', authPaths().role, { role, username });
    await asAdmin('DELETE', authPaths().user, { username });
    for (const c of clients) c.shutdown();
  });

  it('may do nothing without a permission; with read, read and search; with read-write, also publish', async () => {
    const boss = owner();
    clients.push(boss);
    const dataId = uniqueId('adm-ro');
    await boss.configs.publish({ dataId, content: 'ro=1' });
    const entry = await waitFor(async () => (await boss.configs.historyPage({ dataId })).items[0], { what: 'the history entry' });

    const created = await asAdmin('POST', authPaths().user, { username, password });
    expect(created.status, created.text).toBe(200);
    const user = new NacosAdminClient({ serverAddresses: nacos().auth.serverAddr, username, password, logLevel: 'silent' });
    clients.push(user);
    // The server loads new users into its cache every few seconds: wait until the login is accepted.
    await waitFor(async () => (await user.login(username, password)).accessToken, { timeoutMs: 30_000, intervalMs: 500, what: 'the new user to log in' });

    const calls = {
      get: () => user.configs.get({ dataId }),
      search: () => user.configs.searchPage({ dataId }),
      history: () => user.configs.historyPage({ dataId }),
      historyEntry: () => user.configs.historyEntry({ dataId, id: entry.id }),
      getBeta: () => user.configs.getBeta({ dataId }),
      listeners: () => user.configs.listeners({ dataId }),
      publish: () => user.configs.publish({ dataId, content: 'ro=2' }),
      namespaces: () => user.namespaces.list(),
      createNamespace: () => user.namespaces.create({ id: uniqueId('adm-ro-ns'), name: 'ro' }),
    };
    const run = async () => Object.fromEntries(await Promise.all(Object.entries(calls).map(async ([k, f]) => [k, await outcome(f())] as const)));

    // Findings, per generation, are written up in the notes (readme-configs.md).
    const none = await run();
    expect(none).toEqual({
      get: 'AUTH',
      search: 'AUTH',
      history: 'AUTH',
      historyEntry: 'AUTH',
      getBeta: 'AUTH',
      listeners: 'AUTH',
      publish: 'AUTH',
      namespaces: isV3() ? 'AUTH' : 'ok',
      createNamespace: 'AUTH',
    });

    expect((await asAdmin('POST', authPaths().role, { role, username })).status).toBe(200);
    expect((await asAdmin('POST', authPaths().permission, { role, resource: resource(), action: 'r' })).status).toBe(200);
    await waitFor(async () => (await outcome(calls.get())) === 'ok', { timeoutMs: 40_000, intervalMs: 500, what: 'the read permission to take effect' });
    expect(await run()).toEqual({
      get: 'ok',
      search: 'ok',
      history: 'ok',
      historyEntry: 'ok',
      getBeta: 'ok',
      // 3.x's listener query is a write action; 2.x's a read.
      listeners: isV3() ? 'AUTH' : 'ok',
      publish: 'AUTH',
      namespaces: isV3() ? 'AUTH' : 'ok',
      createNamespace: 'AUTH',
    });

    expect((await asAdmin('POST', authPaths().permission, { role, resource: resource(), action: 'rw' })).status).toBe(200);
    await waitFor(async () => (await outcome(calls.publish())) === 'ok', { timeoutMs: 40_000, intervalMs: 500, what: 'the write permission to take effect' });
    expect(await run()).toEqual({
      get: 'ok',
      search: 'ok',
      history: 'ok',
      historyEntry: 'ok',
      getBeta: 'ok',
      listeners: 'ok',
      publish: 'ok',
      namespaces: isV3() ? 'AUTH' : 'ok',
      createNamespace: 'AUTH',
    });
    await boss.configs.delete({ dataId });
  }, 120_000);
});

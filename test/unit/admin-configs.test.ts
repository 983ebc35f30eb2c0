// The admin client's namespace and config calls without a server: bad input is refused before any request (the fetch
// throws if called), and the answers the servers give in their odd cases map to the contract's results.
import { describe, expect, it } from 'vitest';
import { isNacosError, NacosAdminClient } from '../../src/admin.js';

const throwingFetch = () => {
  throw new Error('no request may be made');
};
const offline = () => new NacosAdminClient({ serverAddresses: '127.0.0.1:8848', fetch: throwingFetch, logLevel: 'silent' });

const codeOf = (call: () => Promise<unknown> | unknown) =>
  Promise.resolve()
    .then(call)
    .then(
      () => 'ok',
      (e: unknown) => (isNacosError(e) ? e.code : String(e)),
    );

describe('admin configs and namespaces: validation before any request', () => {
  const admin = offline();
  const bad: Record<string, () => unknown> = {
    'get without dataId': () => admin.configs.get({ dataId: '' }),
    'get with a bad group': () => admin.configs.get({ dataId: 'x', group: 'a b' }),
    'get with a bad namespace': () => admin.configs.get({ dataId: 'x', namespaceId: 'not/ok' }),
    'get with an unknown field': () => admin.configs.get({ dataId: 'x', tenant: 'y' } as never),
    'publish blank content': () => admin.configs.publish({ dataId: 'x', content: '  ' }),
    'publish an unknown type': () => admin.configs.publish({ dataId: 'x', content: 'y', type: 'yml' }),
    'publish a tag with a comma': () => admin.configs.publish({ dataId: 'x', content: 'y', tags: ['a,b'] }),
    'publish an upper-case casMd5': () => admin.configs.publish({ dataId: 'x', content: 'y', casMd5: 'ABCDEF0123456789ABCDEF0123456789' }),
    'publish a long description': () => admin.configs.publish({ dataId: 'x', content: 'y', description: 'd'.repeat(129) }),
    'publishBeta without IPs': () => admin.configs.publishBeta({ dataId: 'x', content: 'y', betaIps: [] }),
    'publishBeta with a bad IP': () => admin.configs.publishBeta({ dataId: 'x', content: 'y', betaIps: ['1.2.3.4,5.6.7.8'] }),
    'searchPage with a bad mode': () => admin.configs.searchPage({ mode: 'regex' as never }),
    'searchPage with page 0': () => admin.configs.searchPage({}, { pageNumber: 0 }),
    'searchPage with page size 501': () => admin.configs.searchPage({}, { pageSize: 501 }),
    'search with page size 0': () => admin.configs.search({}, { pageSize: 0 }),
    'search with a bad signal': () => admin.configs.search({}, { signal: 'no' as never }),
    'deleteMany with one bad key': () => admin.configs.deleteMany([{ dataId: 'ok' }, { dataId: '' }]),
    'historyPage with a bad key': () => admin.configs.historyPage({ dataId: '' }),
    'history with page size 1000': () => admin.configs.history({ dataId: 'x' }, { pageSize: 1000 }),
    'historyEntry with a non-numeric id': () => admin.configs.historyEntry({ dataId: 'x', id: 'abc' }),
    'previous with id 0': () => admin.configs.previous({ dataId: 'x', id: '0' }),
    'rollback without id': () => admin.configs.rollback({ dataId: 'x' } as never),
    'getBeta with a bad key': () => admin.configs.getBeta({ dataId: 'a b' }),
    'stopBeta with a bad key': () => admin.configs.stopBeta({ dataId: '' }),
    'listeners with a bad key': () => admin.configs.listeners({ dataId: '' }),
    'namespace get with a bad id': () => admin.namespaces.get('a b'),
    'namespace create without name': () => admin.namespaces.create({ name: '' }),
    'namespace create with @ in the name': () => admin.namespaces.create({ name: 'a@b' }),
    'namespace create of public': () => admin.namespaces.create({ id: 'public', name: 'p' }),
    'namespace update of public': () => admin.namespaces.update({ id: 'public', name: 'p' }),
    'namespace update without id': () => admin.namespaces.update({ id: '', name: 'p' }),
    'namespace delete of the public namespace': () => admin.namespaces.delete(''),
    'namespace list with a bad signal': () => admin.namespaces.list({ signal: {} as never }),
  };
  for (const [name, call] of Object.entries(bad)) {
    it(`refuses ${name}`, async () => {
      expect(await codeOf(call)).toBe('VALIDATION');
    });
  }

  it('refuses a bad key of deleteMany before deleting any', async () => {
    const calls: string[] = [];
    const client = new NacosAdminClient({
      serverAddresses: '127.0.0.1:8848',
      logLevel: 'silent',
      fetch: (input) => {
        calls.push(String(input));
        throw new Error('no request may be made');
      },
    });
    expect(await codeOf(() => client.configs.deleteMany([{ dataId: 'a' }, { dataId: 'b', group: '' }]))).toBe('VALIDATION');
    expect(calls).toEqual([]);
  });
});

/** A fake server: the generation probe, then `answer` for every other request (method + path + query). */
function fake(generation: 'v2' | 'v3', answer: (method: string, url: URL, body: string) => [number, unknown]) {
  const requests: { method: string; url: URL; body: string; headers: Headers }[] = [];
  const fetch = async (input: Request | string | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
    if (url.pathname === '/nacos/v3/admin/core/state') {
      return generation === 'v3' ? Response.json({ version: '3.0.3' }) : new Response('{"timestamp":"x","status":404,"error":"Not Found","path":"/nacos/v3/admin/core/state"}', { status: 404, headers: { 'content-type': 'application/json' } });
    }
    requests.push({ method, url, body, headers: new Headers(init?.headers) });
    const [status, payload] = answer(method, url, body);
    return new Response(typeof payload === 'string' ? payload : JSON.stringify(payload), { status, headers: { 'content-type': 'application/json' } });
  };
  const client = new NacosAdminClient({ serverAddresses: '127.0.0.1:8848', fetch, logLevel: 'silent' });
  return { client, requests };
}

describe('admin configs: answers', () => {
  it('2.x: an absent config is an empty 200, the public namespace is the empty tenant', async () => {
    const { client, requests } = fake('v2', () => [200, '']);
    expect(await codeOf(() => client.configs.get({ namespaceId: 'public', dataId: 'x' }))).toBe('NOT_FOUND');
    expect(requests[0]!.url.searchParams.get('tenant')).toBe('');
    expect(requests[0]!.url.searchParams.get('show')).toBe('all');
  });

  it('3.x: the public namespace is named public', async () => {
    const { client, requests } = fake('v3', () => [404, { code: 20004, message: 'resource not found', data: 'Config not exist' }]);
    expect(await codeOf(() => client.configs.get({ dataId: 'x' }))).toBe('NOT_FOUND');
    expect(requests[0]!.url.searchParams.get('namespaceId')).toBe('public');
    expect(requests[0]!.url.searchParams.get('groupName')).toBe('DEFAULT_GROUP');
  });

  it('a lost compare-and-swap is CAS_CONFLICT on both generations, and is not sent to another server', async () => {
    const v2 = fake('v2', () => [500, 'caused: Cas publish fail, server md5 may have changed.;']);
    const e2 = await v2.client.configs.publish({ dataId: 'x', content: 'y', casMd5: 'a'.repeat(32) }).catch((e: unknown) => e);
    expect(isNacosError(e2, 'CAS_CONFLICT')).toBe(true);
    expect(v2.requests).toHaveLength(1);
    expect(v2.requests[0]!.headers.get('casMd5')).toBe('a'.repeat(32));
    const v3 = fake('v3', () => [500, { code: 20005, message: 'resource conflict', data: 'Cas publish fail, server md5 may have changed.' }]);
    const e3 = await v3.client.configs.publish({ dataId: 'x', content: 'y', casMd5: 'a'.repeat(32) }).catch((e: unknown) => e);
    expect(isNacosError(e3, 'CAS_CONFLICT')).toBe(true);
  });

  it('publish sends the metadata under each generation\'s names', async () => {
    const input = { dataId: 'x', content: 'y', type: 'json', description: 'd', tags: ['a', 'b'], appName: 'app' } as const;
    const v2 = fake('v2', () => [200, 'true']);
    await v2.client.configs.publish({ ...input, tags: [...input.tags] });
    expect(Object.fromEntries(new URLSearchParams(v2.requests[0]!.body))).toEqual({ dataId: 'x', group: 'DEFAULT_GROUP', tenant: '', content: 'y', type: 'json', desc: 'd', config_tags: 'a,b', appName: 'app' });
    const v3 = fake('v3', () => [200, { code: 0, message: 'success', data: true }]);
    await v3.client.configs.publishBeta({ ...input, tags: [...input.tags], betaIps: ['10.0.0.1', '10.0.0.2'] });
    expect(Object.fromEntries(new URLSearchParams(v3.requests[0]!.body))).toEqual({ dataId: 'x', groupName: 'DEFAULT_GROUP', namespaceId: 'public', content: 'y', type: 'json', desc: 'd', configTags: 'a,b', appName: 'app' });
    expect(v3.requests[0]!.headers.get('betaIps')).toBe('10.0.0.1,10.0.0.2');
  });

  it('a history entry of another config (403) and an unknown id (3.x: 400 code 20002; 2.x: data null) are NOT_FOUND', async () => {
    const other = fake('v3', () => [403, { code: 10001, message: 'access denied', data: 'Please check dataId, group or namespaceId.' }]);
    expect(await codeOf(() => other.client.configs.historyEntry({ dataId: 'x', id: '1' }))).toBe('NOT_FOUND');
    const unknown = fake('v3', () => [400, { code: 20002, message: 'parameter validate error', data: 'Source must not be null' }]);
    expect(await codeOf(() => unknown.client.configs.historyEntry({ dataId: 'x', id: '1' }))).toBe('NOT_FOUND');
    const v2 = fake('v2', () => [200, { code: 0, message: 'success', data: null }]);
    expect(await codeOf(() => v2.client.configs.historyEntry({ dataId: 'x', id: '1' }))).toBe('NOT_FOUND');
    expect(v2.requests[0]!.url.pathname).toBe('/nacos/v2/cs/history');
    // A plain refusal stays AUTH.
    const refused = fake('v3', () => [403, 'authorization failed!']);
    expect(await codeOf(() => refused.client.configs.historyEntry({ dataId: 'x', id: '1' }))).toBe('AUTH');
  });

  it('reads 2.x history entries: trimmed op type, ISO time, metadata from extInfo', async () => {
    const item = { id: '7', dataId: 'x', group: 'G', tenant: '', appName: 'a', md5: 'm', content: 'c', srcIp: '1.2.3.4', srcUser: null, opType: 'U         ', publishType: 'formal', extInfo: '{"type":"yaml","config_tags":"t1,t2","c_desc":"d"}', createdTime: '2010-05-05T00:00:00.000+00:00', lastModifiedTime: '2026-12-07T05:48:25.074+00:00' };
    const { client } = fake('v2', () => [200, { code: 0, message: 'success', data: item }]);
    expect(await client.configs.historyEntry({ dataId: 'x', group: 'G', id: '7' })).toEqual({
      id: '7', namespaceId: '', dataId: 'x', group: 'G', appName: 'a', opType: 'U', modifyTime: Date.parse('2026-12-07T05:48:25.074Z'), srcUser: '', srcIp: '1.2.3.4', md5: 'm', content: 'c', publishType: 'formal', type: 'yaml', description: 'd', tags: ['t1', 't2'],
    });
  });

  it('previous walks the history: the next older entry, across pages; NOT_FOUND for the oldest and for an unknown id', async () => {
    const ids = ['9', '8', '5', '2'];
    const { client } = fake('v3', (_m, url) => {
      if (url.pathname.endsWith('/history/list')) {
        const pageNo = Number(url.searchParams.get('pageNo'));
        const pageSize = 2; // the server's page, whatever was asked
        const pageItems = ids.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((id) => ({ id, dataId: 'x', groupName: 'DEFAULT_GROUP', namespaceId: 'public', opType: 'U', modifyTime: 1 }));
        return [200, { code: 0, data: { totalCount: 4, pageNumber: pageNo, pagesAvailable: 2, pageItems } }];
      }
      return [200, { code: 0, data: { id: url.searchParams.get('nid'), dataId: 'x', groupName: 'DEFAULT_GROUP', namespaceId: 'public', opType: 'U', content: `content of ${url.searchParams.get('nid')}` } }];
    });
    expect(await client.configs.previous({ dataId: 'x', id: '9' })).toMatchObject({ id: '8', content: 'content of 8' });
    expect(await client.configs.previous({ dataId: 'x', id: '8' })).toMatchObject({ id: '5' });
    expect(await client.configs.previous({ dataId: 'x', id: '5' })).toMatchObject({ id: '2' });
    expect(await codeOf(() => client.configs.previous({ dataId: 'x', id: '2' }))).toBe('NOT_FOUND');
    expect(await codeOf(() => client.configs.previous({ dataId: 'x', id: '6' }))).toBe('NOT_FOUND');
  });

  it('reads the beta IPs from 3.x\'s gray rule; no beta is undefined', async () => {
    const rule = JSON.stringify({ type: 'beta', version: '1.0.0', expr: '10.0.0.1,10.0.0.2', priority: 1 });
    const v3 = fake('v3', () => [200, { code: 0, data: { content: 'b', md5: 'm', grayName: 'beta', grayRule: rule } }]);
    expect(await v3.client.configs.getBeta({ dataId: 'x' })).toEqual({ content: 'b', md5: 'm', betaIps: ['10.0.0.1', '10.0.0.2'] });
    const none = fake('v3', () => [404, { code: 20004, message: 'resource not found', data: 'Config is not in beta.' }]);
    expect(await none.client.configs.getBeta({ dataId: 'x' })).toBeUndefined();
    const v2 = fake('v2', () => [200, { code: 200, message: 'query beta ok', data: null }]);
    expect(await v2.client.configs.getBeta({ dataId: 'x' })).toBeUndefined();
    expect(v2.requests[0]!.url.searchParams.get('beta')).toBe('true');
  });

  it('fuzzy terms without * become substrings; exact terms go as given', async () => {
    const { client, requests } = fake('v3', () => [200, { code: 0, data: { totalCount: 0, pageNumber: 1, pagesAvailable: 0, pageItems: [] } }]);
    await client.configs.searchPage({ dataId: 'ord', group: 'G*', content: 'needle', tags: ['a', 'b'] });
    await client.configs.searchPage({ dataId: 'order' });
    await client.configs.searchPage({ dataId: 'order', mode: 'fuzzy' });
    const q = requests.map((r) => Object.fromEntries(r.url.searchParams));
    expect(q[0]).toMatchObject({ search: 'blur', dataId: '*ord*', groupName: 'G*', configDetail: '*needle*', configTags: 'a,b' });
    expect(q[1]).toMatchObject({ search: 'accurate', dataId: 'order', groupName: '' });
    expect(q[2]).toMatchObject({ search: 'blur', dataId: '*order*' });
  });

  it('2.x content search goes to the v2 searchDetail; listeners are read from the misspelt map', async () => {
    const { client, requests } = fake('v2', (_m, url) =>
      url.pathname.endsWith('/listener') ? [200, { collectStatus: 200, lisentersGroupkeyStatus: { '127.0.0.1': 'abc' } }] : [200, { totalCount: 0, pageNumber: 1, pagesAvailable: 0, pageItems: [] }],
    );
    await client.configs.searchPage({ content: 'x' });
    expect(requests[0]!.url.pathname).toBe('/nacos/v2/cs/config/searchDetail');
    expect(requests[0]!.url.searchParams.get('config_detail')).toBe('x');
    expect(await client.configs.listeners({ dataId: 'x' })).toEqual([{ ip: '127.0.0.1', md5: 'abc' }]);
  });

  it('stopping no beta succeeds although the server fails it', async () => {
    const { client, requests } = fake('v3', (method) => (method === 'DELETE' ? [200, { code: 30000, message: 'server error', data: 'remove beta data error' }] : [404, { code: 20004, message: 'resource not found', data: 'Config is not in beta.' }]));
    await client.configs.stopBeta({ dataId: 'x' });
    expect(requests.map((r) => r.method)).toEqual(['DELETE', 'GET']);
  });
});

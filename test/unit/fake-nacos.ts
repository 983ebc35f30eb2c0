/**
 * A FAKE Nacos, in process, for unit tests of what the real test server cannot be made to do: a 3.2+
 * server (no v1 API, no HTTP listener), CAS conflicts, tokens that expire early. It implements only what
 * those tests touch. It never replaces the real-server suite in test/integration.
 */
import { createHash } from 'node:crypto';

interface StoredConfig {
  content: string;
  type: string;
}

export interface FakeOptions {
  /** `v3`: only /v3 (Nacos 3.2+). `v1`: only /v1 (Nacos 2.x). */
  generation: 'v1' | 'v3';
  /** Require a token from /v?/auth login. */
  auth?: { username: string; password: string };
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export function createFakeNacos(options: FakeOptions) {
  const configs = new Map<string, StoredConfig>();
  /** Instances by `service|ip|port`, with what the client sent. */
  const instances = new Map<string, Record<string, string>>();
  const validTokens = new Set<string>();
  const requests: { method: string; path: string; query: URLSearchParams; headers: Headers; body: string }[] = [];
  let tokenCounter = 0;
  let casFailures = 0;

  const keyOf = (ns: string | null, group: string | null, dataId: string | null) => `${ns || 'public'}|${group}|${dataId}`;
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const notFound = () => json({ timestamp: 0, status: 404, error: 'Not Found', path: '' }, 404);

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
    requests.push({ method: request.method, path: url.pathname, query: url.searchParams, headers: request.headers, body });
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    const path = url.pathname.replace(/^\/nacos/, '');
    const generation = path.startsWith('/v1/') ? 'v1' : path.startsWith('/v3/') ? 'v3' : 'none';
    if (generation !== options.generation) return notFound();

    if (path === '/v1/auth/login' || path === '/v3/auth/user/login') {
      if (!options.auth || (params.get('username') === options.auth.username && params.get('password') === options.auth.password)) {
        const token = `fake-token-${++tokenCounter}`;
        validTokens.add(token);
        return json({ accessToken: token, tokenTtl: 18000, globalAdmin: true, username: params.get('username') });
      }
      return new Response('user not found!', { status: 403 });
    }
    if (options.auth && !validTokens.has(request.headers.get('accessToken') ?? '')) {
      return json({ status: 403, message: 'token invalid!' }, 403);
    }

    if (path === '/v3/client/cs/config' && request.method === 'GET') {
      const found = configs.get(keyOf(params.get('namespaceId'), params.get('groupName'), params.get('dataId')));
      if (!found) return json({ code: 20004, message: 'resource not found', data: null });
      return json({ code: 0, message: 'success', data: { content: found.content, md5: md5(found.content), contentType: found.type, encryptedDataKey: null, lastModified: 1 } });
    }
    if (path === '/v3/admin/cs/config') {
      const key = keyOf(params.get('namespaceId'), params.get('groupName'), params.get('dataId'));
      if (request.method === 'DELETE') {
        configs.delete(key);
        return json({ code: 0, message: 'success', data: true });
      }
      const cas = request.headers.get('casMd5');
      const current = configs.get(key);
      if (cas !== null && current && md5(current.content) !== cas) {
        casFailures++;
        return json({ code: 500, message: 'Cas publish fail, server md5 may have changed.', data: null }, 500);
      }
      configs.set(key, { content: params.get('content') ?? '', type: params.get('type') ?? 'text' });
      return json({ code: 0, message: 'success', data: true });
    }
    if (path === '/v1/cs/configs') {
      const key = keyOf(params.get('tenant'), params.get('group'), params.get('dataId'));
      if (request.method === 'GET') {
        const found = configs.get(key);
        if (!found) return new Response('config data not exist\n', { status: 404 });
        return new Response(found.content, { headers: { 'Content-MD5': md5(found.content), 'Config-Type': found.type } });
      }
      if (request.method === 'DELETE') {
        configs.delete(key);
        return new Response('true');
      }
      const cas = request.headers.get('casMd5');
      const current = configs.get(key);
      if (cas !== null && current && md5(current.content) !== cas) {
        casFailures++;
        return new Response('caused: Cas publish fail, server md5 may have changed.;', { status: 500 });
      }
      configs.set(key, { content: params.get('content') ?? '', type: params.get('type') ?? 'text' });
      return new Response('true');
    }
    if (path === '/v3/client/ns/instance' || path === '/v1/ns/instance') {
      const key = `${params.get('serviceName')}|${params.get('ip')}|${params.get('port')}`;
      const ok = generation === 'v3' ? json({ code: 0, message: 'success', data: 'ok' }) : new Response('ok');
      if (request.method === 'DELETE') {
        instances.delete(key);
        return ok;
      }
      if (params.get('heartBeat') === 'true') {
        if (!instances.has(key)) return json({ code: 21003, message: 'instance not found', data: null });
        return ok;
      }
      instances.set(key, Object.fromEntries(params));
      return ok;
    }
    if (path === '/v1/ns/instance/beat') {
      const key = `${params.get('serviceName')}|${params.get('ip')}|${params.get('port')}`;
      if (!instances.has(key)) return json({ clientBeatInterval: 5000, code: 20404, lightBeatEnabled: true });
      return json({ clientBeatInterval: 2000, code: 10200, lightBeatEnabled: true });
    }
    if (path === '/v3/client/ns/instance/list') {
      const hosts = [...instances.values()]
        .filter((i) => i['serviceName'] === params.get('serviceName'))
        .map((i) => ({ ip: i['ip'], port: Number(i['port']), weight: Number(i['weight']), healthy: true, enabled: true, ephemeral: true, clusterName: i['clusterName'], serviceName: `${i['groupName']}@@${i['serviceName']}`, metadata: JSON.parse(i['metadata'] ?? '{}') }));
      return json({ code: 0, message: 'success', data: hosts });
    }
    return notFound();
  }

  return {
    instances,
    /** Forget every instance, as a restarted server would. */
    forgetInstances: () => instances.clear(),
    fetch: async (input: Request | string | URL, init?: RequestInit) => handle(input instanceof Request ? input : new Request(input, init)),
    requests,
    configs,
    /** Forget every token, as a server restart with a new secret would. */
    expireTokens: () => validTokens.clear(),
    get casFailures() {
      return casFailures;
    },
    setConfig: (dataId: string, content: string, group = 'DEFAULT_GROUP', ns = '') => configs.set(keyOf(ns, group, dataId), { content, type: 'text' }),
  };
}

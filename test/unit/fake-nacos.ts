/**
 * A FAKE Nacos, in process, for unit tests of what the real servers cannot be made to do on demand: tokens
 * refused early, a server that forgets its instances between two beats, scripted orderings, the Nacos 3.2 answers
 * (3.2 itself cannot be built here). It implements only what those tests touch, and each answer is the one the
 * official servers gave (recorded against 2.5.1 and 3.0.3; test/integration/harness.test.ts pins the same answers
 * against the real servers). It never replaces the real-server suite in test/integration.
 */
import { createHash } from 'node:crypto';

interface StoredConfig {
  content: string;
  type: string;
}

export interface FakeOptions {
  /**
   * `v1`: Nacos 2.5.1 (only /v1). `v3`: Nacos 3.2 (only /v3: v1 paths have no handler, 404; a blank clusterName
   * lists every cluster). `v3.0`: Nacos 3.0.3 with the v1/v2 client API off (v1 paths answer 410 Gone; a blank
   * clusterName lists the DEFAULT cluster only).
   */
  generation: 'v1' | 'v3' | 'v3.0';
  /** Auth on for every API: a token from the login is required. (3.x admin APIs need the admin's token anyway.) */
  auth?: { username: string; password: string };
  /** With auth: configs this user may not read (a permission denial, answered as the servers do). */
  forbidden?: (dataId: string) => boolean;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const stamp = () => new Date().toISOString().replace('Z', '+00:00');

export function createFakeNacos(options: FakeOptions) {
  const configs = new Map<string, StoredConfig>();
  /** Instances by `service|ip|port`, with what the client sent. */
  const instances = new Map<string, Record<string, string>>();
  const validTokens = new Set<string>();
  const requests: { method: string; path: string; query: URLSearchParams; headers: Headers; body: string }[] = [];
  const credentials = options.auth ?? { username: 'nacos', password: 'nacos' };
  const v3 = options.generation !== 'v1';
  /** Long polls held open, each re-checking its keys when a config changes. */
  const held = new Set<() => void>();
  const changedConfig = () => {
    for (const poll of [...held]) poll();
  };
  /** Reads left to answer 409 per config key (the server is dumping it), see `dumping`. */
  const dumps = new Map<string, number>();
  let tokenCounter = 0;
  let casFailures = 0;

  const keyOf = (ns: string | null, group: string | null, dataId: string | null) => `${ns || 'public'}|${group}|${dataId}`;
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  /** Spring's error body, as both versions answer framework-level refusals. */
  const springError = (status: number, error: string, message: string, path: string) => json({ timestamp: stamp(), status, error, message, path }, status);

  /** The 403 of the auth filter: v1 `user not found!` / `token invalid!`, v3 the same wrapped as `Code: 401, …`. */
  function refused(token: string | null, path: string): Response {
    const reason = token ? 'token invalid!' : 'User not found! Please check user exist or password is right!';
    return springError(403, 'Forbidden', v3 ? `Code: 401, Message: ${reason}.` : token ? reason : 'user not found!', path);
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
    requests.push({ method: request.method, path: url.pathname, query: url.searchParams, headers: request.headers, body });
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    const path = url.pathname.replace(/^\/nacos/, '');
    const token = request.headers.get('accessToken');

    if (path.startsWith('/v1/') && v3) {
      if (options.generation === 'v3') return springError(404, 'Not Found', 'No message available', url.pathname);
      const message = JSON.stringify({ code: 40000, message: 'Current API will be deprecated, please use API(s) `GET ${contextPath:nacos}/v3/client/cs/config` instead, or set `nacos.core.api.compatibility.client.enabled=true` in application.properties.' });
      return springError(410, 'Gone', message, url.pathname);
    }
    if (path.startsWith('/v3/') && !v3) return springError(404, 'Not Found', 'No message available', url.pathname);

    if (path === '/v1/auth/login' || path === '/v3/auth/user/login') {
      const username = params.get('username');
      if (username === credentials.username && params.get('password') === credentials.password) {
        const issued = `fake-token-${++tokenCounter}`;
        validTokens.add(issued);
        return json({ accessToken: issued, tokenTtl: 18000, globalAdmin: true, username });
      }
      if (!v3) return new Response('user not found!', { status: 403 });
      // 3.x: an unknown user is a 403, a wrong password for a known one a bare 500.
      return username === credentials.username ? springError(500, 'Internal Server Error', 'No message available', url.pathname) : springError(403, 'Forbidden', 'Access Denied', url.pathname);
    }
    const admin = path.startsWith('/v3/admin/');
    if ((options.auth || admin) && !validTokens.has(token ?? '')) return refused(token, url.pathname);
    if (options.forbidden?.(params.get('dataId') ?? '')) {
      return springError(403, 'Forbidden', v3 ? 'Code: 403, Message: authorization failed!.' : 'authorization failed!', url.pathname);
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
        changedConfig();
        return json({ code: 0, message: 'success', data: true });
      }
      const cas = request.headers.get('casMd5');
      const current = configs.get(key);
      if (cas !== null && current && md5(current.content) !== cas) {
        casFailures++;
        return json({ code: 20005, message: 'resource conflict', data: 'Cas publish fail, server md5 may have changed.' }, 500);
      }
      configs.set(key, { content: params.get('content') ?? '', type: params.get('type') ?? 'text' });
      changedConfig();
      return json({ code: 0, message: 'success', data: true });
    }
    if (path === '/v1/cs/configs') {
      const key = keyOf(params.get('tenant'), params.get('group'), params.get('dataId'));
      if (request.method === 'GET' && (dumps.get(key) ?? 0) > 0) {
        dumps.set(key, (dumps.get(key) ?? 0) - 1);
        return new Response('requested file is being modified, please try later.', { status: 409 });
      }
      if (request.method === 'GET') {
        const found = configs.get(key);
        if (!found) return new Response('config data not exist\n', { status: 404 });
        return new Response(found.content, { headers: { 'Content-MD5': md5(found.content), 'Config-Type': found.type } });
      }
      if (request.method === 'DELETE') {
        configs.delete(key);
        changedConfig();
        return new Response('true');
      }
      const cas = request.headers.get('casMd5');
      const current = configs.get(key);
      if (cas !== null && current && md5(current.content) !== cas) {
        casFailures++;
        return new Response('caused: Cas publish fail, server md5 may have changed.;', { status: 500 });
      }
      configs.set(key, { content: params.get('content') ?? '', type: params.get('type') ?? 'text' });
      changedConfig();
      return new Response('true');
    }
    if (path === '/v1/cs/configs/listener') {
      // "dataId^2group^2md5[^2tenant]^1" per key; the answer names the keys whose md5 differs (form-encoded).
      const wanted = (params.get('Listening-Configs') ?? '').split('\x01').filter(Boolean).map((line) => line.split('\x02'));
      const changed = () =>
        wanted.filter(([dataId, group, md5sum, tenant]) => {
          const found = configs.get(keyOf(tenant ?? '', group ?? '', dataId ?? ''));
          return (found ? md5(found.content) : '') !== (md5sum ?? '');
        });
      const answer = () => new Response(encodeURIComponent(changed().map(([d, g, , t]) => [d, g, ...(t ? [t] : [])].join('\x02') + '\x01').join('')));
      if (changed().length > 0 || request.headers.get('Long-Pulling-NoHangUp') === 'true') return answer();
      // Held until a watched config changes or the client gives up (2.x holds it up to Long-Pulling-Timeout).
      return new Promise<Response>((resolve, reject) => {
        const poll = () => {
          if (changed().length === 0) return;
          held.delete(poll);
          resolve(answer());
        };
        held.add(poll);
        request.signal.addEventListener('abort', () => {
          held.delete(poll);
          reject(request.signal.reason);
        });
      });
    }
    if (path === '/v1/ns/instance/list') {
      const service = plain(params.get('serviceName'));
      const hosts = [...instances.values()]
        .filter((i) => i['serviceName'] === service)
        .map((i) => ({ instanceId: `${i['ip']}#${i['port']}#${i['clusterName'] ?? 'DEFAULT'}#DEFAULT_GROUP@@${service}`, ip: i['ip'], port: Number(i['port']), weight: Number(i['weight'] ?? 1), healthy: true, enabled: i['enabled'] !== 'false', ephemeral: true, clusterName: i['clusterName'] ?? 'DEFAULT', serviceName: `DEFAULT_GROUP@@${service}`, metadata: JSON.parse(i['metadata'] ?? '{}') }));
      return json({ name: `DEFAULT_GROUP@@${service}`, groupName: 'DEFAULT_GROUP', clusters: '', cacheMillis: 10000, hosts, lastRefTime: Date.now(), checksum: '', allIPs: false, reachProtectionThreshold: false, valid: true });
    }
    if (path === '/v3/client/ns/instance' || path === '/v1/ns/instance') {
      const key = `${plain(params.get('serviceName'))}|${params.get('ip')}|${params.get('port')}`;
      const ok = v3 ? json({ code: 0, message: 'success', data: 'ok' }) : new Response('ok');
      if (request.method === 'DELETE') {
        instances.delete(key);
        return ok;
      }
      if (params.get('heartBeat') === 'true') {
        if (!instances.has(key)) return json({ code: 21003, message: 'instance not found', data: null });
        return ok;
      }
      instances.set(key, { ...Object.fromEntries(params), serviceName: plain(params.get('serviceName')) });
      return ok;
    }
    if (path === '/v1/ns/instance/beat') {
      const service = plain(params.get('serviceName'));
      const key = `${service}|${params.get('ip')}|${params.get('port')}`;
      if (!instances.has(key)) {
        // 2.5.1: a light beat for an unknown instance answers 20404; a full beat registers it from its body.
        const beat = params.get('beat');
        if (!beat) return json({ clientBeatInterval: 5000, code: 20404, lightBeatEnabled: true });
        const b = JSON.parse(beat) as { ip: string; port: number; cluster?: string; weight?: number; metadata?: Record<string, string> };
        instances.set(key, { serviceName: service, ip: b.ip, port: String(b.port), clusterName: b.cluster ?? 'DEFAULT', weight: String(b.weight ?? 0), metadata: JSON.stringify(b.metadata ?? {}), groupName: params.get('groupName') ?? 'DEFAULT_GROUP' });
      }
      return json({ clientBeatInterval: 5000, code: 10200, lightBeatEnabled: true });
    }
    if (path === '/v3/client/ns/instance/list') {
      // A blank clusterName: DEFAULT on 3.0.x, every cluster on 3.2; "a,b": those; ",": every cluster (an empty list).
      const clusterName = params.get('clusterName') ?? '';
      const wanted = clusterName.trim() === '' ? (options.generation === 'v3.0' ? ['DEFAULT'] : []) : clusterName.split(',').filter((c) => c !== '');
      const hosts = [...instances.values()]
        .filter((i) => i['serviceName'] === params.get('serviceName') && i['enabled'] !== 'false')
        .filter((i) => wanted.length === 0 || wanted.includes(i['clusterName'] ?? 'DEFAULT'))
        .map((i) => ({ ip: i['ip'], port: Number(i['port']), weight: Number(i['weight'] ?? 1), healthy: true, enabled: true, ephemeral: true, clusterName: i['clusterName'] ?? 'DEFAULT', serviceName: `${i['groupName'] ?? 'DEFAULT_GROUP'}@@${i['serviceName']}`, metadata: JSON.parse(i['metadata'] ?? '{}') }));
      return json({ code: 0, message: 'success', data: hosts });
    }
    return springError(404, 'Not Found', 'No message available', url.pathname);
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
    setConfig: (dataId: string, content: string, group = 'DEFAULT_GROUP', ns = '') => {
      configs.set(keyOf(ns, group, dataId), { content, type: 'text' });
      changedConfig();
    },
    /** The next `reads` v1 reads of the config answer 409, as 2.5.1 does while it dumps a config just published. */
    dumping: (dataId: string, reads: number, group = 'DEFAULT_GROUP', ns = '') => dumps.set(keyOf(ns, group, dataId), reads),
  };
}

/** The plain service name of `group@@service` (v1 sends the grouped name). */
function plain(name: string | null): string {
  const text = name ?? '';
  const at = text.indexOf('@@');
  return at < 0 ? text : text.slice(at + 2);
}

// The dashboard's same-origin proxy against a recording fake upstream: what it forwards, what it refuses, which
// headers cross in each direction, limits and deadlines, and the static files handler of the Node server.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNacosError } from '../../src/errors.js';
import { createDashboardProxy, type DashboardProxyOptions } from '../../src/dashboard/proxy.js';
import { staticFiles } from '../../src/dashboard/node.js';

const ORIGIN = 'http://127.0.0.1:8849';

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/** A proxy whose upstream records each request and answers `answer` (or throws what `fail` gives). */
function setup(options: Partial<DashboardProxyOptions> & { answer?: () => Response | Promise<Response>; fail?: (url: string) => unknown } = {}) {
  const seen: Seen[] = [];
  const lines: string[] = [];
  const { answer, fail, ...rest } = options;
  const handle = createDashboardProxy({
    target: '127.0.0.1:8848',
    logger: { info: (m) => void lines.push(`info ${m}`), warn: (m) => void lines.push(`warn ${m}`) },
    assets: (request) => new Response(`asset ${new URL(request.url).pathname}`, { headers: { 'Content-Type': new URL(request.url).pathname.endsWith('.js') ? 'text/javascript' : 'text/html' } }),
    fetch: async (input, init) => {
      const url = String(input);
      const headers = new Headers(init?.headers);
      const body = init?.body ? new TextDecoder().decode(init.body as Uint8Array) : '';
      seen.push({ url, method: init?.method ?? 'GET', headers, body });
      const failure = fail?.(url);
      if (failure) throw failure;
      return answer ? answer() : new Response('{"ok":true}', { headers: { 'Content-Type': 'application/json' } });
    },
    ...rest,
  });
  const call = (path: string, init: RequestInit = {}) => handle(new Request(`${ORIGIN}${path}`, init));
  return { seen, lines, call };
}

describe('what is forwarded', () => {
  it('forwards /nacos/v1, v2 and v3 to the configured server, query included, and nothing else', async () => {
    const { seen, call } = setup();
    for (const path of ['/nacos/v1/cs/configs?dataId=a&group=G', '/nacos/v2/ns/instance/list?serviceName=s', '/nacos/v3/admin/core/state']) {
      expect((await call(path)).status).toBe(200);
    }
    expect(seen.map((s) => s.url)).toEqual([
      'http://127.0.0.1:8848/nacos/v1/cs/configs?dataId=a&group=G',
      'http://127.0.0.1:8848/nacos/v2/ns/instance/list?serviceName=s',
      'http://127.0.0.1:8848/nacos/v3/admin/core/state',
    ]);
    for (const path of ['/nacos', '/nacos/', '/nacos/actuator/env', '/nacos/v4/x', '/nacos/v1', '/nacos/index.html', '/nacos/v1%2fcs']) {
      expect((await call(path)).status, path).toBe(404);
    }
    expect(seen).toHaveLength(3);
  });

  it('maps onto the server context path: a path in the target, the contextPath option, or the root', async () => {
    const withPath = setup({ target: 'https://nacos.internal:8443/ctx/' });
    await withPath.call('/nacos/v1/cs/configs');
    expect(withPath.seen[0]!.url).toBe('https://nacos.internal:8443/ctx/v1/cs/configs');
    const option = setup({ target: 'http://10.0.0.1:8848', contextPath: 'custom' });
    await option.call('/nacos/v3/admin/core/state');
    expect(option.seen[0]!.url).toBe('http://10.0.0.1:8848/custom/v3/admin/core/state');
    const root = setup({ target: '10.0.0.1:8848', contextPath: '' });
    await root.call('/nacos/v2/cs/config');
    expect(root.seen[0]!.url).toBe('http://10.0.0.1:8848/v2/cs/config');
  });

  it('a Host header or absolute URL of the request never changes where it goes (not an open proxy)', async () => {
    const { seen, call } = setup();
    await call('/nacos/v1/cs/configs', { headers: { 'X-Forwarded-Host': 'evil.example', Forwarded: 'host=evil.example' } });
    await createDashboardProxy({ target: '127.0.0.1:8848', fetch: async (input) => (seen.push({ url: String(input), method: 'GET', headers: new Headers(), body: '' }), new Response('')) })(
      new Request('http://evil.example/nacos/v1/cs/configs'),
    );
    expect(seen.map((s) => new URL(s.url).host)).toEqual(['127.0.0.1:8848', '127.0.0.1:8848']);
  });

  it('refuses encoded separators, which a decoding server could use to climb out of the context path', async () => {
    const { seen, call } = setup();
    for (const path of ['/nacos/v1/..%2f..%2factuator', '/nacos/v1/a%5cb', '/nacos/v1/cs/..%2F..%2F']) expect((await call(path)).status, path).toBe(400);
    // An encoded `..` the URL parser resolves itself: it leaves /nacos/v1 and is not forwarded either.
    expect((await call('/nacos/v1/%2e%2e/x')).status).toBe(404);
    expect(seen).toHaveLength(0);
  });

  it('rejects bad targets with a VALIDATION error at creation', () => {
    for (const target of ['', 'ftp://h:21', 'http://user:pw@h:8848', 'http://h:8848/?x=1', 'http://[bad']) {
      let error: unknown;
      try {
        createDashboardProxy({ target });
      } catch (e) {
        error = e;
      }
      expect(isNacosError(error) && error.code, target).toBe('VALIDATION');
    }
  });
});

describe('headers', () => {
  it('passes the token and content headers on, never cookies, Authorization or forwarding headers', async () => {
    const { seen, call } = setup();
    await call('/nacos/v1/cs/configs', {
      method: 'POST',
      headers: {
        accessToken: 'tok-123',
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        'Accept-Language': 'en',
        'Long-Pulling-Timeout': '30000',
        casMd5: '0123456789abcdef0123456789abcdef',
        betaIps: '10.0.0.1',
        Cookie: 'JSESSIONID=abc; accessToken=from-cookie',
        Authorization: 'Bearer from-browser',
        'X-Forwarded-For': '6.6.6.6',
        'X-Custom': 'x',
      },
      body: 'dataId=a&content=b',
    });
    const sent = Object.fromEntries(seen[0]!.headers);
    expect(sent).toEqual({
      accesstoken: 'tok-123',
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'accept-language': 'en',
      'long-pulling-timeout': '30000',
      casmd5: '0123456789abcdef0123456789abcdef',
      betaips: '10.0.0.1',
    });
    expect(seen[0]!.body).toBe('dataId=a&content=b');
  });

  it('passes back only allowlisted answer headers, with no-store and the security headers', async () => {
    const { call } = setup({
      answer: () =>
        new Response('content', {
          headers: {
            'Content-Type': 'text/plain',
            'Config-Type': 'yaml',
            'Content-MD5': 'abc',
            'Set-Cookie': 'JSESSIONID=1',
            Authorization: 'Bearer leaked',
            'Access-Control-Allow-Origin': '*',
            'Cache-Control': 'public, max-age=600',
            Server: 'Tomcat',
            Location: 'http://elsewhere/',
          },
        }),
    });
    const answer = await call('/nacos/v1/cs/configs?dataId=a');
    expect(await answer.text()).toBe('content');
    const headers = Object.fromEntries(answer.headers);
    expect(headers['config-type']).toBe('yaml');
    expect(headers['content-md5']).toBe('abc');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const name of ['set-cookie', 'authorization', 'access-control-allow-origin', 'server', 'location']) expect(headers[name], name).toBeUndefined();
  });

  it('answers a 204 or a HEAD without a body', async () => {
    const { call } = setup({ answer: () => new Response(null, { status: 204 }) });
    expect((await call('/nacos/v1/cs/configs', { method: 'DELETE' })).status).toBe(204);
    const head = setup();
    const answer = await head.call('/nacos/v1/console/health/readiness', { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.body).toBeNull();
  });
});

describe('cross-site requests', () => {
  it('are refused before anything reaches the server', async () => {
    const { seen, call, lines } = setup();
    const refused = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: 'http://127.0.0.1:9999' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ];
    for (const headers of refused) {
      const answer = await call('/nacos/v1/auth/users/login', { method: 'POST', headers, body: 'username=nacos&password=x' });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
    }
    expect((await call('/nacos/v1/cs/configs', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } })).status).toBe(403);
    expect(seen).toHaveLength(0);
    expect(lines.filter((l) => l.startsWith('warn refused'))).toHaveLength(6);
  });

  it('are allowed from the own origin, a direct visit, a listed origin, or a non-browser client', async () => {
    const { seen, call } = setup({ allowedOrigins: ['https://admin.example.com'] });
    for (const headers of [{ Origin: ORIGIN, 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }, { Origin: 'https://admin.example.com' }, {}]) {
      expect((await call('/nacos/v1/cs/configs', { headers })).status, JSON.stringify(headers)).toBe(200);
    }
    expect(seen).toHaveLength(4);
  });

  it('a link from another site still opens the page itself', async () => {
    const { call } = setup();
    const answer = await call('/configs', { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } });
    expect(answer.status).toBe(200);
  });

  it('a Host that is not allowed (DNS rebinding) is refused', async () => {
    const { seen, call } = setup({ allowedHosts: ['127.0.0.1:8849', 'localhost:8849'] });
    expect((await call('/nacos/v1/cs/configs')).status).toBe(200);
    const handle = createDashboardProxy({ target: '127.0.0.1:8848', allowedHosts: ['127.0.0.1:8849'], fetch: async () => new Response('') });
    expect((await handle(new Request('http://rebound.evil.example:8849/nacos/v1/cs/configs'))).status).toBe(403);
    expect((await handle(new Request('http://rebound.evil.example:8849/'))).status).toBe(403);
    expect(seen).toHaveLength(1);
  });

  it('methods other than the API ones are refused', async () => {
    const { seen, call } = setup();
    expect((await call('/nacos/v1/cs/configs', { method: 'PROPFIND' })).status).toBe(405);
    expect((await call('/index.html', { method: 'POST', body: 'x' })).status).toBe(405);
    expect(seen).toHaveLength(0);
  });
});

describe('limits', () => {
  it('a body over the limit is a 413, declared or streamed, and is not sent', async () => {
    const { seen, call } = setup({ maxBodyBytes: 1000 });
    expect((await call('/nacos/v1/cs/configs', { method: 'POST', body: 'x'.repeat(1001) })).status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(400));
      },
    });
    expect((await call('/nacos/v1/cs/configs', { method: 'POST', body: chunks, duplex: 'half' } as RequestInit)).status).toBe(413);
    expect((await call('/nacos/v1/cs/configs', { method: 'POST', body: 'x'.repeat(1000) })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('an upstream that does not answer in time is a 504', async () => {
    const started = Date.now();
    const { call, lines } = setup({
      timeoutMs: 100,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason), { once: true })),
    });
    expect((await call('/nacos/v1/cs/configs/listener?secret=s3cr3t', { method: 'POST', body: 'Listening-Configs=x' })).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lines.join('\n')).toContain('no answer in 100 ms');
  });

  it('a client that goes away cancels the upstream request', async () => {
    let upstreamAborted = false;
    const handle = createDashboardProxy({
      target: '127.0.0.1:8848',
      fetch: (_input, init) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => {
            upstreamAborted = true;
            reject(init.signal!.reason);
          }),
        ),
    });
    const client = new AbortController();
    const pending = handle(new Request(`${ORIGIN}/nacos/v1/cs/configs`, { signal: client.signal }));
    client.abort();
    await pending;
    expect(upstreamAborted).toBe(true);
  });
});

describe('failover', () => {
  const refused = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });

  it('goes to the next server when one refuses the connection, and stays there', async () => {
    const { seen, call } = setup({ target: ['10.0.0.1:8848', '10.0.0.2:8848'], fail: (url) => (url.includes('10.0.0.1') ? refused() : undefined) });
    expect((await call('/nacos/v1/cs/configs', { method: 'POST', body: 'a=1' })).status).toBe(200);
    expect((await call('/nacos/v1/cs/configs')).status).toBe(200);
    expect(seen.map((s) => new URL(s.url).host)).toEqual(['10.0.0.1:8848', '10.0.0.2:8848', '10.0.0.2:8848']);
    expect(seen[1]!.body).toBe('a=1');
  });

  it('does not send a write again when it may have reached the server; answers 502 with a secret-free log', async () => {
    const { seen, call, lines } = setup({ target: '10.0.0.1:8848,10.0.0.2:8848', fail: () => new TypeError('socket hang up http://10.0.0.1/?accessToken=tok') });
    expect((await call('/nacos/v1/cs/configs?accessToken=tok', { method: 'POST', body: 'password=pw' })).status).toBe(502);
    expect(seen).toHaveLength(1);
    expect((await call('/nacos/v1/cs/configs?accessToken=tok')).status).toBe(502);
    expect(seen).toHaveLength(3);
    expect(lines.join('\n')).not.toMatch(/tok|pw|\?/);
    expect(lines.at(-1)).toBe('warn GET /nacos/v1/cs/configs: no Nacos server reachable (TypeError)');
  });
});

describe('logging', () => {
  it('logs method, path and status only: no query, token, password or body', async () => {
    const { call, lines } = setup();
    await call('/nacos/v1/auth/users/login?username=nacos&password=qs-secret', { method: 'POST', headers: { accessToken: 'tok-secret' }, body: 'username=nacos&password=body-secret' });
    await call('/nacos/v1/cs/configs?accessToken=tok-secret&dataId=a', { headers: { Origin: 'http://evil.example' } });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^info POST \/nacos\/v1\/auth\/users\/login → 200 \(\d+ ms\)$/);
    expect(lines[1]).toBe('warn refused another origin: GET /nacos/v1/cs/configs');
    expect(lines.join('\n')).not.toMatch(/secret|password=|\?/);
  });
});

describe('the page', () => {
  it('gets the security headers, long caching for hashed assets and none for the HTML', async () => {
    const { call } = setup();
    const page = await call('/configs/edit');
    expect(await page.text()).toBe('asset /configs/edit');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'.*base-uri 'none'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const asset = await call('/assets/index-B7xK2p9Q.js');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const unhashed = await call('/favicon.js');
    expect(unhashed.headers.get('cache-control')).toBeNull();
  });

  it('without assets, everything but the API is a 404', async () => {
    const handle = createDashboardProxy({ target: '127.0.0.1:8848', fetch: async () => new Response('') });
    expect((await handle(new Request(`${ORIGIN}/`))).status).toBe(404);
  });
});

describe('staticFiles', () => {
  const root = mkdtempSync(join(tmpdir(), 'nacos-edge-dash-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'assets', 'app-AbCdEf12.js'), 'export {}');
  writeFileSync(join(root, 'assets', 'app-AbCdEf12.css'), 'body{}');
  writeFileSync(join(root, 'logo.svg'), '<svg/>');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(tmpdir(), 'outside.txt'), 'outside');
  const files = staticFiles(root);
  const get = (path: string, method = 'GET') => files(new Request(`http://127.0.0.1${path}`, { method }));

  it('serves files with their content types, and index.html for app routes', async () => {
    const cases: [string, number, string | null, string][] = [
      ['/', 200, 'text/html; charset=utf-8', '<!doctype html><title>app</title>'],
      ['/configs/a/b', 200, 'text/html; charset=utf-8', '<!doctype html><title>app</title>'],
      ['/assets/app-AbCdEf12.js', 200, 'text/javascript; charset=utf-8', 'export {}'],
      ['/assets/app-AbCdEf12.css', 200, 'text/css; charset=utf-8', 'body{}'],
      ['/logo.svg', 200, 'image/svg+xml', '<svg/>'],
      ['/assets/gone-12345678.js', 404, 'text/plain; charset=utf-8', 'not found\n'],
      ['/assets/gone', 404, 'text/plain; charset=utf-8', 'not found\n'],
      ['/gone.js', 404, 'text/plain; charset=utf-8', 'not found\n'],
    ];
    for (const [path, status, type, body] of cases) {
      const answer = await get(path);
      expect([answer.status, answer.headers.get('content-type'), await answer.text()], path).toEqual([status, type, body]);
    }
    const page = await files(new Request('http://127.0.0.1/configs/public/G/app.yaml', { headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' } }));
    expect(await page.text()).toBe('<!doctype html><title>app</title>');
    const head = await get('/logo.svg', 'HEAD');
    expect(head.headers.get('content-length')).toBe('6');
    expect(head.body).toBeNull();
  });

  it('never serves dotfiles or anything outside the root', async () => {
    for (const path of ['/.env', '/%2e%2e/outside.txt', '/..%2foutside.txt', '/assets/..%2f..%2foutside.txt', '/a%00.js', '/..%5coutside.txt']) {
      const answer = await get(path);
      const body = await answer.text();
      expect(body, path).not.toMatch(/SECRET|outside/);
      expect(answer.status, path).not.toBe(500);
    }
    expect((await get('/.env')).status).toBe(404);
  });
});

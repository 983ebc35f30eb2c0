// One deterministic test per defect of issue 13 (scripted fetch orderings, no sleeps), each failing before its fix.
// The fake answers as the official servers do (test/unit/fake-nacos.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { controlledFetch, settle } from './controlled-fetch.js';
import { createFakeNacos } from './fake-nacos.js';

type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function configService(fetchImpl: FetchLike, options: Record<string, unknown> = {}) {
  const s = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: 'fake.test', fetch: fetchImpl, logLevel: 'silent', ...options }));
  closers.push(() => s.shutdown());
  return s;
}

async function namingService(fetchImpl: FetchLike, options: Record<string, unknown> = {}) {
  const s = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: 'fake.test', fetch: fetchImpl, logLevel: 'silent', ...options }));
  closers.push(() => s.shutdown());
  return s;
}

const auth = { username: 'nacos', password: 'pw' };
const isProbe = (r: { path: string; query: URLSearchParams }) => r.path === '/nacos/v1/cs/configs' && r.query.get('dataId') === 'nacos-edge.probe';
const isLogin = (r: { path: string }) => r.path.endsWith('/auth/login') || r.path.endsWith('/auth/user/login');

describe('1. the API-generation probe', () => {
  it('a 503 answer decides nothing: the next call probes again and finds v1', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    let answered = 0;
    const config = await configService(async (input, init) => (answered++ === 0 ? new Response('busy', { status: 503 }) : fake.fetch(input, init)));
    const first = await config.publishConfig({ dataId: 'k', content: 'x' }).catch((e: unknown) => e);
    expect(isNacosError(first, 'UNAVAILABLE')).toBe(true);
    expect(await config.publishConfig({ dataId: 'k', content: 'x' })).toBe(true);
    expect(await config.getConfig({ dataId: 'missing' })).toBe('');
    expect(fake.requests.some((r) => r.path.startsWith('/nacos/v3/'))).toBe(false);
  });

  it('a cached generation is probed again when its paths answer as only the other generation does (server upgraded)', async () => {
    const v1 = createFakeNacos({ generation: 'v1', auth });
    const v3 = createFakeNacos({ generation: 'v3.0', auth });
    let server = v1;
    const config = await configService((input, init) => server.fetch(input, init), auth);
    expect(await config.publishConfig({ dataId: 'k', content: 'on 2.x' })).toBe(true);
    server = v3;
    // The v1 path now answers 410: this call fails with it, and the client forgets what it knew.
    const error = await config.publishConfig({ dataId: 'k', content: 'on 3.x' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'UNSUPPORTED')).toBe(true);
    expect(await config.publishConfig({ dataId: 'k', content: 'on 3.x' })).toBe(true);
    expect(await config.getConfig({ dataId: 'k' })).toBe('on 3.x');
  });
});

describe('2. shared work belongs to the client, not to the first caller', () => {
  it("aborting one caller's signal during the shared login fails only that caller", async () => {
    const fake = createFakeNacos({ generation: 'v1', auth });
    fake.setConfig('k', 'v');
    const control = controlledFetch(fake.fetch);
    const login = control.hold(isLogin);
    const config = await configService(control.fetch, auth);
    const a = new AbortController();
    const callA = config.getConfig({ dataId: 'k', signal: a.signal }).catch((e: unknown) => e);
    const callB = config.getConfig({ dataId: 'k' });
    await login.arrived;
    a.abort();
    expect(isNacosError(await callA, 'ABORTED')).toBe(true);
    login.release();
    expect(await callB).toBe('v');
    expect(control.count(isLogin)).toBe(1);
  });

  it("aborting one caller's signal during the shared probe fails only that caller", async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    const control = controlledFetch(fake.fetch);
    const probe = control.hold(isProbe);
    const config = await configService(control.fetch);
    const a = new AbortController();
    const callA = config.publishConfig({ dataId: 'a', content: 'x', signal: a.signal }).catch((e: unknown) => e);
    const callB = config.publishConfig({ dataId: 'b', content: 'y' });
    await probe.arrived;
    a.abort();
    expect(isNacosError(await callA, 'ABORTED')).toBe(true);
    probe.release();
    expect(await callB).toBe(true);
    expect(control.count(isProbe)).toBe(1);
  });
});

describe('5. address-server refresh', () => {
  const addressServer = (answers: () => Response, nacos: FetchLike) => {
    const hits: number[] = [];
    const fetchImpl: FetchLike = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (new URL(request.url).host === 'addr.test:8080') {
        hits.push(Date.now());
        return answers();
      }
      return nacos(request);
    };
    return { fetch: fetchImpl, hits };
  };

  it('a failed refresh backs off instead of being retried on every request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('k', 'v');
    let healthy = true;
    const addr = addressServer(() => (healthy ? new Response('fake.test:8848\n') : new Response('down', { status: 500 })), fake.fetch);
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
    const config = await configService(addr.fetch, { serverAddresses: undefined, endpoint: 'addr.test', endpointRefreshMs: 30_000, logger, logLevel: 'warn' });
    expect(await config.getConfig({ dataId: 'k' })).toBe('v');
    expect(addr.hits).toHaveLength(1);
    healthy = false;
    vi.setSystemTime(Date.now() + 31_000);
    for (let i = 0; i < 20; i++) {
      expect(await config.getConfig({ dataId: 'k' })).toBe('v');
      await settle();
    }
    expect(addr.hits).toHaveLength(2);
    expect(warnings.filter((w) => /address server/.test(w))).toHaveLength(1);
    // The next try comes after the backoff (1 s after the first failure), not at the next refresh interval.
    vi.setSystemTime(Date.now() + 1_500);
    await config.getConfig({ dataId: 'k' });
    await settle();
    expect(addr.hits).toHaveLength(3);
  });

  it('a refreshed list naming the same servers keeps what the client learnt about them (one probe)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const fake = createFakeNacos({ generation: 'v1' });
    const addr = addressServer(() => new Response('fake.test:8848\n'), fake.fetch);
    const config = await configService(addr.fetch, { serverAddresses: undefined, endpoint: 'addr.test', endpointRefreshMs: 1000 });
    for (let i = 0; i < 5; i++) {
      await config.publishConfig({ dataId: `k${i}`, content: 'x' });
      await settle();
      vi.setSystemTime(Date.now() + 1_100);
    }
    expect(addr.hits.length).toBeGreaterThanOrEqual(5);
    expect(fake.requests.filter(isProbe)).toHaveLength(1);
  });
});

describe('6. a 403 logs in again only when the token is the problem', () => {
  it('permission denials (authorization failed!) cause no new login; a refused token does, once', async () => {
    for (const generation of ['v1', 'v3.0'] as const) {
      const fake = createFakeNacos({ generation, auth, forbidden: (dataId) => dataId.startsWith('secret') });
      const control = controlledFetch(fake.fetch);
      const config = await configService(control.fetch, auth);
      // The first login on 3.x tries the v1 path (410) before the v3 one; once the server is known, v3 straight away.
      const first = generation === 'v1' ? 1 : 2;
      for (let i = 0; i < 5; i++) expect(isNacosError(await config.getConfig({ dataId: 'secret' }).catch((e: unknown) => e), 'AUTH')).toBe(true);
      expect(control.count(isLogin)).toBe(first);
      fake.expireTokens();
      expect(await config.getConfig({ dataId: 'open' })).toBe('');
      expect(control.count(isLogin)).toBe(first + 1);
    }
  });
});

describe('10. answers that are not Nacos are never taken for Nacos', () => {
  it('a JSON answer without Content-MD5 (another console on the port) is not read as the content', async () => {
    const config = await configService(async () => new Response('{"data":null,"success":false,"code":"NO_LOGIN","msg":null}', { headers: { 'Content-Type': 'application/json' } }));
    const error = await config.getConfig({ dataId: 'app.properties' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'SERVER')).toBe(true);
    expect((error as Error).message).toMatch(/not a Nacos server at http:\/\/fake\.test:8848\/nacos/);
  });

  it('a web page is not a Nacos answer: the next server is tried, and a write says no server answered, not "3.2+"', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('k', 'from nacos');
    const webPage = () => new Response('<!DOCTYPE HTML><html><body>Not Found</body></html>', { status: 404, headers: { 'Content-Type': 'text/html' } });
    const mixed = await configService(async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      return new URL(request.url).host === 'web.test:8848' ? webPage() : fake.fetch(request);
    }, { serverAddresses: 'web.test,fake.test' });
    expect(await mixed.getConfig({ dataId: 'k' })).toBe('from nacos');

    const onlyWeb = await configService(async () => webPage());
    const read = await onlyWeb.getConfig({ dataId: 'k' }).catch((e: unknown) => e);
    expect(isNacosError(read, 'UNAVAILABLE')).toBe(true);
    expect((read as Error).message).toMatch(/not a Nacos server/);
    const write = await onlyWeb.publishConfig({ dataId: 'k', content: 'x' }).catch((e: unknown) => e);
    expect(isNacosError(write, 'UNAVAILABLE')).toBe(true);
    expect((write as Error).message).not.toMatch(/3\.2/);
    expect((write as Error).message).toMatch(/not a Nacos server/);
  });
});

// One deterministic test per defect of issue 13 (scripted fetch orderings, no sleeps), each failing before its fix.
// The fake answers as the official servers do (test/unit/fake-nacos.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { addressServer as discovery } from '../../src/address-server.js';
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
    const config = await configService(addr.fetch, { serverAddresses: undefined, endpoint: 'addr.test', addressServer: discovery, endpointRefreshMs: 30_000, logger, logLevel: 'warn' });
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
    const config = await configService(addr.fetch, { serverAddresses: undefined, endpoint: 'addr.test', addressServer: discovery, endpointRefreshMs: 1000 });
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
    // Like a web page: the next server is asked, and with none left no server answered (a snapshot would serve).
    expect(isNacosError(error, 'UNAVAILABLE')).toBe(true);
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

describe('3. listeners never get an older value after a newer one', () => {
  it('two addListener calls whose reads answer out of order deliver v1 then v2, never back to v1', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('k', 'v1');
    const control = controlledFetch(fake.fetch);
    const config = await configService(control.fetch, { backgroundSync: false });
    const isRead = (r: { path: string; method: string; query: URLSearchParams }) => r.path === '/nacos/v1/cs/configs' && r.method === 'GET' && r.query.get('dataId') === 'k';
    // The first read takes v1 from the server, but its answer arrives after the second read's.
    const firstRead = control.hold(isRead, { answerFirst: true });
    const seen: Record<string, string[]> = { a: [], b: [] };
    const a = config.addListener('k', 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen['a']!.push(content));
    await firstRead.arrived;
    fake.setConfig('k', 'v2');
    const b = config.addListener('k', 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen['b']!.push(content));
    await settle();
    firstRead.release();
    await Promise.all([a, b]);
    await settle();
    expect(seen['a']).toEqual(['v1', 'v2']);
    expect(seen['b']).toEqual(['v2']);
  });

  it('a listener slower than the changes gets the newest content next, not a backlog of stale ones', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('k', 'c0');
    const config = await configService(fake.fetch, { backgroundSync: false });
    let release: () => void = () => {};
    const seen: string[] = [];
    await config.addListener('k', 'DEFAULT_GROUP', async (_t, _d, _g, content) => {
      seen.push(content);
      if (content === 'c0') await new Promise<void>((r) => (release = r));
    });
    await settle();
    for (let i = 1; i <= 20; i++) {
      fake.setConfig('k', `c${i}`);
      await config.tick({ maxWaitMs: 10 });
    }
    release();
    await settle();
    expect(seen).toEqual(['c0', 'c20']);
  });
});

describe('4. a deregistered instance stays gone', () => {
  for (const generation of ['v1', 'v3'] as const) {
    it(`${generation}: deregisterInstance waits for a beat on the wire, which then cannot bring the instance back`, async () => {
      const fake = createFakeNacos({ generation });
      const control = controlledFetch(fake.fetch);
      const naming = await namingService(control.fetch, { backgroundSync: false });
      await naming.registerInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80 });
      const isBeat = (r: { path: string; form: URLSearchParams }) => r.path.endsWith('/instance/beat') || r.form.get('heartBeat') === 'true';
      const beatOnWire = control.hold(isBeat);
      const beating = naming.beat();
      await beatOnWire.arrived;
      const deregistering = naming.deregisterInstance({ serviceName: 'svc', ip: '10.0.0.1', port: 80 });
      await settle();
      // The delete waits for the beat: nothing has been deleted yet.
      expect(control.count((r) => r.method === 'DELETE')).toBe(0);
      beatOnWire.release();
      await Promise.all([beating, deregistering]);
      await naming.beat();
      expect(fake.instances.size).toBe(0);
      expect(control.count((r) => r.method === 'POST' && r.form.get('heartBeat') !== 'true')).toBe(1);
    });
  }
});

describe('7. on 3.2+, adding a listener reads that key, not every watched key again', () => {
  it('20 listeners added one after another cost 20 reads; the next polling round reads each key once', async () => {
    vi.useFakeTimers();
    const fake = createFakeNacos({ generation: 'v3' });
    const control = controlledFetch(fake.fetch);
    const config = await configService(control.fetch, { pollIntervalMs: 60_000 });
    const isRead = (r: { path: string }) => r.path === '/nacos/v3/client/cs/config';
    for (let i = 0; i < 20; i++) {
      await config.addListener(`k${i}`, 'DEFAULT_GROUP', () => {});
      await vi.advanceTimersByTimeAsync(80);
    }
    expect(control.count(isRead)).toBe(20);
    await vi.advanceTimersByTimeAsync(70_000);
    expect(control.count(isRead)).toBe(40);
  });
});

describe('8. unsubscribing during the first poll', () => {
  it('starts no polling loop', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    const control = controlledFetch(fake.fetch);
    const naming = await namingService(control.fetch);
    const firstPoll = control.hold((r) => r.path === '/nacos/v1/ns/instance/list');
    const callback = () => {};
    const subscribing = naming.subscribe({ serviceName: 'svc', subscribeCallback: callback, intervalMs: 100 });
    await firstPoll.arrived;
    await naming.unsubscribe({ serviceName: 'svc', subscribeCallback: callback });
    firstPoll.release();
    await subscribing;
    expect(naming.subscriptions).toEqual({ services: 0, activeLoops: 0 });
  });
});

describe('9. smaller defects', () => {
  it('a v1 service list that is not JSON is a SERVER error, not a raw SyntaxError', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    const naming = await namingService(async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      return new URL(request.url).pathname.endsWith('/ns/service/list') ? new Response('<not json>') : fake.fetch(request);
    });
    const error = await naming.listServices().catch((e: unknown) => e);
    expect(isNacosError(error, 'SERVER')).toBe(true);
  });

  it('an AbortSignal.timeout() deadline is TIMEOUT, not ABORTED (NacosClient getConfig({ timeout }))', async () => {
    const { NacosClient } = await import('../../src/index.js');
    const hanging: FetchLike = (input, init) => {
      const signal = input instanceof Request ? input.signal : init?.signal;
      return new Promise<Response>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    };
    const client = new NacosClient('fake.test', { fetch: hanging, logLevel: 'silent' });
    closers.push(() => client.shutdown());
    const error = await client.getConfig('k', 'DEFAULT_GROUP', { timeout: 0.05, noSnapshot: true }).catch((e: unknown) => e);
    expect(isNacosError(error, 'TIMEOUT')).toBe(true);
  });

  it("NacosClient's warning about callbackThreadNum respects logLevel 'silent'", async () => {
    const { NacosClient } = await import('../../src/index.js');
    const fake = createFakeNacos({ generation: 'v1' });
    const lines: string[] = [];
    const logger = { debug: (m: string) => void lines.push(m), info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error: (m: string) => void lines.push(m) };
    const quiet = new NacosClient('fake.test', { fetch: fake.fetch, logger, logLevel: 'silent' });
    closers.push(() => quiet.shutdown());
    quiet.setOptions({ callbackThreadNum: 4 });
    await quiet.getConfig('k');
    expect(lines).toEqual([]);
    const loud = new NacosClient('fake.test', { fetch: fake.fetch, logger, logLevel: 'warn' });
    closers.push(() => loud.shutdown());
    loud.setOptions({ callbackThreadNum: 4 });
    await loud.getConfig('k');
    expect(lines.some((l) => /callbackThreadNum has no effect/.test(l))).toBe(true);
  });

  it('a tagged read on 3.x is UNSUPPORTED before any v3 read, not the main content', async () => {
    const fake = createFakeNacos({ generation: 'v3' });
    fake.setConfig('k', 'main');
    const control = controlledFetch(fake.fetch);
    const config = await configService(control.fetch);
    expect(await config.getConfig({ dataId: 'k' })).toBe('main');
    const error = await config.getConfig({ dataId: 'k', tag: 'canary' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'UNSUPPORTED')).toBe(true);
    expect(control.count((r) => r.path === '/nacos/v3/client/cs/config')).toBe(1);
  });

  it('watch() keeps the newest change for a slow consumer, each with the md5 of its own content', async () => {
    const { createHash } = await import('node:crypto');
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('w', 'w0');
    const config = await configService(fake.fetch, { backgroundSync: false });
    const iterator = config.watch({ dataId: 'w' })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ content: 'w0', md5: md5('w0'), source: 'initial' });
    // 30 changes while the consumer does not pull: it then gets the newest one, with that content's md5.
    for (let i = 1; i <= 30; i++) {
      fake.setConfig('w', `w${i}`);
      await config.tick({ maxWaitMs: 10 });
    }
    await settle();
    const next = (await iterator.next()).value as { content: string; md5: string };
    expect(next).toMatchObject({ content: 'w30', md5: md5('w30') });
    await iterator.return?.(undefined);
  });
});

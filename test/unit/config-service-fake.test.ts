// Behaviour the real servers cannot be made to show on demand (tokens refused early, the Nacos 3.2 answers),
// checked against the in-process FAKE (test/unit/fake-nacos.ts). The real-server suite is test/integration.
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService } from '../../src/index.js';
import { createFakeNacos } from './fake-nacos.js';

const services: NacosConfigService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

async function serviceFor(fake: ReturnType<typeof createFakeNacos>, options: Record<string, unknown> = {}) {
  const s = await NacosConfigService.createConfigService(
    createClientConfig({ serverAddresses: 'fake-nacos.test:8848', fetch: fake.fetch, logLevel: 'silent', ...options }),
  );
  services.push(s);
  return s;
}

async function until(check: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a Nacos 3.2 server (fake: v1 paths answer 404, not 3.0.3\'s 410): v3 client reads, admin writes, md5 polling', () => {
  const auth = { username: 'nacos', password: 'pw' };

  it('probes once, then reads and writes through the v3 APIs', async () => {
    const fake = createFakeNacos({ generation: 'v3', auth });
    const config = await serviceFor(fake, auth);
    expect(await config.getConfig({ dataId: 'a' })).toBe('');
    await config.publishConfig({ dataId: 'a', content: 'x=1', type: 'properties' });
    expect(await config.getConfig({ dataId: 'a' })).toBe('x=1');
    await config.removeConfig({ dataId: 'a' });
    expect(await config.getConfig({ dataId: 'a' })).toBe('');
    const probes = fake.requests.filter((r) => r.path === '/nacos/v1/cs/configs');
    expect(probes).toHaveLength(1);
    expect(fake.requests.some((r) => r.path === '/nacos/v3/auth/user/login')).toBe(true);
    const publish = fake.requests.find((r) => r.path === '/nacos/v3/admin/cs/config' && r.method === 'POST');
    expect(new URLSearchParams(publish?.body).get('groupName')).toBe('DEFAULT_GROUP');
  });

  it('without credentials a publish is a typed AUTH error that says why, and nothing is sent', async () => {
    const fake = createFakeNacos({ generation: 'v3' });
    const config = await serviceFor(fake);
    const before = fake.requests.length;
    const error = await config.publishConfig({ dataId: 'a', content: 'x' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'AUTH')).toBe(true);
    expect((error as Error).message).toMatch(/admin API/);
    expect(fake.requests.slice(before).filter((r) => r.path.includes('/admin/'))).toEqual([]);
  });

  it('listeners work by md5 polling with the same semantics', async () => {
    const fake = createFakeNacos({ generation: 'v3', auth });
    const config = await serviceFor(fake, { ...auth, pollIntervalMs: 100 });
    fake.setConfig('polled', 'p0');
    const seen: string[] = [];
    await config.addListener('polled', 'DEFAULT_GROUP', (_t, _d, _g, c) => {
      seen.push(c);
    });
    await until(() => seen.length === 1, 'initial');
    fake.setConfig('polled', 'p1');
    await until(() => seen.includes('p1'), 'p1 by polling');
    fake.configs.clear();
    await until(() => seen.length === 3, 'deletion');
    expect(seen).toEqual(['p0', 'p1', '']);
    expect(fake.requests.some((r) => r.path.includes('listener'))).toBe(false);
  });

  it('tick() polls md5 once', async () => {
    const fake = createFakeNacos({ generation: 'v3' });
    const config = await serviceFor(fake, { backgroundSync: false });
    fake.setConfig('t', 'a');
    const seen: string[] = [];
    await config.addListener('t', 'DEFAULT_GROUP', (_t, _d, _g, c) => {
      seen.push(c);
    });
    fake.setConfig('t', 'b');
    expect(await config.tick()).toEqual({ checked: 1, changed: 1 });
    await until(() => seen.length === 2, 'tick delivery');
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('a read while the server dumps the config (fake: 409 on demand)', () => {
  it('is asked again after a short pause instead of failing or serving an older snapshot', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('k', 'new');
    fake.dumping('k', 3);
    const config = await serviceFor(fake);
    expect(await config.getConfig({ dataId: 'k' })).toBe('new');
    expect(fake.requests.filter((r) => r.path === '/nacos/v1/cs/configs')).toHaveLength(4);
  });

  it('gives up after five tries with the servers\' answers', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('k', 'new');
    fake.dumping('k', 100);
    const config = await serviceFor(fake);
    const error = await config.getConfig({ dataId: 'k' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/being modified/);
    expect(fake.requests.filter((r) => r.path === '/nacos/v1/cs/configs')).toHaveLength(5);
  });
});

describe('token refused early (fake)', () => {
  it('logs in again on a 403 and retries once, so the call succeeds', async () => {
    const fake = createFakeNacos({ generation: 'v1', auth: { username: 'u', password: 'p' } });
    const config = await serviceFor(fake, { username: 'u', password: 'p' });
    await config.publishConfig({ dataId: 'k', content: 'v' });
    fake.expireTokens();
    expect(await config.getConfig({ dataId: 'k' })).toBe('v');
    expect(fake.requests.filter((r) => r.path === '/nacos/v1/auth/login')).toHaveLength(2);
  });
});

describe('the first read finds out the server generation (fake)', () => {
  it('costs one request on a v1 server and two on a 3.2+ server, and later calls reuse what it learnt', async () => {
    const v1 = createFakeNacos({ generation: 'v1' });
    v1.setConfig('k', 'one');
    const onV1 = await serviceFor(v1);
    expect(await onV1.getConfig({ dataId: 'k' })).toBe('one');
    expect(v1.requests.map((r) => r.path)).toEqual(['/nacos/v1/cs/configs']);
    await onV1.publishConfig({ dataId: 'k', content: 'two' });
    expect(v1.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /nacos/v1/cs/configs', 'POST /nacos/v1/cs/configs']);

    const v3 = createFakeNacos({ generation: 'v3' });
    v3.setConfig('k', 'three');
    const onV3 = await serviceFor(v3);
    expect(await onV3.getConfig({ dataId: 'k' })).toBe('three');
    expect(await onV3.getConfig({ dataId: 'k' })).toBe('three');
    expect(v3.requests.map((r) => r.path)).toEqual(['/nacos/v1/cs/configs', '/nacos/v3/client/cs/config', '/nacos/v3/client/cs/config']);
  });
});

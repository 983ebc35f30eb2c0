// Runs in real Chromium (vitest browser mode): real IndexedDB, real WebCrypto, fetch through the
// page's same-origin proxy to the Nacos server the harness started.
import { describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { createStorage } from '../../src/storage/indexeddb.js';
import { hmacSha1Base64Subtle } from '../../src/util/crypto.js';
import { nobleHmacSha1 } from '../../src/noble.js';
import { testStorageAdapter } from '../conformance/storage-adapter.js';

let run = 0;
testStorageAdapter('indexeddb (Chromium)', async () => {
  const storage = createStorage({ name: `conformance-${Date.now()}-${run++}` });
  await storage.clear();
  return storage;
});

const origin = location.origin;

describe('in the browser, against the real server', () => {
  it('reads, publishes, listens, and falls back to the IndexedDB snapshot when the server is gone', async () => {
    const storage = createStorage({ name: `e2e-${Date.now()}` });
    const live = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: origin, storage, logLevel: 'silent' }));
    const dataId = `browser-${Date.now()}`;
    await live.publishConfig({ dataId, content: 'b1' });
    expect(await live.getConfig({ dataId })).toBe('b1');
    const seen: string[] = [];
    await live.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, c) => {
      seen.push(c);
    });
    await live.publishConfig({ dataId, content: 'b2' });
    await expect.poll(() => seen, { timeout: 15_000 }).toEqual(['b1', 'b2']);

    const dead = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: `${origin}/dead/nacos`, storage, logLevel: 'silent' }));
    expect(await dead.getConfig({ dataId })).toBe('b2');
    expect(isNacosError(await dead.getConfig({ dataId: `${dataId}-x` }).catch((e: unknown) => e), 'UNAVAILABLE')).toBe(true);
    await Promise.all([live.shutdown(), dead.shutdown()]);
  });

  it('registers an instance and lists it', async () => {
    const naming = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: origin, logLevel: 'silent' }));
    const serviceName = `browser-svc-${Date.now()}`;
    await naming.registerInstance({ serviceName, ip: '10.30.0.1', port: 1 });
    expect((await naming.listInstances({ serviceName })).map((h) => h.ip)).toEqual(['10.30.0.1']);
    await naming.shutdown({ deregister: true });
  });

  it('signs with the page WebCrypto and the noble fallback alike', async () => {
    expect(await hmacSha1Base64Subtle(crypto.subtle, 'nacos-test-secret-key', 'DEFAULT_GROUP+1700000000000')).toBe('jKYinFhDNDxB3w6+tSVhaDdFPEc=');
    expect(nobleHmacSha1('nacos-test-secret-key', 'DEFAULT_GROUP+1700000000000')).toBe('jKYinFhDNDxB3w6+tSVhaDdFPEc=');
  });
});

// Runs inside workerd (@cloudflare/vitest-pool-workers) with a real KV binding from wrangler.toml.
import { env } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { createStorage } from '../../src/storage/cloudflare-kv.js';
import { testStorageAdapter } from '../conformance/storage-adapter.js';

const kv = (env as unknown as { NACOS_CACHE: Parameters<typeof createStorage>[0]['binding'] }).NACOS_CACHE;
let run = 0;
testStorageAdapter('cloudflare-kv (workerd)', () => createStorage({ binding: kv, prefix: `conf-${run++}/` }));

describe('KV key names', () => {
  it('stores a key over 512 bytes under the SHA-256 of the key, with the key as metadata', async () => {
    const storage = createStorage({ binding: kv, prefix: 'long/' });
    const key = `snapshot/config/${'x'.repeat(600)}`;
    await storage.set(key, 'v');
    // The name is a known answer: earlier versions hashed with @noble/hashes, so existing entries keep their names.
    const listed = await kv.list({ prefix: 'long/#' });
    expect(listed.keys.map((k) => k.name)).toEqual(['long/#b3c4c6fbca379009834a189644738a70c231be5bef810ec6520b5ffacb7692d9']);
    expect(listed.keys[0]?.metadata).toEqual({ key });
    expect(await storage.get(key)).toBe('v');
    expect(await storage.list('snapshot/')).toEqual([key]);
    await storage.delete(key);
    expect(await storage.get(key)).toBeUndefined();
  });
});

describe('KV snapshots with the real server, from workerd', () => {
  it('serves from the KV snapshot when no server answers, and stale-while-revalidate refreshes in the background', async () => {
    const { serverAddr } = inject('nacos');
    const storage = createStorage({ binding: kv, prefix: 'e2e/' });
    const dataId = `kv-${Date.now()}`;
    const live = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, storage, logLevel: 'silent', backgroundSync: false }));
    await live.publishConfig({ dataId, content: 'v1' });
    expect(await live.getConfig({ dataId })).toBe('v1');

    // Unreachable server (127.0.0.1:1 refuses): the KV snapshot answers.
    const dead = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: '127.0.0.1:1', storage, logLevel: 'silent' }));
    expect(await dead.getConfig({ dataId })).toBe('v1');
    expect(isNacosError(await dead.getConfig({ dataId: `${dataId}-never` }).catch((e: unknown) => e), 'UNAVAILABLE')).toBe(true);

    // Fresh snapshot: served without a server round trip, even though the server now has v2.
    await live.publishConfig({ dataId, content: 'v2' });
    const pending: Promise<unknown>[] = [];
    expect(await live.getConfig({ dataId, cache: { freshMs: 60_000, waitUntil: (p) => pending.push(p) } })).toBe('v1');
    expect(pending).toHaveLength(0);
    // Stale but within staleMs: served at once, refreshed through waitUntil; the next read sees v2.
    expect(await live.getConfig({ dataId, cache: { freshMs: 0, staleMs: 60_000, waitUntil: (p) => pending.push(p) } })).toBe('v1');
    expect(pending).toHaveLength(1);
    await Promise.all(pending);
    expect(await live.getConfig({ dataId, cache: { freshMs: 60_000 } })).toBe('v2');
    await Promise.all([live.shutdown(), dead.shutdown()]);
  });

  it('without timers, tick() finds a change; naming registers and lists from workerd', async () => {
    const { serverAddr } = inject('nacos');
    const options = { serverAddresses: serverAddr, logLevel: 'silent' as const, backgroundSync: false };
    const config = await NacosConfigService.createConfigService(createClientConfig(options));
    const naming = await NacosNamingService.createNamingService(createClientConfig(options));
    const dataId = `tick-${Date.now()}`;
    const serviceName = `workerd-svc-${Date.now()}`;
    try {
      await config.publishConfig({ dataId, content: 't1' });
      const seen: string[] = [];
      await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, c) => {
        seen.push(c);
      });
      await config.publishConfig({ dataId, content: 't2' });
      expect(await config.tick({ maxWaitMs: 1000 })).toEqual({ checked: 1, changed: 1 });
      await expect.poll(() => seen).toEqual(['t1', 't2']);

      await naming.registerInstance({ serviceName, ip: '10.80.0.1', port: 443 });
      expect(naming.heartbeats).toEqual({ instances: 1, activeTimers: 0 });
      expect((await naming.listInstances({ serviceName })).map((h) => `${h.ip}:${h.port}`)).toEqual(['10.80.0.1:443']);
      expect(await naming.tick()).toEqual({ beats: 1, subscriptions: 0 });
    } finally {
      await Promise.all([config.shutdown(), naming.shutdown({ deregister: true })]);
    }
  });

  it('signs with the runtime WebCrypto', async () => {
    const { hmacSha1Base64Subtle } = await import('../../src/util/crypto.js');
    expect(await hmacSha1Base64Subtle(crypto.subtle, 'nacos-test-secret-key', '1700000000000')).toBe('Tv2fBebO3KmogZF7by1ELdrofWg=');
  });
});

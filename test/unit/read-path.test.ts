// The read path against the in-process FAKE (test/unit/fake-nacos.ts), for what the real server cannot be
// made to show (requests held open): a read loop must not rewrite an unchanged snapshot on every call, a change
// must reach the snapshot at once, and one caller signal shared by many calls gets one abort listener.
// The same snapshot behaviour against the real server: test/integration/read-path.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, type StoragePort } from '../../src/index.js';
import { createStorage } from '../../src/storage/memory.js';
import { SnapshotWriter } from '../../src/storage/records.js';
import { createFakeNacos } from './fake-nacos.js';

const services: NacosConfigService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

function countingStorage() {
  const inner = createStorage();
  const writes: string[] = [];
  const storage: StoragePort = {
    get: (key) => inner.get(key),
    set: async (key, value) => {
      writes.push(key);
      await inner.set(key, value);
    },
    delete: (key) => inner.delete(key),
    list: (prefix) => inner.list(prefix),
  };
  return { storage, writes, inner };
}

describe('snapshot writes on the read path (fake)', () => {
  it('an unchanged config is written once for a burst of reads; a changed one at once, with the new content', async () => {
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('app.properties', 'a=1');
    const { storage, writes, inner } = countingStorage();
    const config = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: 'fake-nacos.test:8848', fetch: fake.fetch, storage, logLevel: 'silent' }));
    services.push(config);
    for (let i = 0; i < 20; i++) expect(await config.getConfig({ dataId: 'app.properties' })).toBe('a=1');
    expect(writes).toHaveLength(1);
    fake.setConfig('app.properties', 'a=2');
    expect(await config.getConfig({ dataId: 'app.properties' })).toBe('a=2');
    expect(writes).toHaveLength(2);
    const [key] = await inner.list('snapshot/');
    expect(JSON.parse((await inner.get(key as string)) as string)).toMatchObject({ content: 'a=2' });
  });
});

describe('one caller signal shared by many calls (fake)', () => {
  it('adds one abort listener, not one per call, and aborting it ends every call', async () => {
    const { EventEmitter } = await import('node:events');
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('shared', 'x');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let gated = false;
    let held = 0;
    const slowFetch = async (input: Request | string | URL, init?: RequestInit) => {
      if (gated) {
        held++;
        await Promise.race([gate, new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))]);
      }
      return fake.fetch(input, init);
    };
    const config = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: 'fake-nacos.test:8848', fetch: slowFetch, logLevel: 'silent' }));
    services.push(config);
    expect(await config.getConfig({ dataId: 'shared' })).toBe('x'); // learns the server generation
    gated = true;
    const controller = new AbortController();
    const calls = Array.from({ length: 50 }, () => config.getConfig({ dataId: 'shared', signal: controller.signal, snapshot: false }).then(() => 'ok', (e: unknown) => e));
    for (const deadline = Date.now() + 5000; held < 50 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 1));
    expect(held).toBe(50);
    expect(EventEmitter.getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    controller.abort();
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((o) => isNacosError(o, 'ABORTED'))).toBe(true);
    release();
  });
});

describe('SnapshotWriter', () => {
  it('skips the same version within the window, writes a new version, an unknown one and a delete at once', async () => {
    const { storage, writes, inner } = countingStorage();
    const writer = new SnapshotWriter(storage, 60_000);
    await writer.write('k', 'v1', () => 'one');
    await writer.write('k', 'v1', () => 'one again');
    expect(writes).toEqual(['k']);
    await writer.write('k', 'v2', () => 'two');
    await writer.write('k', undefined, () => 'three');
    await writer.write('k', undefined, () => 'four');
    expect(writes).toHaveLength(4);
    expect(await inner.get('k')).toBe('four');
    await writer.write('k', '', undefined);
    expect(await inner.get('k')).toBeUndefined();
  });

  it('does not remember a failed write', async () => {
    const inner = createStorage();
    let fail = true;
    const storage: StoragePort = { ...inner, get: inner.get, delete: inner.delete, list: inner.list, set: async (k, v) => (fail ? Promise.reject(new Error('disk full')) : inner.set(k, v)) };
    const writer = new SnapshotWriter(storage, 60_000);
    await expect(writer.write('k', 'v1', () => 'one')).rejects.toThrow('disk full');
    fail = false;
    await writer.write('k', 'v1', () => 'one');
    expect(await inner.get('k')).toBe('one');
  });
});

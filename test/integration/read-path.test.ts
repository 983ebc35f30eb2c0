// The read path against the real server: a burst of reads writes an unchanged snapshot once, a change
// reaches the snapshot at once, and the same holds for instance-list snapshots.
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, NacosConfigService, NacosNamingService, type StoragePort } from '../../src/index.js';
import { createStorage } from '../../src/storage/memory.js';
import { plainOptions, uniqueId } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
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

describe('snapshots on the read path (real server)', () => {
  it('20 reads of an unchanged config write its snapshot once; a published change is written by the next read', async () => {
    const { storage, writes, inner } = countingStorage();
    const config = await NacosConfigService.createConfigService(createClientConfig(plainOptions({ storage, logLevel: 'silent' })));
    closers.push(() => config.shutdown());
    const dataId = uniqueId('read-burst');
    await config.publishConfig({ dataId, content: 'a=1' });
    for (let i = 0; i < 20; i++) expect(await config.getConfig({ dataId })).toBe('a=1');
    expect(writes.filter((k) => k.startsWith('snapshot/'))).toHaveLength(1);
    await config.publishConfig({ dataId, content: 'a=2' });
    expect(await config.getConfig({ dataId })).toBe('a=2');
    expect(writes.filter((k) => k.startsWith('snapshot/'))).toHaveLength(2);
    const [key] = await inner.list('snapshot/config/');
    expect(JSON.parse((await inner.get(key as string)) as string)).toMatchObject({ content: 'a=2' });
  });

  it('20 lists of an unchanged service write its instance-list snapshot once; a new instance is written by the next list', async () => {
    const { storage, writes } = countingStorage();
    const naming = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ storage, logLevel: 'silent' })));
    closers.push(() => naming.shutdown({ deregister: true }));
    const serviceName = uniqueId('list-burst');
    await naming.registerInstance({ serviceName, ip: '10.31.0.1', port: 1 });
    for (let i = 0; i < 20; i++) expect(await naming.listInstances({ serviceName })).toHaveLength(1);
    const snapshotWrites = () => writes.filter((k) => k.startsWith('snapshot/naming/')).length;
    expect(snapshotWrites()).toBe(1);
    await naming.registerInstance({ serviceName, ip: '10.31.0.2', port: 1 });
    expect(await naming.listInstances({ serviceName })).toHaveLength(2);
    expect(snapshotWrites()).toBe(2);
  });
});

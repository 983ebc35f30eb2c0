import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isNacosError, isNacosValidationError, NacosClient, type ConfigWatchEvent, type Instance, type SubscribeEvent } from '../../src/index.js';
import { deadServerAddr, isV3, nacos, uniqueId, waitFor } from './helpers.js';

const clients: NacosClient[] = [];
const make = (options: ConstructorParameters<typeof NacosClient>[1] = {}) => {
  // On 3.x config writes go through the admin API, which needs the admin's login.
  const login = isV3() ? { username: nacos().admin.username, password: nacos().admin.password } : {};
  const c = new NacosClient(nacos().serverAddr, { logLevel: 'silent', ...login, ...options });
  clients.push(c);
  return c;
};
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown({ deregister: true })));
});

describe('NacosClient (v1-style facade): config', () => {
  it('publishes, reads (null when missing), watches and removes', async () => {
    const client = make();
    const dataId = uniqueId('compat');
    expect(await client.getConfig(dataId, 'DEFAULT_GROUP')).toBeNull();
    expect(await client.publishConfig(dataId, 'DEFAULT_GROUP', 'c1', { type: 'text' })).toBe(true);
    expect(await client.getConfig(dataId, 'DEFAULT_GROUP')).toBe('c1');

    const a: ConfigWatchEvent[] = [];
    const b: string[] = [];
    const watcherA = (e: ConfigWatchEvent) => void a.push(e);
    const watcherB = (e: ConfigWatchEvent) => void b.push(e.content);
    await client.addConfigWatchers(dataId, 'DEFAULT_GROUP', [watcherA, watcherB]);
    await client.publishConfig(dataId, 'DEFAULT_GROUP', 'c2');
    await waitFor(() => a.length === 2 && b.length === 2, { what: 'both watchers' });
    expect(a[1]).toEqual({ dataId, group: 'DEFAULT_GROUP', namespace: '', rawContent: 'c2', content: 'c2' });

    await client.removeConfigWatcher(dataId, 'DEFAULT_GROUP', watcherA);
    await client.publishConfig(dataId, 'DEFAULT_GROUP', 'c3');
    await waitFor(() => b.includes('c3'), { what: 'the remaining watcher' });
    expect(a.map((e) => e.content)).toEqual(['c1', 'c2']);
    await client.removeConfigWatcher(dataId, 'DEFAULT_GROUP', undefined, true);
    expect(await client.removeConfig(dataId, 'DEFAULT_GROUP')).toBe(true);
    expect(await client.getConfig(dataId)).toBeNull();
  });

  it('setOptions maps the seed options and refuses what fetch cannot do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nacos-edge-compat-'));
    const client = make();
    client.setOptions({ defaultTimeout: 2, pullingTimeout: 20, pullingConfigSize: 500, snapshotBase: dir, failoverBase: dir, noSnapshot: false });
    expect(() => client.setOptions({ proxies: { http: 'http://proxy:3128' } })).toThrow(/fetch/);
    let invalid: unknown;
    try {
      client.setOptions({ pullingTimeout: 1 });
    } catch (error) {
      invalid = error;
    }
    expect(isNacosValidationError(invalid)).toBe(true);
    const dataId = uniqueId('compat-snap');
    await client.publishConfig(dataId, 'DEFAULT_GROUP', 'on disk');
    expect(await client.getConfig(dataId)).toBe('on disk');
    expect(readdirSync(dir)).toContain('snapshot');
    expect(() => client.setOptions({ defaultTimeout: 5 })).toThrow(/before the first operation/);

    const dead = new NacosClient(await deadServerAddr(), { logLevel: 'silent' });
    clients.push(dead);
    dead.setOptions({ snapshotBase: dir });
    expect(await dead.getConfig(dataId)).toBe('on disk');
    const strict = new NacosClient(await deadServerAddr(), { logLevel: 'silent' });
    clients.push(strict);
    strict.setOptions({ snapshotBase: dir, noSnapshot: true });
    expect(isNacosError(await strict.getConfig(dataId).catch((e: unknown) => e), 'UNAVAILABLE')).toBe(true);
  });
});

describe('NacosClient (v1-style facade): naming', () => {
  it('adds, reads, modifies, beats and removes instances', async () => {
    const client = make();
    const serviceName = uniqueId('compat-svc');
    await client.addNamingInstance(serviceName, '10.40.0.1', 80, { weight: 2, metadata: { a: '1' }, heartbeatInterval: 5 });
    const service = await client.listNamingInstance(serviceName, { healthyOnly: true });
    expect(service.hosts.map((h) => [h.ip, h.weight, h.metadata['a']])).toEqual([['10.40.0.1', 2, '1']]);
    expect(await client.getNamingInstance(serviceName, '10.40.0.1', 80)).toMatchObject({ ip: '10.40.0.1', port: 80 });
    expect(await client.getNamingInstance(serviceName, '10.40.0.9', 80)).toBeNull();
    await client.modifyNamingInstance(serviceName, '10.40.0.1', 80, { weight: 4 });
    await waitFor(async () => (await client.getNamingInstance(serviceName, '10.40.0.1', 80))?.weight === 4, { what: 'the modification' });
    const beat = await client.sendHeartbeat(serviceName, '10.40.0.1', 80);
    expect(beat.clientBeatInterval).toBeGreaterThan(0);
    expect(await client.removeNamingInstance(serviceName, '10.40.0.1', 80)).toBe(true);
    await waitFor(async () => (await client.listNamingInstance(serviceName)).hosts.length === 0, { what: 'the removal' });
  });

  it('subscribe sees ADDED, MODIFIED and DELETED per instance; unsubscribe by name stops one listener', async () => {
    const client = make();
    const writer = make();
    const serviceName = uniqueId('compat-sub');
    const events: string[] = [];
    const other: string[] = [];
    const track = { listenerName: 'track', fn: (event: SubscribeEvent, i: Instance) => void events.push(`${event} ${i.ip} ${i.weight}`) };
    const second = { listenerName: 'second', fn: (event: SubscribeEvent, i: Instance) => void other.push(`${event} ${i.ip}`) };
    await writer.addNamingInstance(serviceName, '10.41.0.1', 1);
    await client.subscribe([track, second], 0.15, { serviceName });
    await waitFor(() => events.length === 1, { what: 'the initial ADDED' });
    await writer.modifyNamingInstance(serviceName, '10.41.0.1', 1, { weight: 3 });
    await waitFor(() => events.length === 2, { what: 'MODIFIED' });
    await writer.removeNamingInstance(serviceName, '10.41.0.1', 1);
    await waitFor(() => events.length === 3, { what: 'DELETED' });
    expect(events).toEqual(['ADDED 10.41.0.1 1', 'MODIFIED 10.41.0.1 3', 'DELETED 10.41.0.1 3']);

    await client.unsubscribe(serviceName, 'track');
    await writer.addNamingInstance(serviceName, '10.41.0.2', 1);
    await waitFor(() => other.includes('ADDED 10.41.0.2'), { what: 'the remaining listener' });
    expect(events).toHaveLength(3);
    await client.stopSubscribe();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, isNacosValidationError, NacosNamingService, type Instance, type InstanceDiff } from '../../src/index.js';
import { nacos, recordingLogger, uniqueId, waitFor, plainOptions } from './helpers.js';

const services: NacosNamingService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown({ deregister: true })));
});

type FetchImpl = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

async function naming(options: Record<string, unknown> = {}) {
  const s = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ logLevel: 'silent', ...options })));
  services.push(s);
  return s;
}

function countingFetch() {
  const calls: { method: string; path: string; beat: boolean }[] = [];
  const fetchImpl: FetchImpl = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    // A heartbeat: v1 `PUT …/instance/beat`; v3 a renew, `POST /v3/client/ns/instance` with heartBeat=true.
    const body = request.method === 'POST' ? await request.clone().text() : '';
    calls.push({ method: request.method, path, beat: path.endsWith('/instance/beat') || new URLSearchParams(body).get('heartBeat') === 'true' });
    return fetch(request);
  };
  return { calls, fetch: fetchImpl };
}

const addrs = (hosts: readonly Instance[]) => hosts.map((h) => `${h.ip}:${h.port}`).sort();

describe('naming: register, discover, update, deregister', () => {
  it('registers instances, lists them, reads the service, and deregisters', async () => {
    const n = await naming();
    const serviceName = uniqueId('svc');
    expect(await n.registerInstance({ serviceName, ip: '10.0.0.1', port: 8080, metadata: { zone: 'a' } })).toBe(true);
    await n.registerInstance({ serviceName, ip: '10.0.0.2', port: 8080, weight: 2.5, clusterName: 'east' });
    const hosts = await n.listInstances({ serviceName });
    expect(addrs(hosts)).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    const first = hosts.find((h) => h.ip === '10.0.0.1')!;
    expect(first).toMatchObject({ port: 8080, weight: 1, healthy: true, enabled: true, ephemeral: true, clusterName: 'DEFAULT', serviceName, metadata: { zone: 'a' } });
    expect(first.instanceId).not.toBe('');
    expect(hosts.find((h) => h.ip === '10.0.0.2')).toMatchObject({ weight: 2.5, clusterName: 'east' });

    const service = await n.getService({ serviceName });
    expect(service).toMatchObject({ name: serviceName, groupName: 'DEFAULT_GROUP' });
    expect(addrs(service.hosts)).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    expect(service.cacheMillis).toBeGreaterThan(0);
    expect(addrs(await n.listInstances({ serviceName, clusters: ['east'] }))).toEqual(['10.0.0.2:8080']);

    expect(await n.deregisterInstance({ serviceName, ip: '10.0.0.1', port: 8080 })).toBe(true);
    // Instance lists are eventually consistent on the server; wait for the deregistration to show.
    await waitFor(async () => addrs(await n.listInstances({ serviceName })).join() === '10.0.0.2:8080', { what: 'the deregistration to show' });
    expect(n.heartbeats.instances).toBe(1);
  });

  it('keeps groups apart and lists services of a group', async () => {
    const n = await naming();
    const serviceName = uniqueId('grouped');
    const groupName = uniqueId('G').slice(0, 60);
    await n.registerInstance({ serviceName, groupName, ip: '10.0.1.1', port: 1 });
    expect(addrs(await n.listInstances({ serviceName, groupName }))).toEqual(['10.0.1.1:1']);
    expect(await n.listInstances({ serviceName })).toEqual([]);
    const page = await n.listServices({ groupName, pageSize: 50 });
    expect(page.services).toContain(serviceName);
    expect(page.count).toBeGreaterThanOrEqual(1);
  });

  it('updates an instance in place and says so in the debug log', async () => {
    const { logger, lines } = recordingLogger();
    const n = await naming({ logger, logLevel: 'debug' });
    const serviceName = uniqueId('upd');
    await n.registerInstance({ serviceName, ip: '10.0.2.1', port: 80, weight: 1 });
    await n.updateInstance({ serviceName, ip: '10.0.2.1', port: 80, weight: 7, metadata: { v: '2' } });
    const host = await waitFor(async () => (await n.listInstances({ serviceName })).find((h) => h.weight === 7), { what: 'the update to show' });
    expect(host).toMatchObject({ weight: 7, metadata: { v: '2' } });
    expect(lines.some((l) => /updateInstance 10\.0\.2\.1:80: (updated in place|the server has no update endpoint; registering again)/.test(l))).toBe(true);
  });

  it('batch-registers each instance over HTTP', async () => {
    const n = await naming();
    const serviceName = uniqueId('batch');
    await n.batchRegisterInstances({ serviceName, instances: [1, 2, 3].map((i) => ({ ip: `10.0.3.${i}`, port: 9000 + i })) });
    expect(addrs(await n.listInstances({ serviceName }))).toEqual(['10.0.3.1:9001', '10.0.3.2:9002', '10.0.3.3:9003']);
    expect(n.heartbeats).toEqual({ instances: 3, activeTimers: 1 });
  });

  it('a persistent instance gets no heartbeats', async () => {
    const n = await naming();
    const serviceName = uniqueId('persistent');
    await n.registerInstance({ serviceName, ip: '10.0.4.1', port: 1, ephemeral: false });
    expect(n.heartbeats.instances).toBe(0);
    expect((await n.listInstances({ serviceName }))[0]).toMatchObject({ ephemeral: false });
    await n.deregisterInstance({ serviceName, ip: '10.0.4.1', port: 1, ephemeral: false });
  });
});

describe('naming: validation before any request', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['empty serviceName', { serviceName: '', ip: '10.0.0.1', port: 1 }],
    ['serviceName with @@', { serviceName: 'g@@s', ip: '10.0.0.1', port: 1 }],
    ['port 0', { serviceName: 's', ip: '10.0.0.1', port: 0 }],
    ['port 65536', { serviceName: 's', ip: '10.0.0.1', port: 65536 }],
    ['fractional port', { serviceName: 's', ip: '10.0.0.1', port: 80.5 }],
    ['weight above 10000', { serviceName: 's', ip: '10.0.0.1', port: 1, weight: 10001 }],
    ['negative weight', { serviceName: 's', ip: '10.0.0.1', port: 1, weight: -1 }],
    ['bad ip', { serviceName: 's', ip: 'not an ip!', port: 1 }],
    ['bad cluster', { serviceName: 's', ip: '10.0.0.1', port: 1, clusterName: 'a_b c' }],
    ['huge metadata', { serviceName: 's', ip: '10.0.0.1', port: 1, metadata: { k: 'x'.repeat(20_000) } }],
    ['beat interval above timeout', { serviceName: 's', ip: '10.0.0.1', port: 1, metadata: { 'preserved.heart.beat.interval': '9000', 'preserved.heart.beat.timeout': '3000' } }],
  ];
  for (const [name, params] of cases) {
    it(name, async () => {
      const counting = countingFetch();
      const n = await naming({ fetch: counting.fetch });
      const error = await n.registerInstance(params as never).catch((e: unknown) => e);
      expect(isNacosValidationError(error)).toBe(true);
      expect(counting.calls).toEqual([]);
    });
  }
});

describe('naming: subscriptions', () => {
  it('delivers register, weight change and deregister as diffs, exactly once each; unsubscribe stops them', async () => {
    const n = await naming();
    const serviceName = uniqueId('sub');
    await n.registerInstance({ serviceName, ip: '10.1.0.1', port: 1 });
    const events: { hosts: string[]; diff: { added: string[]; removed: string[]; modified: string[] } }[] = [];
    const callback = (instances: Instance[], diff: InstanceDiff) => {
      events.push({ hosts: addrs(instances), diff: { added: addrs(diff.added), removed: addrs(diff.removed), modified: addrs(diff.modified) } });
    };
    await n.subscribe({ serviceName, subscribeCallback: callback, intervalMs: 150 });
    await waitFor(() => events.length === 1, { what: 'initial list' });
    await n.registerInstance({ serviceName, ip: '10.1.0.2', port: 2 });
    await waitFor(() => events.length === 2, { what: 'register' });
    await n.updateInstance({ serviceName, ip: '10.1.0.2', port: 2, weight: 5 });
    await waitFor(() => events.length === 3, { what: 'weight change' });
    await n.deregisterInstance({ serviceName, ip: '10.1.0.2', port: 2 });
    await waitFor(() => events.length === 4, { what: 'deregister' });
    expect(events).toEqual([
      { hosts: ['10.1.0.1:1'], diff: { added: ['10.1.0.1:1'], removed: [], modified: [] } },
      { hosts: ['10.1.0.1:1', '10.1.0.2:2'], diff: { added: ['10.1.0.2:2'], removed: [], modified: [] } },
      { hosts: ['10.1.0.1:1', '10.1.0.2:2'], diff: { added: [], removed: [], modified: ['10.1.0.2:2'] } },
      { hosts: ['10.1.0.1:1'], diff: { added: [], removed: ['10.1.0.2:2'], modified: [] } },
    ]);

    // A second subscriber proves polling goes on; the first, unsubscribed, hears nothing more.
    const later: string[][] = [];
    await n.subscribe({ serviceName, subscribeCallback: (i) => void later.push(addrs(i)), intervalMs: 150 });
    await n.unsubscribe({ serviceName, subscribeCallback: callback });
    await n.registerInstance({ serviceName, ip: '10.1.0.3', port: 3 });
    await waitFor(() => later.some((l) => l.includes('10.1.0.3:3')), { what: 'the still-subscribed callback' });
    expect(events).toHaveLength(4);
  });

  it('protects against an empty push unless asked for it', async () => {
    const n = await naming();
    const serviceName = uniqueId('empty');
    await n.registerInstance({ serviceName, ip: '10.1.1.1', port: 1 });
    const guarded: string[][] = [];
    const open: string[][] = [];
    await n.subscribe({ serviceName, subscribeCallback: (i) => void guarded.push(addrs(i)), intervalMs: 150 });
    await n.subscribe({ serviceName, subscribeCallback: (i) => void open.push(addrs(i)), intervalMs: 150, allowEmptyPush: true });
    await n.deregisterInstance({ serviceName, ip: '10.1.1.1', port: 1 });
    await waitFor(() => open.length === 2, { what: 'the empty list for the opted-in subscriber' });
    expect(open).toEqual([['10.1.1.1:1'], []]);
    expect(guarded).toEqual([['10.1.1.1:1']]);
  });

  it('selectOneHealthyInstance follows the weights (10,000 draws from the subscribed list, seeded random)', async () => {
    const n = await naming();
    const serviceName = uniqueId('select');
    const weights: Record<string, number> = { '10.2.0.1:1': 1, '10.2.0.2:1': 2, '10.2.0.3:1': 0.5, '10.2.0.4:1': 0 };
    for (const [addr, weight] of Object.entries(weights)) await n.registerInstance({ serviceName, ip: addr.split(':')[0]!, port: 1, weight });
    await n.subscribe({ serviceName, subscribeCallback: () => {}, intervalMs: 1000 });
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const one = await n.selectOneHealthyInstance({ serviceName, random });
      counts.set(`${one.ip}:${one.port}`, (counts.get(`${one.ip}:${one.port}`) ?? 0) + 1);
    }
    const total = 3.5;
    for (const [addr, weight] of Object.entries(weights)) {
      expect(Math.abs((counts.get(addr) ?? 0) / 10_000 - weight / total)).toBeLessThan(0.02);
    }
    expect(counts.get('10.2.0.4:1')).toBeUndefined();
  });

  it('selectOneHealthyInstance with only zero weights is a clear error', async () => {
    const n = await naming();
    const serviceName = uniqueId('zero');
    await n.registerInstance({ serviceName, ip: '10.2.1.1', port: 1, weight: 0 });
    const error = await n.selectOneHealthyInstance({ serviceName }).catch((e: unknown) => e);
    expect(isNacosError(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toMatch(/weight 0/);
  });
});

describe('naming: heartbeats and Workers', () => {
  it('1,000 instances from one client share one scheduler timer and all keep beating', async () => {
    const counting = countingFetch();
    const n = await naming({ fetch: counting.fetch, timeoutMs: 10_000 });
    const serviceName = uniqueId('thousand');
    await n.batchRegisterInstances({ serviceName, instances: Array.from({ length: 1000 }, (_, i) => ({ ip: `10.3.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 7000 })) });
    expect(n.heartbeats).toEqual({ instances: 1000, activeTimers: 1 });
    const beats = () => counting.calls.filter((c) => c.beat).length;
    let maxTimers = 0;
    await waitFor(
      () => {
        maxTimers = Math.max(maxTimers, n.heartbeats.activeTimers);
        return beats() >= 1000;
      },
      { what: 'a full round of 1,000 beats', timeoutMs: 30_000 },
    );
    expect(maxTimers).toBe(1);
    expect((await n.listInstances({ serviceName })).length).toBe(1000);
  }, 60_000);

  it('backgroundSync(false): no timer; tick() sends one round of beats', async () => {
    const counting = countingFetch();
    const n = await naming({ fetch: counting.fetch, backgroundSync: false });
    const serviceName = uniqueId('tick');
    await n.registerInstance({ serviceName, ip: '10.4.0.1', port: 1 });
    await n.registerInstance({ serviceName, ip: '10.4.0.2', port: 1 });
    expect(n.heartbeats).toEqual({ instances: 2, activeTimers: 0 });
    expect(await n.tick()).toEqual({ beats: 2, subscriptions: 0 });
    expect(counting.calls.filter((c) => c.beat)).toHaveLength(2);
  });

  it('shutdown({ deregister: true }) removes the instances and leaves no timer', async () => {
    const n = await NacosNamingService.createNamingService(createClientConfig(plainOptions({ logLevel: 'silent' })));
    const observer = await naming();
    const serviceName = uniqueId('bye');
    await n.registerInstance({ serviceName, ip: '10.5.0.1', port: 1 });
    await n.shutdown({ deregister: true });
    expect(n.heartbeats.activeTimers).toBe(0);
    await waitFor(async () => (await observer.listInstances({ serviceName })).length === 0, { what: 'the deregistration to show' });
    await expect(n.registerInstance({ serviceName, ip: '10.5.0.1', port: 1 })).rejects.toSatisfy((e: unknown) => isNacosError(e, 'ABORTED'));
  });
});

describe('naming: auth profile', () => {
  it('registers and lists with a token', async () => {
    const { serverAddr, username, password } = nacos().auth;
    const n = await naming({ serverAddresses: serverAddr, username, password });
    const serviceName = uniqueId('auth-svc');
    await n.registerInstance({ serviceName, ip: '10.6.0.1', port: 1 });
    expect(addrs(await n.listInstances({ serviceName }))).toEqual(['10.6.0.1:1']);
    const anonymous = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent' }));
    services.push(anonymous);
    const error = await anonymous.listInstances({ serviceName }).catch((e: unknown) => e);
    expect(isNacosError(error, 'AUTH')).toBe(true);
  });
});

// nacos-edge/grpc-web inside workerd: a Worker (or a Durable Object) cannot open a Nacos gRPC stream, so it gets
// pushes from the bridge over a streamed fetch, while its reads and writes go to Nacos over HTTP.
import { describe, expect, inject, it } from 'vitest';
import { bridgePush } from '../../src/grpc-web/index.js';
import { createClientConfig, NacosConfigService, NacosNamingService } from '../../src/index.js';

describe('pushes through the bridge, in workerd', () => {
  it('a listener and a subscription get changes pushed, with polling ten minutes apart', async () => {
    const { serverAddr } = inject('nacos');
    const { url, token } = inject('bridge');
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) };
    const push = bridgePush({ url, token });
    const polls: string[] = [];
    // Count the config requests that are not plain reads: a long poll or md5 poll would mean pushes are not used.
    const countingFetch: typeof fetch = (input, init) => {
      const target = input instanceof Request ? input.url : String(input);
      if (/listener|md5|fuzzy/i.test(target)) polls.push(target);
      return fetch(input, init);
    };
    const watcher = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, push, fetch: countingFetch, pollIntervalMs: 600_000, longPollTimeoutMs: 600_000, logger }));
    const writer = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent' }));
    const subscriber = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: serverAddr, push, logger }));
    const registrant = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent' }));
    try {
      const dataId = `workerd-bridge-${Date.now()}`;
      await writer.publishConfig({ dataId, content: 'one' });
      await expect.poll(() => watcher.getConfig({ dataId }), { timeout: 10_000 }).toBe('one');
      const seen: string[] = [];
      await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
      const started = Date.now();
      await writer.publishConfig({ dataId, content: 'two' });
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual(['one', 'two']);
      expect(Date.now() - started).toBeLessThan(5000);
      await writer.removeConfig({ dataId });
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual(['one', 'two', '']);

      const serviceName = `workerd-bridge-svc-${Date.now()}`;
      const lists: string[][] = [];
      await subscriber.subscribe({ serviceName, intervalMs: 600_000, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => h.ip)) });
      const registered = Date.now();
      await registrant.registerInstance({ serviceName, ip: '10.72.0.1', port: 80 });
      await expect.poll(() => lists.some((l) => l.includes('10.72.0.1')), { timeout: 10_000 }).toBe(true);
      expect(Date.now() - registered).toBeLessThan(5000);
      expect(polls).toEqual([]);
      expect(warnings).toEqual([]);
    } finally {
      await Promise.all([watcher.shutdown(), writer.shutdown(), subscriber.shutdown(), registrant.shutdown({ deregister: true })]);
    }
  });
});

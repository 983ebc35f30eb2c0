// nacos-edge/grpc-web in real Chromium: a page on one origin gets pushes from a bridge on another (a CORS preflight
// for the token header, a streamed fetch body), while its reads go through the page's same-origin proxy to Nacos.
import { describe, expect, inject, it } from 'vitest';
import { bridgePush } from '../../src/grpc-web/index.js';
import { createClientConfig, NacosConfigService, NacosNamingService } from '../../src/index.js';

describe('pushes through the bridge, in the browser', () => {
  it('a listener and a subscription get changes pushed, with polling ten minutes apart', async () => {
    const { url, token } = inject('bridge');
    const origin = location.origin;
    const push = bridgePush({ url, token });
    const watcher = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: origin, push, pollIntervalMs: 600_000, longPollTimeoutMs: 600_000, logLevel: 'silent' }));
    const writer = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: origin, logLevel: 'silent' }));
    const subscriber = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: origin, push, logLevel: 'silent' }));
    const registrant = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: origin, logLevel: 'silent' }));
    try {
      const dataId = `browser-bridge-${Date.now()}`;
      await writer.publishConfig({ dataId, content: 'one' });
      await expect.poll(() => watcher.getConfig({ dataId }), { timeout: 10_000 }).toBe('one');
      const seen: string[] = [];
      await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
      const started = Date.now();
      await writer.publishConfig({ dataId, content: 'two' });
      await expect.poll(() => seen, { timeout: 10_000 }).toEqual(['one', 'two']);
      expect(Date.now() - started).toBeLessThan(5000);

      const serviceName = `browser-bridge-svc-${Date.now()}`;
      const lists: string[][] = [];
      await subscriber.subscribe({ serviceName, intervalMs: 600_000, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => h.ip)) });
      await registrant.registerInstance({ serviceName, ip: '10.71.0.1', port: 80 });
      await expect.poll(() => lists.some((l) => l.includes('10.71.0.1')), { timeout: 10_000 }).toBe(true);
    } finally {
      await Promise.all([watcher.shutdown(), writer.shutdown(), subscriber.shutdown(), registrant.shutdown({ deregister: true })]);
    }
  });
});

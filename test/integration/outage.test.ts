// The restartable server (a server of its own), so stopping it cannot disturb the other files' servers.
import { beforeAll, describe, expect, it } from 'vitest';
import { restartServer, stopServer } from '../../scripts/nacos-server.mjs';
import { createClientConfig, NacosConfigService, type ConfigListener } from '../../src/index.js';
import { restartableServer, uniqueId, waitFor } from './helpers.js';

let server: Awaited<ReturnType<typeof restartableServer>>;
beforeAll(async () => {
  server = await restartableServer();
});

describe('no change is lost across a server restart', () => {
  it('delivers a change made after the restart exactly once', async () => {
    const config = await NacosConfigService.createConfigService(createClientConfig(server.options()));
    try {
      const dataId = uniqueId('restart');
      await config.publishConfig({ dataId, content: 'before' });
      const seen: string[] = [];
      const listener: ConfigListener = (_t, _d, _g, content) => {
        seen.push(content);
      };
      await config.addListener(dataId, 'DEFAULT_GROUP', listener);
      await waitFor(() => seen.length === 1, { what: 'initial delivery' });

      // Stop the server under the held long poll, bring it back on the same port with the same data.
      await restartServer(server.profile);
      const writer = await NacosConfigService.createConfigService(createClientConfig(server.options()));
      await writer.publishConfig({ dataId, content: 'after restart' });
      await waitFor(() => seen.includes('after restart'), { what: 'the change after the restart', timeoutMs: 45_000 });
      // One more change proves the loop is healthy and lets us check nothing was delivered twice.
      await writer.publishConfig({ dataId, content: 'final' });
      await waitFor(() => seen.includes('final'), { what: 'the final change', timeoutMs: 45_000 });
      await writer.shutdown();
      expect(seen).toEqual(['before', 'after restart', 'final']);
    } finally {
      await config.shutdown();
    }
  }, 120_000);

  it('delivers a change made while the server was down, once it is back', async () => {
    const config = await NacosConfigService.createConfigService(createClientConfig(server.options()));
    try {
      const dataId = uniqueId('down');
      await config.publishConfig({ dataId, content: 'v1' });
      const seen: string[] = [];
      await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => {
        seen.push(content);
      });
      await waitFor(() => seen.length === 1, { what: 'initial delivery' });
      await stopServer(server.profile, { keepState: true });
      // While it is down, reads fail over to the snapshot.
      expect(await config.getConfig({ dataId })).toBe('v1');
      await restartServer(server.profile);
      const writer = await NacosConfigService.createConfigService(createClientConfig(server.options()));
      await writer.publishConfig({ dataId, content: 'v2' });
      await writer.shutdown();
      await waitFor(() => seen.includes('v2'), { what: 'the change after the outage', timeoutMs: 45_000 });
      expect(seen).toEqual(['v1', 'v2']);
    } finally {
      await config.shutdown();
    }
  }, 120_000);
});

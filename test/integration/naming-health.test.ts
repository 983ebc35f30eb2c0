// Short health timeouts from each instance's preserved.* metadata, so health changes take seconds; the
// restart test uses the restartable server (a server of its own, so restarting it disturbs no other file).
import { beforeAll, describe, expect, it } from 'vitest';
import { restartServer } from '../../scripts/nacos-server.mjs';
import { type ClientConfigOptions, createClientConfig, NacosNamingService } from '../../src/index.js';
import { restartableServer, uniqueId, waitFor } from './helpers.js';

const HEALTH_TIMEOUT_S = 3;
const metadata = {
  'preserved.heart.beat.interval': '1000',
  'preserved.heart.beat.timeout': String(HEALTH_TIMEOUT_S * 1000),
  'preserved.ip.delete.timeout': '60000',
};
let server: Awaited<ReturnType<typeof restartableServer>>;
let options: () => ClientConfigOptions;

beforeAll(async () => {
  server = await restartableServer();
  options = () => server.options();
});

const client = () => NacosNamingService.createNamingService(createClientConfig(options()));

describe('health from heartbeats', () => {
  it('healthyOnly true / false / undefined with one beating and one silent instance', async () => {
    const beating = await client();
    const silent = await client();
    const observer = await client();
    try {
      const serviceName = uniqueId('health');
      await beating.registerInstance({ serviceName, ip: '10.7.0.1', port: 1, metadata });
      await silent.registerInstance({ serviceName, ip: '10.7.0.2', port: 1, metadata });
      // The silent client stops beating (no deregistration): its instance must turn unhealthy.
      await silent.shutdown();
      await waitFor(async () => (await observer.listInstances({ serviceName, healthyOnly: false })).length === 1, {
        what: 'the silent instance to turn unhealthy',
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      const ips = async (healthyOnly?: boolean) =>
        (await observer.listInstances({ serviceName, ...(healthyOnly === undefined ? {} : { healthyOnly }) })).map((h) => h.ip).sort();
      expect(await ips(false)).toEqual(['10.7.0.2']);
      expect(await ips(true)).toEqual(['10.7.0.1']);
      expect(await ips()).toEqual(['10.7.0.1', '10.7.0.2']);
      const service = await observer.getService({ serviceName });
      expect(service.hosts.find((h) => h.ip === '10.7.0.2')?.healthy).toBe(false);
    } finally {
      await Promise.all([beating.shutdown({ deregister: true }), observer.shutdown()]);
    }
  }, 60_000);

  it('heartbeats keep an instance healthy for three times its timeout', async () => {
    const n = await client();
    try {
      const serviceName = uniqueId('alive');
      await n.registerInstance({ serviceName, ip: '10.7.1.1', port: 1, metadata });
      const until = Date.now() + 3 * HEALTH_TIMEOUT_S * 1000;
      let checks = 0;
      while (Date.now() < until) {
        const [host] = await n.listInstances({ serviceName });
        expect(host?.healthy).toBe(true);
        checks++;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(checks).toBeGreaterThan(10);
    } finally {
      await n.shutdown({ deregister: true });
    }
  }, 30_000);

  it('after a server restart the instance is back within one beat interval of the server being ready', async () => {
    const n = await client();
    const observer = await client();
    try {
      const serviceName = uniqueId('comeback');
      await n.registerInstance({ serviceName, ip: '10.7.2.1', port: 1, metadata });
      await restartServer(server.profile);
      const ready = Date.now();
      await waitFor(async () => (await observer.listInstances({ serviceName })).length === 1, { what: 'the instance to come back', timeoutMs: 20_000, intervalMs: 50 });
      // Beat interval 1 s (preserved.heart.beat.interval) — r-nacos answers 5 s, which the client follows.
      expect(Date.now() - ready).toBeLessThan(5000 + 1500);
    } finally {
      await Promise.all([n.shutdown({ deregister: true }), observer.shutdown()]);
    }
  }, 60_000);
});

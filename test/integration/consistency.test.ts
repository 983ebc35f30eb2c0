// What one client sees of its own writes on the official servers, which apply writes asynchronously (a publish
// is readable ~90 ms after it answered, a change to an existing service is listed ~600 ms later), and
// compare-and-swap publishing.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, NacosNamingService } from '../../src/index.js';
import { nacos, plainOptions, uniqueId } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

async function configService(options = {}) {
  const config = await NacosConfigService.createConfigService(createClientConfig(plainOptions(options)));
  closers.push(() => config.shutdown());
  return config;
}

describe('read-your-writes', () => {
  it('every read right after this client publishes or removes a config shows that write', async () => {
    const config = await configService();
    const dataId = uniqueId('ryw');
    for (let round = 1; round <= 10; round++) {
      await config.publishConfig({ dataId, content: `round=${round}` });
      expect(await config.getConfig({ dataId })).toBe(`round=${round}`);
    }
    await config.removeConfig({ dataId });
    expect(await config.getConfig({ dataId })).toBe('');
  });

  it('every list right after this client registers, updates or deregisters an instance shows that write', async () => {
    const naming = await NacosNamingService.createNamingService(createClientConfig(plainOptions()));
    closers.push(() => naming.shutdown({ deregister: true }));
    const serviceName = uniqueId('ryw-svc');
    const ips = async () => (await naming.listInstances({ serviceName })).map((h) => `${h.ip}/${h.weight}`).sort();
    await naming.registerInstance({ serviceName, ip: '10.60.0.1', port: 1 });
    expect(await ips()).toEqual(['10.60.0.1/1']);
    // Changes to a service that exists already are the ones the servers list late.
    await naming.registerInstance({ serviceName, ip: '10.60.0.2', port: 1, clusterName: 'other' });
    expect(await ips()).toEqual(['10.60.0.1/1', '10.60.0.2/1']);
    await naming.updateInstance({ serviceName, ip: '10.60.0.1', port: 1, weight: 3 });
    expect(await ips()).toEqual(['10.60.0.1/3', '10.60.0.2/1']);
    await naming.deregisterInstance({ serviceName, ip: '10.60.0.2', port: 1, clusterName: 'other' });
    expect(await ips()).toEqual(['10.60.0.1/3']);
  });
});

describe('compare-and-swap publishing', () => {
  it('publishes only while the md5 matches; a lost race is CAS_CONFLICT and is not sent to another server', async () => {
    // The same server under two names: a retry "on the next server" would show as a request to the second name.
    const [host, port] = nacos().serverAddr.split(':');
    const origins: string[] = [];
    const config = await configService({
      serverAddresses: `${host}:${port},localhost:${port}`,
      fetch: (input: Request | string | URL, init?: RequestInit) => {
        const request = input instanceof Request ? input : new Request(input, init);
        origins.push(new URL(request.url).host);
        return fetch(request);
      },
    });
    const dataId = uniqueId('cas');
    await config.publishConfig({ dataId, content: 'one' });
    expect(await config.getConfig({ dataId })).toBe('one');
    expect(await config.publishConfig({ dataId, content: 'two', casMd5: md5('one') })).toBe(true);
    expect(await config.getConfig({ dataId })).toBe('two');
    const error = await config.publishConfig({ dataId, content: 'three', casMd5: md5('one') }).catch((e: unknown) => e);
    expect(isNacosError(error, 'CAS_CONFLICT')).toBe(true);
    expect(await config.getConfig({ dataId })).toBe('two');
    expect(origins.every((o) => o === `${host}:${port}`)).toBe(true);
  });
});

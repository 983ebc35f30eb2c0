import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, NacosConfigService } from '../../src/index.js';
import { addressServer as discovery } from '../../src/address-server.js';
import { nobleHmacSha1 } from '../../src/noble.js';
import { spasSigning } from '../../src/signing.js';
import { isV3, nacos, plainOptions, uniqueId } from './helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** A minimal address server (the real one is a separate Nacos component): GET /nacos/serverlist. */
async function addressServer(body: () => string) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url?.startsWith('/nacos/serverlist')) res.end(body());
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

describe('address-server discovery', () => {
  it('gets the server list from the endpoint, with the namespace, and talks to the listed server', async () => {
    const address = await addressServer(() => `${nacos().serverAddr}\n`);
    const config = await NacosConfigService.createConfigService(
      createClientConfig({ ...plainOptions({ endpoint: address.endpoint, addressServer: discovery, namespaceId: 'disc-ns' }), serverAddresses: undefined }),
    );
    cleanups.push(() => config.shutdown());
    const dataId = uniqueId('disc');
    await config.publishConfig({ dataId, content: 'via endpoint' });
    expect(await config.getConfig({ dataId })).toBe('via endpoint');
    expect(address.hits[0]).toBe('/nacos/serverlist?namespace=disc-ns');
  });

  it('fails with a typed error when the address server lists nothing', async () => {
    const address = await addressServer(() => '\n');
    const config = await NacosConfigService.createConfigService(createClientConfig({ endpoint: address.endpoint, addressServer: discovery, logLevel: 'silent' }));
    cleanups.push(() => config.shutdown());
    await expect(config.getConfig({ dataId: 'x' })).rejects.toMatchObject({ code: 'SERVER', message: expect.stringMatching(/no servers/) });
  });
});

describe('AK/SK signing on every config request', () => {
  it('signs with credentials from the provider, asked for on each request', async () => {
    const seen: { ak: string | null; ts: string | null; sig: string | null; path: string }[] = [];
    let calls = 0;
    const config = await NacosConfigService.createConfigService(
      createClientConfig({
        ...plainOptions(),
        signer: spasSigning,
        credentialsProvider: async () => {
          calls++;
          return { accessKey: `ak-${calls}`, secretKey: 'sk-test' };
        },
        fetch: async (input, init) => {
          const request = input instanceof Request ? input : new Request(input, init);
          seen.push({ ak: request.headers.get('Spas-AccessKey'), ts: request.headers.get('Timestamp'), sig: request.headers.get('Spas-Signature'), path: new URL(request.url).pathname });
          return fetch(request);
        },
      }),
    );
    cleanups.push(() => config.shutdown());
    const dataId = uniqueId('signed');
    await config.publishConfig({ dataId, group: 'SIGNED', content: 'x' });
    expect(await config.getConfig({ dataId, group: 'SIGNED' })).toBe('x');
    const configPath = isV3() ? /\/v3\/(client|admin)\/cs\/config$/ : /\/v1\/cs\/configs$/;
    const signed = seen.filter((s) => configPath.test(s.path) && s.ak !== null);
    expect(signed.length).toBeGreaterThanOrEqual(2);
    // Each signed request asked the provider again (a new ak each time) and carries a verifiable signature.
    expect(new Set(signed.map((s) => s.ak)).size).toBe(signed.length);
    for (const s of signed) expect(s.sig).toBe(nobleHmacSha1('sk-test', `SIGNED+${s.ts}`));
  });
});

// TLS as the seed's tls_config offers it, on Node: the official server behind a TLS terminator with a private CA that
// demands a client certificate (test/support/tls-terminator.mjs). Deno and Bun run the same through the runtime
// suites (test/runtimes/suite.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, isNacosValidationError, NacosConfigService } from '../../src/index.js';
import { tlsFetch, type TlsOptions } from '../../src/tls.js';
import { startTlsTerminator } from '../support/tls-terminator.mjs';
import { nacos, plainOptions, uniqueId, waitFor } from './helpers.js';

let terminator: Awaited<ReturnType<typeof startTlsTerminator>>;
beforeAll(async () => {
  terminator = await startTlsTerminator({ target: nacos().serverAddr });
});
afterAll(async () => {
  await terminator?.close();
});

async function withClient<T>(tls: TlsOptions | undefined, use: (service: NacosConfigService) => Promise<T>): Promise<T> {
  const fetch = tls && tlsFetch(tls);
  const service = await NacosConfigService.createConfigService(createClientConfig(plainOptions({ serverAddresses: terminator.url, timeoutMs: 2000, ...(fetch ? { fetch } : {}) })));
  try {
    return await use(service);
  } finally {
    await service.shutdown();
    await fetch?.close();
  }
}

describe(`TLS with a private CA and a client certificate, on ${nacos().version}`, () => {
  it('publishes, reads and listens through the terminator', async () => {
    const { ca, clientCert: cert, clientKey: key } = terminator.certificates;
    const before = terminator.stats.handshakes;
    await withClient({ ca, cert, key }, async (service) => {
      const dataId = uniqueId('tls');
      await service.publishConfig({ dataId, content: 'over-tls-1' });
      expect(await service.getConfig({ dataId })).toBe('over-tls-1');
      const seen: string[] = [];
      await service.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
      await service.publishConfig({ dataId, content: 'over-tls-2' });
      await waitFor(() => seen.includes('over-tls-2'), { what: 'the change, through TLS' });
    });
    expect(terminator.stats.handshakes).toBeGreaterThan(before);
  });

  it('verification stays on: no client certificate, a foreign one, the system roots or another CA all fail as NacosErrors', async () => {
    const { ca, otherCa, strangerCert, strangerKey, clientCert, clientKey } = terminator.certificates;
    const attempts: [string, TlsOptions | undefined][] = [
      ['no client certificate', { ca }],
      ['a client certificate of another CA', { ca, cert: strangerCert, key: strangerKey }],
      ['the system roots (the private CA is not among them)', { cert: clientCert, key: clientKey }],
      ['another CA', { ca: otherCa, cert: clientCert, key: clientKey }],
      ['the global fetch', undefined],
    ];
    for (const [what, tls] of attempts) {
      const error = await withClient(tls, (service) => service.getConfig({ dataId: 'tls-refused', snapshot: false })).catch((e: unknown) => e);
      expect(isNacosError(error), `${what}: ${String(error)}`).toBe(true);
      expect(['UNAVAILABLE', 'NETWORK'], what).toContain((error as { code: string }).code);
    }
  });

  it('bad options are refused before any request, and nothing turns verification off', () => {
    const { ca, clientCert, clientKey } = terminator.certificates;
    const refused = (options: unknown) => {
      try {
        tlsFetch(options as TlsOptions);
      } catch (error) {
        return isNacosValidationError(error) ? error.issues.map((i) => i.path) : ['not a validation error'];
      }
      return [];
    };
    expect(refused({ ca, cert: clientCert })).toEqual(['key']);
    expect(refused({ ca: '/etc/ssl/ca.pem' })).toEqual(['ca']);
    expect(refused({ ca: [ca, 'nope'] })).toEqual(['ca.1']);
    expect(refused({ ca, rejectUnauthorized: false })).toEqual(['rejectUnauthorized']);
    expect(refused({ ca, cert: clientCert, key: clientKey, servername: 'x' })).toEqual(['servername']);
    expect(refused({ ca, cert: clientCert, key: clientKey })).toEqual([]);
  });
});

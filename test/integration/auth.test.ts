import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService, type ConfigListener } from '../../src/index.js';
import { createStorage } from '../../src/storage/memory.js';
import { nacos, recordingLogger, uniqueId, waitFor } from './helpers.js';

const services: NacosConfigService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

/** Records every URL and the token header sent, to prove secrets stay out of URLs and logs. */
function spyingFetch() {
  const urls: string[] = [];
  const tokens = new Set<string>();
  const fetchImpl = async (input: Request | string | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    urls.push(request.url);
    const token = request.headers.get('accessToken');
    if (token) tokens.add(token);
    return fetch(request);
  };
  return { urls, tokens, fetch: fetchImpl };
}

async function authService(options: Record<string, unknown> = {}) {
  const { serverAddr, username, password } = nacos().auth;
  const service = await NacosConfigService.createConfigService(
    createClientConfig({ serverAddresses: serverAddr, username, password, logLevel: 'silent', ...options }),
  );
  services.push(service);
  return service;
}

describe('auth: token login', () => {
  it('logs in and publishes, reads and listens', async () => {
    const config = await authService();
    const dataId = uniqueId('auth-crud');
    await config.publishConfig({ dataId, content: 'one' });
    expect(await config.getConfig({ dataId })).toBe('one');
    const seen: string[] = [];
    const listener: ConfigListener = (_t, _d, _g, content) => {
      seen.push(content);
    };
    await config.addListener(dataId, 'DEFAULT_GROUP', listener);
    await config.publishConfig({ dataId, content: 'two' });
    await waitFor(() => seen.includes('two'), { what: 'change on the auth server' });
    expect(seen).toEqual(['one', 'two']);
  });

  it('a 403 is an AUTH error, never a snapshot read', async () => {
    const storage = createStorage();
    const dataId = uniqueId('auth-403');
    const authed = await authService({ storage });
    await authed.publishConfig({ dataId, content: 'secret' });
    expect(await authed.getConfig({ dataId })).toBe('secret');
    const anonymous = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: nacos().auth.serverAddr, storage, logLevel: 'silent' }));
    services.push(anonymous);
    const error = await anonymous.getConfig({ dataId }).catch((e: unknown) => e);
    expect(isNacosError(error, 'AUTH')).toBe(true);
    expect((error as { status?: number }).status).toBe(403);
  });

  it('a wrong password fails with AUTH and the password appears nowhere', async () => {
    const { logger, lines } = recordingLogger();
    const config = await authService({ password: 'wrong-password-123', logger, logLevel: 'debug' });
    const error = await config.getConfig({ dataId: 'x' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'AUTH')).toBe(true);
    expect(String((error as Error).message)).not.toContain('wrong-password-123');
    expect(lines.join('\n')).not.toContain('wrong-password-123');
  });

  it('keeps working across token expiry, and never puts the password or token in a URL or a log line', async () => {
    const ttl = nacos().auth.tokenTtlSeconds ?? 8;
    const spy = spyingFetch();
    const { logger, lines } = recordingLogger();
    const config = await authService({ fetch: spy.fetch, logger, logLevel: 'debug' });
    const dataId = uniqueId('auth-ttl');
    await config.publishConfig({ dataId, content: 'c0' });
    const seen: string[] = [];
    await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => {
      seen.push(content);
    });
    // Run past two token lifetimes, reading and publishing all along; no call may fail.
    const until = Date.now() + (ttl * 2 + 1) * 1000;
    let round = 0;
    while (Date.now() < until) {
      round++;
      await config.publishConfig({ dataId, content: `c${round}` });
      expect(await config.getConfig({ dataId })).toBe(`c${round}`);
      await waitFor(() => seen.includes(`c${round}`), { what: `listener sees c${round}` });
    }
    expect(round).toBeGreaterThan(3);
    expect(spy.tokens.size).toBeGreaterThanOrEqual(2);
    const { password } = nacos().auth;
    for (const url of spy.urls) {
      expect(url).not.toContain(password);
      for (const token of spy.tokens) expect(url).not.toContain(token);
    }
    const log = lines.join('\n');
    expect(log).not.toContain(password);
    for (const token of spy.tokens) expect(log).not.toContain(token);
  }, 60_000);
});

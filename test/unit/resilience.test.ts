// Faults the real server cannot be made to produce on demand, against FAKE fetch functions.
import { afterEach, describe, expect, it } from 'vitest';
import { createClientConfig, isNacosError, NacosConfigService } from '../../src/index.js';
import { createFakeNacos } from './fake-nacos.js';

const services: NacosConfigService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

async function service(fetchImpl: (input: Request | string | URL, init?: RequestInit) => Promise<Response>, options: Record<string, unknown> = {}) {
  const s = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: 'fake.test', fetch: fetchImpl, logLevel: 'silent', ...options }));
  services.push(s);
  return s;
}

describe('an unreachable server', () => {
  it('makes the sync loop back off (growing, jittered gaps), never spin', async () => {
    const times: number[] = [];
    const config = await service(async () => {
      times.push(Date.now());
      throw new TypeError('fetch failed');
    });
    await config.addListener('k', 'DEFAULT_GROUP', () => {});
    // addListener's own read is attempt 0; then the loop retries with backoff 0.5–1 s, 1–2 s, 2–4 s.
    const deadline = Date.now() + 10_000;
    while (times.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(times.length).toBeGreaterThanOrEqual(4);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    // gaps[0] is addListener → first loop attempt (immediate); then backoff attempts 1 and 2.
    expect(gaps[1]).toBeGreaterThanOrEqual(450);
    expect(gaps[2]).toBeGreaterThanOrEqual(950);
  }, 15_000);
});

describe('abort', () => {
  it('a signal aborted mid-request ends the call at once with ABORTED and moves to no other server', async () => {
    let calls = 0;
    const hanging = (input: Request | string | URL, init?: RequestInit) => {
      calls++;
      const signal = input instanceof Request ? input.signal : init?.signal;
      return new Promise<Response>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    };
    const config = await service(hanging, { serverAddresses: 'a.test,b.test', timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = config.getConfig({ dataId: 'k', signal: controller.signal }).catch((e: unknown) => e);
    while (calls === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const error = await pending;
    expect(isNacosError(error, 'ABORTED')).toBe(true);
    expect(calls).toBe(1);
  });

  it('a timeout moves on to the next server and reports each server in the final error', async () => {
    const hanging = (input: Request | string | URL, init?: RequestInit) => {
      const signal = input instanceof Request ? input.signal : init?.signal;
      return new Promise<Response>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    };
    const config = await service(hanging, { serverAddresses: 'a.test,b.test', timeoutMs: 50 });
    const error = await config.getConfig({ dataId: 'k' }).catch((e: unknown) => e);
    expect(isNacosError(error, 'UNAVAILABLE')).toBe(true);
    const causes = (error as { causes: { code: string; server: string }[] }).causes;
    expect(causes.map((c) => [c.code, c.server])).toEqual([
      ['TIMEOUT', 'http://a.test:8848'],
      ['TIMEOUT', 'http://b.test:8848'],
    ]);
  });

  it('does not rotate on a 4xx answer', async () => {
    const hosts: string[] = [];
    const config = await service(
      async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        hosts.push(new URL(request.url).host);
        return new Response('caused: bad;', { status: 400 });
      },
      { serverAddresses: 'a.test,b.test' },
    );
    const error = await config.getConfig({ dataId: 'k' }).catch((e: unknown) => e);
    expect(isNacosError(error)).toBe(true);
    expect(new Set(hosts)).toEqual(new Set(['a.test:8848']));
  });
});

describe('a server that goes silent while it holds the long poll', () => {
  it('is left within the held-poll check (5 s) and a request timeout: the change arrives from the other server', async () => {
    const { createFakeNacos } = await import('./fake-nacos.js');
    const fake = createFakeNacos({ generation: 'v1' });
    fake.setConfig('k', 'v1');
    let silent = false;
    // Hangs until the client's own signal aborts. Not a Request's signal: a Request follows the caller's signal only
    // while the Request object lives, and a collected one would leave this hanging for ever.
    const hang = (signal: AbortSignal | null | undefined) =>
      new Promise<Response>((_resolve, reject) => {
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason));
      });
    const config = await service(
      async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        const signal = input instanceof Request ? input.signal : init?.signal;
        // a.test answers as Nacos until it goes silent (a dead link: nothing comes back, nothing is refused), and
        // what it had not answered by then never comes either — the held long poll above all.
        if (new URL(request.url).hostname !== 'a.test') return fake.fetch(request);
        if (silent) return hang(signal);
        const answer = await fake.fetch(request);
        return silent ? hang(signal) : answer;
      },
      { serverAddresses: 'a.test,b.test', timeoutMs: 300 },
    );
    const seen: string[] = [];
    await config.addListener('k', 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    // The loop's long poll is held on a.test; then a.test goes silent (the held poll with it) and the config changes.
    await new Promise((r) => setTimeout(r, 200));
    silent = true;
    const changedAt = Date.now();
    fake.setConfig('k', 'v2');
    while (!seen.includes('v2') && Date.now() - changedAt < 15_000) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['v1', 'v2']);
    // Found by the check within 5 s plus one 300 ms timeout (with room for a busy machine), not at the held poll's
    // own timeout (40 s).
    expect(Date.now() - changedAt).toBeLessThan(10_000);
  }, 30_000);
});

describe('a member that answers 200 with something no Nacos sends (a broken middlebox)', () => {
  // The fault suite's "malformed" fault found it: on 3.x the read failed instead of asking the next member; on 2.x the
  // junk could be taken for the config's content.
  for (const generation of ['v1', 'v3'] as const) {
    it(`is passed over for the next member, never read as content (${generation})`, async () => {
      const fake = createFakeNacos({ generation });
      fake.setConfig('k', 'from nacos');
      let broken = false;
      const asked: string[] = [];
      const config = await service(
        async (input, init) => {
          const request = input instanceof Request ? input : new Request(input, init);
          const host = new URL(request.url).host;
          if (broken) asked.push(host);
          if (broken && host === 'flaky.test:8848') return new Response('<<not nacos>>\x00{"code":', { headers: { 'Content-Type': 'text/plain' } });
          return fake.fetch(request);
        },
        { serverAddresses: 'flaky.test,good.test' },
      );
      // The generation is known and the flaky member preferred when it breaks.
      expect(await config.getConfig({ dataId: 'k' })).toBe('from nacos');
      broken = true;
      expect(await config.getConfig({ dataId: 'k' })).toBe('from nacos');
      expect(asked).toEqual(['flaky.test:8848', 'good.test:8848']);
    });
  }
});

// Login sharing, pausing and refresh, with a scripted clock and login function (no server), and the login's own
// timeout against a fake fetch.
import { describe, expect, it } from 'vitest';
import { NacosError } from '../../src/errors.js';
import { TokenManager } from '../../src/transport/auth.js';
import { createClientConfig, NacosConfigReader } from '../../src/index.js';

/** A login function answering from a script, and a clock the test moves. */
function scripted(answers: (() => { accessToken: string; tokenTtl: number })[]) {
  let now = 1_000_000;
  let calls = 0;
  const manager = new TokenManager(
    async () => {
      const answer = answers[calls++];
      if (!answer) throw new Error('unexpected login');
      return answer();
    },
    () => now,
  );
  return { manager, calls: () => calls, advance: (ms: number) => void (now += ms) };
}

const refused = () => {
  throw new NacosError('UNAVAILABLE', 'no server answered POST /v1/auth/login');
};
const ok = (token: string, ttl = 10) => () => ({ accessToken: token, tokenTtl: ttl });

describe('TokenManager', () => {
  it('pauses 2 s after a failed login, answering the failure meanwhile without logging in', async () => {
    const { manager, calls, advance } = scripted([refused, refused, ok('t1')]);
    await expect(manager.token()).rejects.toThrow('no server answered');
    expect(calls()).toBe(1);
    // Within the pause: the same error, no login.
    advance(1900);
    await expect(manager.token()).rejects.toThrow('no server answered');
    expect(calls()).toBe(1);
    // After it: one login, which fails again, and another pause.
    advance(200);
    await expect(manager.token()).rejects.toThrow('no server answered');
    expect(calls()).toBe(2);
    advance(1900);
    await expect(manager.token()).rejects.toThrow('no server answered');
    expect(calls()).toBe(2);
    advance(200);
    expect(await manager.token()).toBe('t1');
    expect(calls()).toBe(3);
  });

  it('a success ends the pause: once a token lapses, the next login is not held back', async () => {
    const { manager, calls, advance } = scripted([refused, ok('t1', 1), ok('t2')]);
    await expect(manager.token()).rejects.toThrow();
    advance(2100);
    expect(await manager.token()).toBe('t1');
    advance(1100);
    expect(await manager.token()).toBe('t2');
    expect(calls()).toBe(3);
  });

  it('a refresh that fails keeps serving the token until it expires, then fails', async () => {
    const { manager, calls, advance } = scripted([ok('t1', 10), refused, refused]);
    expect(await manager.token()).toBe('t1');
    // 90 % of the 10 s life: due for refresh; the refresh fails, t1 still serves.
    advance(9100);
    expect(await manager.token()).toBe('t1');
    expect(calls()).toBe(2);
    // During the pause too, without a login.
    expect(await manager.token()).toBe('t1');
    expect(calls()).toBe(2);
    // Expired, past the pause: the next failing login is the caller's error.
    advance(2100);
    await expect(manager.token()).rejects.toThrow('no server answered');
    expect(calls()).toBe(3);
  });

  it('concurrent callers share one login', async () => {
    const { manager, calls } = scripted([ok('t1')]);
    expect(await Promise.all([manager.token(), manager.token(), manager.token()])).toEqual(['t1', 't1', 't1']);
    expect(calls()).toBe(1);
  });
});

describe('the login request', () => {
  it('is waited for longer than the request timeout: a login the server takes 300 ms for succeeds with timeoutMs 100', async () => {
    const paths: string[] = [];
    const reader = await NacosConfigReader.createConfigReader(
      createClientConfig({
        serverAddresses: 'fake.test',
        username: 'nacos',
        password: 'p',
        timeoutMs: 100,
        logLevel: 'silent',
        fetch: async (input) => {
          const url = new URL(String(input));
          paths.push(url.pathname);
          if (url.pathname.endsWith('/auth/login')) {
            await new Promise((r) => setTimeout(r, 300));
            return new Response(JSON.stringify({ accessToken: 'tok', tokenTtl: 18000 }), { headers: { 'Content-Type': 'application/json' } });
          }
          return new Response('hello', { headers: { 'Content-MD5': '5d41402abc4b2a76b9719d911017c592' } });
        },
      }),
    );
    try {
      expect(await reader.getConfig({ dataId: 'k' })).toBe('hello');
      expect(paths.filter((p) => p.endsWith('/auth/login'))).toHaveLength(1);
    } finally {
      await reader.shutdown();
    }
  });
});

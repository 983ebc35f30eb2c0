// The config push driver with a scripted source: what a burst of listeners costs on the wire.
import { describe, expect, it } from 'vitest';
import type { ConfigKey } from '../../src/config/model.js';
import { NacosError } from '../../src/errors.js';
import { configDriver, LISTEN_COALESCE_MS, type ConfigSource } from '../../src/push/config-driver.js';
import type { ConfigPushHost, PushContext } from '../../src/push/port.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const context = {
  log: quiet,
  scope: (signal?: AbortSignal) => ({ signal: signal ?? new AbortController().signal, release() {} }),
} as unknown as PushContext;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('config push driver', () => {
  it('listens to a burst of 1,000 new listeners in one request, and stops following removed keys in one more', async () => {
    const watched = new Map<string, { key: ConfigKey; md5: string | undefined }>();
    const host: ConfigPushHost = { context, watched, refresh: async () => 0, fallBack() {}, resume() {} };
    const listens: number[] = [];
    const unlistens: number[] = [];
    const source: ConfigSource = {
      start: async () => {},
      listen: async (entries) => (listens.push(entries.length), []),
      unlisten: async (keys) => void unlistens.push(keys.length),
      close: async () => {},
    };
    const driver = configDriver(host, 'test', () => source);
    // As addListener calls them: each after its own read, so the queue runs between them.
    for (let i = 0; i < 1000; i++) {
      const key = { dataId: `d${i}`, group: 'G', tenant: '' };
      watched.set(`${i}`, { key, md5: 'x' });
      driver.watchedChanged();
      await new Promise((r) => setImmediate(r));
    }
    await sleep(LISTEN_COALESCE_MS * 4);
    // A listen per listener would be 1,000 requests, each a pass over every watched key.
    expect(listens.length).toBeLessThanOrEqual(3);
    expect(listens.reduce((a, b) => a + b, 0)).toBe(1000);
    for (let i = 0; i < 10; i++) {
      watched.delete(`${i}`);
      driver.watchedChanged();
    }
    await sleep(LISTEN_COALESCE_MS * 4);
    expect(unlistens).toEqual([10]);
    expect(listens.reduce((a, b) => a + b, 0)).toBe(1000);
    await driver.close();
  });

  it('hands every config to HTTP when the source refuses to follow this many (UNSUPPORTED), instead of resending the listen forever', async () => {
    const watched = new Map<string, { key: ConfigKey; md5: string | undefined }>();
    let fellBack = 0;
    const warnings: string[] = [];
    const log = { ...quiet, warn: (m: string) => void warnings.push(m) };
    const host: ConfigPushHost = { context: { ...context, log } as PushContext, watched, refresh: async () => 0, fallBack: () => void fellBack++, resume() {} };
    let listens = 0;
    const source: ConfigSource = {
      start: async () => {},
      listen: async () => {
        listens++;
        throw new NacosError('UNSUPPORTED', "ConfigListen: the bridge's limit: a session may listen to at most 2 configs");
      },
      unlisten: async () => {},
      close: async () => {},
    };
    const driver = configDriver(host, 'bridge', () => source);
    for (let i = 0; i < 3; i++) watched.set(`${i}`, { key: { dataId: `d${i}`, group: 'G', tenant: '' }, md5: 'x' });
    driver.watchedChanged();
    const deadline = Date.now() + 2000;
    while (fellBack === 0 && Date.now() < deadline) await sleep(5);
    expect(fellBack).toBe(1);
    await sleep(LISTEN_COALESCE_MS * 4);
    driver.watchedChanged();
    await sleep(LISTEN_COALESCE_MS * 4);
    expect(listens).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/^bridge push cannot follow every watched config, following config changes over HTTP instead: .*at most 2 configs/)]);
    await driver.close();
  });
});

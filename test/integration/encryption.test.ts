// Encrypted configs against the official servers (2.5.1, and 3.0.3 with the 3.2 surface): the filter chain with
// nacos-edge/encryption encrypts `cipher-aes-` publishes, the servers and snapshots hold ciphertext and its data key,
// and every read and listener delivery is decrypted.
import { afterEach, describe, expect, it } from 'vitest';
import { aesEncryption } from '../../src/encryption.js';
import { decryptWithDataKey } from '../../src/encryption/aes.js';
import { grpcPush } from '../../src/grpc/index.js';
import { createClientConfig, isNacosError, NacosClient, NacosConfigService, NacosError, type ConfigFilter, type ConfigListener } from '../../src/index.js';
import { createStorage } from '../../src/storage/memory.js';
import { storageKey } from '../../src/storage/port.js';
import { deadServerAddr, isV3, nacos, plainOptions, plainUrl, recordingFetch, recordingLogger, uniqueId, waitFor } from './helpers.js';

const services: NacosConfigService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

async function service(options: Parameters<typeof plainOptions>[0] = {}) {
  const s = await NacosConfigService.createConfigService(createClientConfig(plainOptions(options)));
  services.push(s);
  return s;
}

const masterKey = (fill: number) => new Uint8Array(32).fill(fill);

/** What the server stores: content and encryptedDataKey as its client API returns them, without any filter. */
async function stored(dataId: string): Promise<{ content: string; encryptedDataKey: string | null }> {
  if (isV3()) {
    const res = await fetch(`${plainUrl()}/nacos/v3/client/cs/config?dataId=${encodeURIComponent(dataId)}&groupName=DEFAULT_GROUP`);
    const body = (await res.json()) as { data?: { content?: string; encryptedDataKey?: string } };
    return { content: body.data?.content ?? '', encryptedDataKey: body.data?.encryptedDataKey || null };
  }
  const res = await fetch(`${plainUrl()}/nacos/v1/cs/configs?dataId=${encodeURIComponent(dataId)}&group=DEFAULT_GROUP`);
  return { content: res.ok ? await res.text() : '', encryptedDataKey: res.headers.get('Encrypted-Data-Key') };
}

/** What the server stores, once it shows the write (reads lag writes). */
function storedOnceWritten(dataId: string) {
  return waitFor(
    async () => {
      const r = await stored(dataId);
      if (r.content === '') throw new Error('not stored yet');
      return r;
    },
    { what: `${dataId} stored` },
  );
}

describe(`encrypted configs on ${nacos().version}`, () => {
  it('a cipher-aes- config is stored encrypted in the plugin format and read back in clear', async () => {
    const { logger, lines } = recordingLogger();
    const writer = await service({ configFilters: [aesEncryption()], logger, logLevel: 'debug' });
    const dataId = uniqueId('cipher-aes-db');
    const secret = 'spring.datasource.password=s3cr3t\n中文=值';
    await writer.publishConfig({ dataId, content: secret, type: 'properties' });
    expect(await writer.getConfig({ dataId })).toBe(secret);

    const raw = await storedOnceWritten(dataId);
    expect(raw.content).toMatch(/^[0-9a-f]+$/);
    expect(raw.content).not.toContain('s3cr3t');
    // Without a master key, the data key is the plugin's own: anything that speaks the format decrypts it.
    expect(atob(raw.encryptedDataKey ?? '')).toMatch(/^[0-9a-f]{32}$/);
    expect(await decryptWithDataKey(raw.encryptedDataKey ?? '', raw.content)).toBe(secret);
    // Neither the content nor its key reaches the log, even at debug.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(raw.encryptedDataKey ?? '?');
    expect(lines.join('\n')).not.toContain('s3cr3t');

    // A client without the filter reads the ciphertext; one with it, the content.
    const plain = await service();
    expect(await plain.getConfig({ dataId })).toBe(raw.content);
    const reader = await service({ configFilters: [aesEncryption({ masterKey: masterKey(1), acceptPluginKeys: true })] });
    expect(await reader.getConfig({ dataId })).toBe(secret);
    expect(await reader.getConfig({ dataId, format: 'properties' }).catch((e: unknown) => e)).toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('the v1-style NacosClient takes the same filters', async () => {
    const login = isV3() ? { username: nacos().admin.username, password: nacos().admin.password } : {};
    const client = new NacosClient(nacos().serverAddr, { logLevel: 'silent', ...login, configFilters: [aesEncryption({ masterKey: masterKey(6) })] });
    try {
      const dataId = uniqueId('cipher-aes-facade');
      await client.publishConfig(dataId, 'DEFAULT_GROUP', 'facade=secret');
      expect(await client.getConfig(dataId, 'DEFAULT_GROUP')).toBe('facade=secret');
      const raw = await storedOnceWritten(dataId);
      expect(raw.content).toMatch(/^[0-9a-f]+$/);
      expect(raw.encryptedDataKey).toMatch(/^nacos-edge:aes-gcm:/);
    } finally {
      await client.shutdown();
    }
  });

  it('listeners get the content in clear, change after change; the snapshot holds only ciphertext', async () => {
    const storage = createStorage();
    const key = masterKey(2);
    const client = await service({ configFilters: [aesEncryption({ masterKey: key })], storage });
    const dataId = uniqueId('cipher-aes-listen');
    await client.publishConfig({ dataId, content: 'token=one' });
    const seen: string[] = [];
    await client.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    await client.publishConfig({ dataId, content: 'token=two' });
    await waitFor(() => seen.includes('token=two'), { what: 'the second change, decrypted' });
    expect(seen).toEqual(['token=one', 'token=two']);

    const snapshot = JSON.parse((await storage.get(storageKey('snapshot', 'config', '', 'DEFAULT_GROUP', dataId))) ?? '{}') as { content?: string; encryptedDataKey?: string };
    expect(snapshot.content).toMatch(/^[0-9a-f]+$/);
    expect(snapshot.encryptedDataKey).toMatch(/^nacos-edge:aes-gcm:/);
    expect(JSON.stringify(snapshot)).not.toContain('token=');

    // With no server answering, the snapshot is decrypted too.
    const offline = await service({ serverAddresses: await deadServerAddr(), configFilters: [aesEncryption({ masterKey: key })], storage, timeoutMs: 500 });
    expect(await offline.getConfig({ dataId })).toBe('token=two');
  });

  it('pushed changes (gRPC) reach listeners decrypted as well', async () => {
    const filters = [aesEncryption({ masterKey: masterKey(5) })];
    const writer = await service({ configFilters: filters });
    // Polling far apart, so what arrives in time came by push.
    const watcher = await service({ configFilters: filters, push: grpcPush(), pollIntervalMs: 60_000, longPollTimeoutMs: 600_000 });
    const dataId = uniqueId('cipher-aes-push');
    await writer.publishConfig({ dataId, content: 'p=1' });
    await storedOnceWritten(dataId);
    const seen: string[] = [];
    await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    await writer.publishConfig({ dataId, content: 'p=2' });
    await waitFor(() => seen.includes('p=2'), { what: 'the pushed change, decrypted', timeoutMs: 10_000 });
    expect(seen).toEqual(['p=1', 'p=2']);
  });

  it('a wrong master key is a typed error, never garbage; its listeners are not told, and hear the next change they can read', async () => {
    const right = masterKey(3);
    const writer = await service({ configFilters: [aesEncryption({ masterKey: right })] });
    const stranger = await service({ configFilters: [aesEncryption({ masterKey: masterKey(4) })] });
    const dataId = uniqueId('cipher-aes-wrong');
    await writer.publishConfig({ dataId, content: 'v=1' });
    // Reads lag writes: only the writer waits for its own write, so the others read once the server shows it.
    await storedOnceWritten(dataId);

    const error = await stranger.getConfig({ dataId }).catch((e: unknown) => e);
    expect(isNacosError(error, 'INVALID_CONTENT')).toBe(true);
    expect(String(error)).toContain(dataId);
    // Listening with the wrong key fails at once, naming the reason.
    expect(isNacosError(await stranger.addListener(dataId, 'DEFAULT_GROUP', () => {}).catch((e: unknown) => e), 'INVALID_CONTENT')).toBe(true);

    const { logger, lines } = recordingLogger();
    const reader = await service({ configFilters: [aesEncryption({ masterKey: right })], logger, logLevel: 'debug', pollIntervalMs: 500 });
    const seen: string[] = [];
    const listener: ConfigListener = (_t, _d, _g, content) => void seen.push(content);
    await reader.addListener(dataId, 'DEFAULT_GROUP', listener);
    await stranger.publishConfig({ dataId, content: 'v=2 under another key' });
    await waitFor(() => lines.some((l) => l.startsWith('error') && l.includes('listeners not told') && l.includes(dataId)), { what: 'the refused change logged' });
    await writer.publishConfig({ dataId, content: 'v=3' });
    await waitFor(() => seen.includes('v=3'), { what: 'the next readable change' });
    expect(seen).toEqual(['v=1', 'v=3']);
    expect(lines.join('\n')).not.toMatch(/v=2|v=3/);
  });

  it.each([
    ['polling', {}],
    ['gRPC push', { push: grpcPush() }],
  ] as const)('over %s, a config whose filter fails for a while holds back no other, and is delivered once it reads', async (_how, extra) => {
    let broken = false;
    const flaky: ConfigFilter = {
      name: 'flaky',
      read: (c) => {
        if (broken && c.dataId.endsWith('-a')) throw new NacosError('UNAVAILABLE', 'the key service is down');
        return { content: c.content };
      },
    };
    const writer = await service();
    const watcher = await service({ configFilters: [flaky], pollIntervalMs: 300, ...extra });
    const base = uniqueId('flaky');
    const [a, b] = [`${base}-a`, `${base}-b`];
    await writer.publishConfig({ dataId: a, content: 'a1' });
    await writer.publishConfig({ dataId: b, content: 'b1' });
    await storedOnceWritten(a);
    await storedOnceWritten(b);
    const seen: string[] = [];
    for (const dataId of [a, b]) await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => void seen.push(content));
    broken = true;
    await writer.publishConfig({ dataId: a, content: 'a2' });
    await writer.publishConfig({ dataId: b, content: 'b2' });
    // b's change arrives while a's cannot be read: well before the sync's 10 s backoff could have let it through.
    await waitFor(() => seen.includes('b2'), { what: 'the other config’s change', timeoutMs: 6000 });
    expect(seen).not.toContain('a2');
    broken = false;
    await waitFor(() => seen.includes('a2'), { what: 'the change once it reads', timeoutMs: 20_000 });
    expect(seen.filter((c) => c === 'a2')).toEqual(['a2']);
  });

  it('runs filters in order on publish and in reverse on read; a filter that throws sends nothing', async () => {
    const order: string[] = [];
    const tagging = (name: string): ConfigFilter => ({
      name,
      publish: (c) => (order.push(`publish ${name}`), { content: `${c.content}|${name}` }),
      read: (c) => {
        order.push(`read ${name}`);
        if (!c.content.endsWith(`|${name}`)) throw new Error(`not sealed by ${name}`);
        return { content: c.content.slice(0, -name.length - 1) };
      },
    });
    const client = await service({ configFilters: [tagging('a'), tagging('b')] });
    const dataId = uniqueId('filters');
    await client.publishConfig({ dataId, content: 'x' });
    expect(await client.getConfig({ dataId })).toBe('x');
    expect(order).toEqual(['publish a', 'publish b', 'read b', 'read a']);
    expect((await stored(dataId)).content).toBe('x|a|b');

    // A plain Error from a filter is an INVALID_CONTENT naming it; a NacosError keeps its code.
    const onlyB = await service({ configFilters: [tagging('c')] });
    const error = await onlyB.getConfig({ dataId }).catch((e: unknown) => e);
    expect(isNacosError(error, 'INVALID_CONTENT')).toBe(true);
    expect(String(error)).toMatch(/c: not sealed by c/);

    const recording = recordingFetch();
    const refusing = await service({ fetch: recording.fetch, configFilters: [{ name: 'no', publish: () => Promise.reject(new Error('refused')) }] });
    const refused = await refusing.publishConfig({ dataId, content: 'y' }).catch((e: unknown) => e);
    expect(isNacosError(refused, 'INVALID_CONTENT')).toBe(true);
    expect(recording.calls.filter((c) => c.method === 'POST')).toEqual([]);
    expect((await stored(dataId)).content).toBe('x|a|b');
  });
});

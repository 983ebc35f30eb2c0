// nacos-edge/encryption: the AES plugin's format (known-answer vectors, computed with the plugin's algorithm and
// checked with openssl), the master-key wrap, and the filter's refusals. The chain against real servers is in
// test/integration/encryption.test.ts.
import { describe, expect, it } from 'vitest';
import { aesEncryption, aesProvider, encryption, type EncryptionProvider, type FilteredConfig } from '../../src/encryption.js';
import { decryptWithDataKey, encryptWithDataKey, newDataKey } from '../../src/encryption/aes.js';
import { createClientConfig, isNacosError, isNacosValidationError, NacosConfigService } from '../../src/index.js';

// The plugin's data key for the random bytes 3f8a1c5e9b2d47f0a6c3e81b5d9f2a74: their hex, in base64.
const DATA_KEY = 'M2Y4YTFjNWU5YjJkNDdmMGE2YzNlODFiNWQ5ZjJhNzQ=';
const VECTORS = [
  // openssl enc -aes-128-cbc -K 3f8a1c5e9b2d47f0a6c3e81b5d9f2a74 -iv $(printf 3f8a1c5e9b2d47f0 | xxd -p)
  ['nacos', '97ab8bbc9bc14c286a627cb0db3ee164'],
  ['spring.datasource.password=s3cr3t\n中文=值', '88f32ec7c4b7b2219e6fb2d411020d8404f7f59211cbb588f62743682034a0a4b8ac6ffc9f090c6dea1bca8f4c5b475f'],
] as const;

const config = (dataId: string, content: string, encryptedDataKey?: string): FilteredConfig => ({ dataId, group: 'DEFAULT_GROUP', namespace: '', content, encryptedDataKey });
const codeOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  return isNacosError(error) ? error.code : error;
};

describe('the AES plugin format', () => {
  it.each(VECTORS)('encrypts and decrypts %j as the plugin does', async (plain, cipher) => {
    expect(await encryptWithDataKey(DATA_KEY, plain)).toBe(cipher);
    expect(await decryptWithDataKey(DATA_KEY, cipher)).toBe(plain);
    expect(await decryptWithDataKey(DATA_KEY, cipher.toUpperCase())).toBe(plain);
  });

  it('makes data keys as the plugin does: base64 of 16 random bytes in lower-case hex', () => {
    const keys = new Set(Array.from({ length: 20 }, newDataKey));
    expect(keys.size).toBe(20);
    for (const key of keys) expect(atob(key)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives undefined, never garbage, for a wrong key or damaged ciphertext', async () => {
    const [, cipher] = VECTORS[1];
    const other = btoa('00112233445566778899aabbccddeeff');
    expect(await decryptWithDataKey(other, cipher)).toBeUndefined();
    expect(await decryptWithDataKey(DATA_KEY, cipher.slice(0, -2))).toBeUndefined();
    expect(await decryptWithDataKey(DATA_KEY, `${cipher.slice(0, -2)}00`)).toBeUndefined();
    expect(await decryptWithDataKey(DATA_KEY, 'not hex at all!')).toBeUndefined();
    expect(await decryptWithDataKey('not a key', cipher)).toBeUndefined();
    expect(await decryptWithDataKey(DATA_KEY, '')).toBeUndefined();
  });
});

describe('aesProvider', () => {
  const masterKey = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)));

  it('without a master key stores the plugin data key itself, so the plugin reads it', async () => {
    const provider = aesProvider();
    const sealed = await provider.encrypt(config('cipher-aes-db', 'password=1'), undefined);
    expect(sealed.content).toMatch(/^[0-9a-f]+$/);
    expect(atob(sealed.encryptedDataKey ?? '')).toMatch(/^[0-9a-f]{32}$/);
    expect(await decryptWithDataKey(sealed.encryptedDataKey ?? '', sealed.content)).toBe('password=1');
    expect(await provider.decrypt(config('cipher-aes-db', sealed.content, sealed.encryptedDataKey), undefined)).toBe('password=1');
    // A key the Java SDK stored, read by nacos-edge.
    expect(await provider.decrypt(config('cipher-aes-x', VECTORS[0][1], DATA_KEY), undefined)).toBe('nacos');
  });

  it('with a master key wraps the data key: the server holds nothing that decrypts, and a wrong master key is a typed error', async () => {
    const provider = aesProvider({ masterKey });
    const sealed = await provider.encrypt(config('cipher-aes-db', 'password=2'), undefined);
    expect(sealed.encryptedDataKey).toMatch(/^nacos-edge:aes-gcm:[A-Za-z0-9+/]+=*$/);
    expect(sealed.encryptedDataKey).not.toContain(masterKey);
    expect(await provider.decrypt(config('cipher-aes-db', sealed.content, sealed.encryptedDataKey), undefined)).toBe('password=2');
    // With a master key, the plugin's own keys are refused (anyone who may write could swap content in), unless asked.
    expect(await codeOf(provider.decrypt(config('cipher-aes-x', VECTORS[0][1], DATA_KEY), undefined))).toBe('INVALID_CONTENT');
    expect(await aesProvider({ masterKey, acceptPluginKeys: true }).decrypt(config('cipher-aes-x', VECTORS[0][1], DATA_KEY), undefined)).toBe('nacos');
    // The wrap proves the stored content: the same bytes written otherwise (upper-case hex, which decrypts the same) are
    // refused, so nothing else can pass either.
    expect(await codeOf(provider.decrypt(config('cipher-aes-db', sealed.content.toUpperCase(), sealed.encryptedDataKey), undefined))).toBe('INVALID_CONTENT');
    // …and the config: the same wrap in another group does not open.
    expect(await codeOf(provider.decrypt({ ...config('cipher-aes-db', sealed.content, sealed.encryptedDataKey), group: 'OTHER' }, undefined))).toBe('INVALID_CONTENT');
    // A clone to another namespace reads.
    expect(await provider.decrypt({ ...config('cipher-aes-db', sealed.content, sealed.encryptedDataKey), namespace: 'dev' }, undefined)).toBe('password=2');

    const wrong = aesProvider({ masterKey: new Uint8Array(32).fill(7) });
    expect(await codeOf(wrong.decrypt(config('cipher-aes-db', sealed.content, sealed.encryptedDataKey), undefined))).toBe('INVALID_CONTENT');
    // The wrap is bound to the dataId: a key copied onto another config does not open.
    expect(await codeOf(provider.decrypt(config('cipher-aes-other', sealed.content, sealed.encryptedDataKey), undefined))).toBe('INVALID_CONTENT');
    // Without the master key, a wrapped key is refused and says why.
    const error = await aesProvider().decrypt(config('cipher-aes-db', sealed.content, sealed.encryptedDataKey), undefined).catch((e: unknown) => e);
    expect(isNacosError(error, 'INVALID_CONTENT')).toBe(true);
    expect(String(error)).toMatch(/masterKey/);
  });

  it('refuses missing keys and damaged content with INVALID_CONTENT naming the config', async () => {
    const provider = aesProvider();
    const missing = await provider.decrypt(config('cipher-aes-db', VECTORS[0][1]), undefined).catch((e: unknown) => e);
    expect(isNacosError(missing, 'INVALID_CONTENT')).toBe(true);
    expect(String(missing)).toMatch(/DEFAULT_GROUP\/cipher-aes-db.*encryptedDataKey/);
    expect(await codeOf(provider.decrypt(config('cipher-aes-db', 'plain text', DATA_KEY), undefined))).toBe('INVALID_CONTENT');
    expect(await codeOf(provider.decrypt(config('cipher-aes-db', VECTORS[1][1], btoa('00112233445566778899aabbccddeeff')), undefined))).toBe('INVALID_CONTENT');
  });

  it('checks its options when it is made', () => {
    for (const masterKey of ['short', btoa('x'.repeat(20)), new Uint8Array(31), '00112233445566778899aabbccddeeff']) {
      expect(() => aesProvider({ masterKey })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    }
    expect(() => aesProvider({ prefix: 'aes-' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => aesProvider({ prefix: 'cipher-' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(aesProvider({ prefix: 'cipher-mine-' }).handles('cipher-mine-a')).toBe(true);
    expect(aesProvider().handles('cipher-aes-a')).toBe(true);
    expect(aesProvider().handles('cipher-kms-aes-128-a')).toBe(false);
  });
});

describe('encryption()', () => {
  it('passes dataIds without the cipher- prefix untouched', async () => {
    const filter = aesEncryption();
    expect(await filter.publish?.(config('app.json', '{"a":1}'), undefined)).toEqual({ content: '{"a":1}' });
    expect(await filter.read?.(config('app.json', '{"a":1}'), undefined)).toEqual({ content: '{"a":1}' });
  });

  it('refuses a cipher- dataId no provider takes: never published in clear, never read as content', async () => {
    const filter = aesEncryption();
    const publish = await Promise.resolve(filter.publish?.(config('cipher-kms-aes-128-db', 'secret'), undefined)).catch((e: unknown) => e);
    expect(isNacosError(publish, 'UNSUPPORTED')).toBe(true);
    expect(String(publish)).toMatch(/have: aes/);
    expect(await codeOf(Promise.resolve(filter.read?.(config('cipher-kms-aes-128-db', 'ab'), undefined)))).toBe('INVALID_CONTENT');
  });

  it('kmsKeyId without a filter, or on a dataId that is not encrypted, is refused before any request', async () => {
    const filter = aesEncryption();
    const error = await Promise.resolve(filter.publish?.({ ...config('app.json', 'x'), kmsKeyId: 'alias/k' }, undefined)).catch((e: unknown) => e);
    expect(isNacosValidationError(error)).toBe(true);
    let requests = 0;
    const service = await NacosConfigService.createConfigService(
      createClientConfig({ serverAddresses: '127.0.0.1:8848', logLevel: 'silent', fetch: async () => (requests++, new Response('true')) }),
    );
    const refused = await service.publishConfig({ dataId: 'cipher-kms-aes-128-x', content: 'secret', kmsKeyId: 'alias/k' }).catch((e: unknown) => e);
    expect(isNacosValidationError(refused)).toBe(true);
    expect(requests).toBe(0);
    await service.shutdown();
  });

  it('picks the first provider that takes the dataId', async () => {
    const seen: string[] = [];
    const fake = (name: string, prefix: string): EncryptionProvider => ({
      name,
      handles: (dataId) => dataId.startsWith(prefix),
      encrypt: async (c) => (seen.push(`${name}:${c.dataId}`), { content: `${name}(${c.content})`, encryptedDataKey: name }),
      decrypt: async (c) => c.content.slice(name.length + 1, -1),
    });
    const filter = encryption(fake('one', 'cipher-one-'), fake('any', 'cipher-'));
    expect(await filter.publish?.(config('cipher-one-a', 'x'), undefined)).toEqual({ content: 'one(x)', encryptedDataKey: 'one' });
    expect(await filter.publish?.(config('cipher-two-a', 'y'), undefined)).toEqual({ content: 'any(y)', encryptedDataKey: 'any' });
    expect(await filter.read?.(config('cipher-two-a', 'any(y)', 'any'), undefined)).toEqual({ content: 'y', encryptedDataKey: undefined });
    expect(seen).toEqual(['one:cipher-one-a', 'any:cipher-two-a']);
  });

  it('is refused without providers, or with something that is not one', () => {
    expect(() => encryption()).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    let error: unknown;
    try {
      encryption(aesProvider(), {} as EncryptionProvider);
    } catch (e) {
      error = e;
    }
    expect(isNacosValidationError(error)).toBe(true);
    expect((error as { issues: { path: string }[] }).issues[0]?.path).toBe('providers.1');
  });
});

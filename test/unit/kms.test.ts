// nacos-edge/kms against the local KMS stand-in (test/support/kms-standin.ts), which checks every signature with its
// own implementation. Known answers of the content cipher come from nacos-sdk-python v2's own aes_util (and openssl
// for 'hello'); interop with the Python SDK itself is in test/integration/kms-python.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryption, type FilteredConfig } from '../../src/encryption.js';
import { isNacosError, isNacosValidationError } from '../../src/index.js';
import { kmsProvider } from '../../src/kms.js';
import { decryptWithKmsDataKey, encryptWithKmsDataKey } from '../../src/kms/provider.js';
import { startKmsStandin } from '../support/kms-standin.js';

const AES_128_KEY = 'AAECAwQFBgcICQoLDA0ODw==';
const AES_256_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const VECTORS = [
  [AES_128_KEY, 'hello', 'XYdJ4q91MbK/ZmHp5drwEg=='],
  [AES_128_KEY, '0123456789abcdef', 'KBVnqy9M8Nc9MZgiW4uDk5VPZPLk6G6e7oLSAhZoSJk='],
  [AES_128_KEY, 'key=value\nnaïve=中文 ✓', 'zfr+tVe2926vAlxvW68bMuuYQiFeb2/sl8wwrrUGF3o='],
  [AES_256_KEY, 'hello', 'kWhEh8NMNFbrTpAc74hKHg=='],
  [AES_256_KEY, '0123456789abcdef', '2MlXWOM1PlMPpSvRDnO5hp87dQSSb4vTbjEY6QOkzUo='],
] as const;

const config = (dataId: string, content: string, encryptedDataKey?: string, kmsKeyId?: string): FilteredConfig => ({ dataId, group: 'DEFAULT_GROUP', namespace: '', content, encryptedDataKey, kmsKeyId });
const codeOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  return isNacosError(error) ? error.code : error;
};

let kms: Awaited<ReturnType<typeof startKmsStandin>>;
beforeAll(async () => {
  kms = await startKmsStandin({ keys: ['alias/acs/mse', 'alias/other'] });
});
afterAll(() => kms?.close());
const provider = (extra: Partial<Parameters<typeof kmsProvider>[0]> = {}) => kmsProvider({ endpoint: kms.url, accessKey: kms.accessKey, secretKey: kms.secretKey, ...extra });

describe('the seed’s KMS content cipher', () => {
  it.each(VECTORS)('AES-ECB under %s: %j', (key, plain, cipher) => {
    expect(encryptWithKmsDataKey(key, plain)).toBe(cipher);
    expect(decryptWithKmsDataKey(key, cipher)).toBe(plain);
  });

  it('gives undefined, never garbage, for a wrong key or damaged ciphertext', () => {
    expect(decryptWithKmsDataKey(AES_256_KEY, VECTORS[2][2])).toBeUndefined();
    expect(decryptWithKmsDataKey(AES_128_KEY, 'bm90IGJsb2Nrcw==')).toBeUndefined();
    expect(decryptWithKmsDataKey(AES_128_KEY, 'not base64!')).toBeUndefined();
  });
});

describe('kmsProvider against the stand-in', () => {
  it.each([
    ['cipher-kms-aes-128-db', 'AES_128'],
    ['cipher-kms-aes-256-db', 'AES_256'],
    ['cipher-kms-aes-128x', 'AES_128'],
  ])('%s: a data key from GenerateDataKey (%s), its blob as encryptedDataKey, opened by Decrypt', async (dataId, spec) => {
    const p = provider();
    const before = kms.calls.length;
    const sealed = await p.encrypt(config(dataId, 'password=秘密'), undefined);
    expect(kms.calls.slice(before).map((c) => [c.action, c.params['KeySpec'], c.params['KeyId']])).toEqual([['GenerateDataKey', spec, 'alias/acs/mse']]);
    expect(sealed.encryptedDataKey).toBeTruthy();
    expect(sealed.content).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // Another client (no cache) asks KMS to open the blob.
    expect(await provider().decrypt(config(dataId, sealed.content, sealed.encryptedDataKey), undefined)).toBe('password=秘密');
    expect(kms.calls.at(-1)?.action).toBe('Decrypt');
  });

  it('any other cipher- dataId: KMS encrypts the content itself (Encrypt), no data key', async () => {
    const sealed = await provider().encrypt(config('cipher-token', 'short secret'), undefined);
    expect(kms.calls.at(-1)).toMatchObject({ action: 'Encrypt', params: { KeyId: 'alias/acs/mse', Plaintext: 'short secret' }, inQuery: false });
    expect(sealed.encryptedDataKey).toBeUndefined();
    expect(await provider().decrypt(config('cipher-token', sealed.content), undefined)).toBe('short secret');
  });

  it('publishConfig’s kmsKeyId, else the provider’s keyId, names the key', async () => {
    await provider({ keyId: 'alias/other' }).encrypt(config('cipher-kms-aes-128-a', 'x'), undefined);
    expect(kms.calls.at(-1)?.params['KeyId']).toBe('alias/other');
    await provider().encrypt(config('cipher-kms-aes-128-a', 'x', undefined, 'alias/other'), undefined);
    expect(kms.calls.at(-1)?.params['KeyId']).toBe('alias/other');
    expect(await codeOf(provider({ keyId: 'alias/none' }).encrypt(config('cipher-kms-aes-128-a', 'x'), undefined))).toBe('AUTH');
  });

  it('keeps opened data keys in memory: polls of an unchanged config do not ask KMS again', async () => {
    const p = provider();
    const sealed = await p.encrypt(config('cipher-kms-aes-256-c', 'cached'), undefined);
    const reader = provider();
    const before = kms.calls.length;
    for (let i = 0; i < 5; i++) expect(await reader.decrypt(config('cipher-kms-aes-256-c', sealed.content, sealed.encryptedDataKey), undefined)).toBe('cached');
    expect(kms.calls.length - before).toBe(1);
    const uncached = provider({ cacheSize: 0 });
    const mark = kms.calls.length;
    for (let i = 0; i < 3; i++) await uncached.decrypt(config('cipher-kms-aes-256-c', sealed.content, sealed.encryptedDataKey), undefined);
    expect(kms.calls.length - mark).toBe(3);
  });

  it('a blob of another KMS (or damaged) is INVALID_CONTENT; a wrong secret AUTH; an unreachable KMS UNAVAILABLE', async () => {
    const elsewhere = await startKmsStandin();
    try {
      const foreign = await kmsProvider({ endpoint: elsewhere.url, accessKey: elsewhere.accessKey, secretKey: elsewhere.secretKey }).encrypt(config('cipher-kms-aes-128-f', 'x'), undefined);
      expect(await codeOf(provider().decrypt(config('cipher-kms-aes-128-f', foreign.content, foreign.encryptedDataKey), undefined))).toBe('INVALID_CONTENT');
    } finally {
      await elsewhere.close();
    }
    const sealed = await provider().encrypt(config('cipher-kms-aes-128-g', 'x'), undefined);
    expect(await codeOf(provider().decrypt(config('cipher-kms-aes-128-g', sealed.content), undefined))).toBe('INVALID_CONTENT');
    expect(await codeOf(provider().decrypt(config('cipher-kms-aes-128-g', `${sealed.content.slice(0, -4)}AAA=`, sealed.encryptedDataKey), undefined))).toBe('INVALID_CONTENT');
    const refusedBefore = kms.refused.length;
    expect(await codeOf(provider({ secretKey: 'wrong' }).encrypt(config('cipher-kms-aes-128-g', 'x'), undefined))).toBe('AUTH');
    expect(kms.refused.slice(refusedBefore)).toEqual(['SignatureDoesNotMatch']);
    expect(await codeOf(kmsProvider({ endpoint: 'http://127.0.0.1:9', accessKey: 'a', secretKey: 'b', timeoutMs: 2000 }).encrypt(config('cipher-kms-aes-128-g', 'x'), undefined))).toBe('UNAVAILABLE');
  });

  it('the caller’s signal ends a KMS call with ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(provider().encrypt(config('cipher-kms-aes-128-h', 'x'), controller.signal))).toBe('ABORTED');
  });

  it('never puts a secret, a key or the content into the URL: the parameters go in the signed form body', async () => {
    const urls: string[] = [];
    const p = provider({ fetch: (input, init) => (urls.push(String(input)), fetch(input, init)) });
    const before = kms.calls.length;
    const direct = await p.encrypt(config('cipher-token-u', 'hidden content'), undefined);
    const envelope = await p.encrypt(config('cipher-kms-aes-128-u', 'hidden content'), undefined);
    await provider({ fetch: (input, init) => (urls.push(String(input)), fetch(input, init)), cacheSize: 0 }).decrypt(config('cipher-kms-aes-128-u', envelope.content, envelope.encryptedDataKey), undefined);
    await p.decrypt(config('cipher-token-u', direct.content), undefined);
    expect(urls).toEqual(Array(4).fill(`${kms.url}/`));
    expect(kms.calls.slice(before).map((c) => [c.action, c.inQuery])).toEqual([['Encrypt', false], ['GenerateDataKey', false], ['Decrypt', false], ['Decrypt', false]]);
  });

  it('only KMS saying the ciphertext is bad is INVALID_CONTENT; a proxy’s page or an unknown answer is retried (SERVER)', async () => {
    const answering = (status: number, body: string, type = 'text/html') => provider({ fetch: async () => new Response(body, { status, headers: { 'content-type': type } }) });
    const blob = config('cipher-kms-aes-128-p', 'AAAAAAAAAAAAAAAAAAAAAA==', 'blob');
    expect(await codeOf(answering(200, '<html>captive portal</html>').decrypt(blob, undefined))).toBe('SERVER');
    expect(await codeOf(answering(404, '<html>not here</html>').decrypt(blob, undefined))).toBe('SERVER');
    expect(await codeOf(answering(400, '{"Code":"Rejected.Disabled","Message":"key disabled"}', 'application/json').decrypt(blob, undefined))).toBe('SERVER');
    expect(await codeOf(answering(503, '{"Code":"ServiceUnavailable"}', 'application/json').decrypt(blob, undefined))).toBe('UNAVAILABLE');
    expect(await codeOf(answering(400, '{"Code":"InvalidCiphertext"}', 'application/json').decrypt(blob, undefined))).toBe('INVALID_CONTENT');
    expect(await codeOf(answering(403, '{"Code":"Forbidden.NoPermission"}', 'application/json').decrypt(blob, undefined))).toBe('AUTH');
  });

  it('checks its options when it is made', () => {
    const issues = (options: unknown) => {
      try {
        kmsProvider(options as Parameters<typeof kmsProvider>[0]);
      } catch (error) {
        return isNacosValidationError(error) ? error.issues.map((i) => i.path) : ['?'];
      }
      return [];
    };
    expect(issues({ endpoint: 'kms.cn-hangzhou.aliyuncs.com', accessKey: 'a', secretKey: 'b' })).toEqual([]);
    expect(issues({ endpoint: 'http://kms.cn-hangzhou.aliyuncs.com', accessKey: 'a', secretKey: 'b' })).toEqual(['endpoint']);
    expect(issues({ accessKey: '', secretKey: 'b' })).toEqual(['endpoint', 'accessKey']);
    expect(issues({ endpoint: 'kms.example.com', accessKey: 'a', secretKey: 'b', timeoutMs: 0, cacheSize: -1, keyId: '' })).toEqual(['keyId', 'timeoutMs', 'cacheSize']);
    expect(provider().handles('cipher-anything')).toBe(true);
    expect(provider().handles('app.json')).toBe(false);
  });

  it('behind encryption(), non-cipher dataIds pass untouched and never reach KMS', async () => {
    const filter = encryption(provider());
    const before = kms.calls.length;
    expect(await filter.publish?.(config('app.json', '{}'), undefined)).toEqual({ content: '{}' });
    expect(kms.calls.length).toBe(before);
  });
});

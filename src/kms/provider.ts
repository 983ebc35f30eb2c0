// Aliyun KMS encryption as nacos-sdk-python v2 (the seed) and the Java SDK's KMS plugin do it, chosen by the dataId:
// - `cipher-kms-aes-128…` / `cipher-kms-aes-256…`: envelope encryption. Each publish asks KMS for a data key
//   (GenerateDataKey, KeySpec AES_128 / AES_256); the content is AES-ECB with PKCS#7 padding under the key's
//   plaintext (base64-decoded), UTF-8 in, base64 out; `encryptedDataKey` is the key's CiphertextBlob. A read has KMS
//   Decrypt the blob.
// - any other `cipher-…`: KMS encrypts the content itself (Encrypt; KMS takes up to 6 KB), and the content stored is
//   the CiphertextBlob; `encryptedDataKey` stays empty.
// The seed matches the prefixes without the trailing dash (`cipher-kms-aes-128x` is AES-128 too), and so does this.
import { ecb } from '@noble/ciphers/aes.js';
import type { FetchLike } from '../client-config.js';
import type { FilterResult } from '../config/filter.js';
import { NacosError, NacosValidationError, type ValidationIssue } from '../errors.js';
import { CIPHER_PREFIX, refuseRead as refuse, type EncryptionProvider } from '../encryption/filter.js';
import { fromBase64, toBase64 } from '../util/bytes.js';
import { isLoopbackHost } from '../util/loopback.js';
import { callKms, field, type KmsClientOptions } from './client.js';

/** The seed's default KMS key: MSE's service key alias. */
export const DEFAULT_KMS_KEY_ID = 'alias/acs/mse';

/** Options of {@link kmsProvider}: the seed's `KMSConfig` (AK/SK), in its names. */
export interface KmsProviderOptions {
  /** The KMS endpoint: `kms.cn-hangzhou.aliyuncs.com` (https), a VPC endpoint, or `https://…`. Plain http only on loopback. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** STS token, for temporary credentials. */
  securityToken?: string | undefined;
  /** The key publishes encrypt under, unless `publishConfig` names one (`kmsKeyId`). Default `alias/acs/mse`. */
  keyId?: string | undefined;
  /** Per KMS request. Default 10 000 ms. */
  timeoutMs?: number | undefined;
  /** A fetch of your own (a proxy, a private CA: `tlsFetch` from `nacos-edge/tls`). */
  fetch?: FetchLike | undefined;
  /** How many decrypted data keys (and directly encrypted contents) are kept in memory, so polls do not ask KMS again. Default 1000; 0 keeps none. */
  cacheSize?: number | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function endpointOf(endpoint: unknown, issues: ValidationIssue[]): URL | undefined {
  if (typeof endpoint !== 'string' || endpoint.trim() === '') {
    issues.push({ path: 'endpoint', message: 'give the KMS endpoint, e.g. kms.cn-hangzhou.aliyuncs.com' });
    return undefined;
  }
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
    if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return new URL(url.origin);
    issues.push({ path: 'endpoint', message: 'must be https (plain http only on loopback, for a local stand-in)' });
  } catch {
    issues.push({ path: 'endpoint', message: 'is not a host or URL' });
  }
  return undefined;
}

/** A bounded memory of answers, oldest dropped first. */
function memo(size: number) {
  const entries = new Map<string, string>();
  return {
    get: (key: string) => entries.get(key),
    set(key: string, value: string) {
      if (size <= 0) return;
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > size) entries.delete(entries.keys().next().value as string);
    },
  };
}

/** The seed's content cipher: AES-ECB, PKCS#7, under the base64 data key; UTF-8 in, base64 out. */
export function encryptWithKmsDataKey(dataKey: string, content: string): string {
  const key = fromBase64(dataKey);
  if (!key || ![16, 32].includes(key.length)) throw new NacosError('SERVER', 'the data key is not AES-128 or AES-256');
  return toBase64(ecb(key).encrypt(encoder.encode(content)));
}

/** The reverse; undefined when it does not decrypt to UTF-8 text (a wrong key, damaged content). */
export function decryptWithKmsDataKey(dataKey: string, ciphertext: string): string | undefined {
  const key = fromBase64(dataKey);
  const bytes = fromBase64(ciphertext);
  if (!key || ![16, 32].includes(key.length) || !bytes || bytes.length === 0 || bytes.length % 16 !== 0) return undefined;
  try {
    return decoder.decode(ecb(key).decrypt(bytes));
  } catch {
    return undefined;
  }
}

/**
 * Aliyun KMS for `cipher-` dataIds, as the seed configures it: `cipher-kms-aes-128-`, `cipher-kms-aes-256-` by
 * envelope, any other `cipher-` directly. It takes every `cipher-` dataId, so put it after providers with narrower
 * prefixes: `encryption(aesProvider(), kmsProvider({ … }))`.
 *
 * @throws NacosValidationError for a missing endpoint or credentials, plain http off loopback, bad numbers.
 */
export function kmsProvider(options: KmsProviderOptions): EncryptionProvider {
  const issues: ValidationIssue[] = [];
  const endpoint = endpointOf(options?.endpoint, issues);
  for (const name of ['accessKey', 'secretKey'] as const) {
    if (typeof options?.[name] !== 'string' || options[name] === '') issues.push({ path: name, message: 'must be a non-empty string' });
  }
  const keyId = options?.keyId ?? DEFAULT_KMS_KEY_ID;
  if (typeof keyId !== 'string' || keyId === '') issues.push({ path: 'keyId', message: 'must be a non-empty string' });
  const timeoutMs = options?.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) issues.push({ path: 'timeoutMs', message: 'must be a positive whole number' });
  const cacheSize = options?.cacheSize ?? 1000;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) issues.push({ path: 'cacheSize', message: 'must be a whole number, 0 or more' });
  if (options?.fetch !== undefined && typeof options.fetch !== 'function') issues.push({ path: 'fetch', message: 'must be a function' });
  if (issues.length > 0 || !endpoint) throw new NacosValidationError(issues, 'kmsProvider');

  const client: KmsClientOptions = {
    endpoint,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    securityToken: options.securityToken,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    timeoutMs,
  };
  // Keyed by ciphertext: a blob always opens to the same answer.
  const dataKeys = memo(cacheSize);
  const contents = memo(cacheSize);
  const specOf = (dataId: string) => (dataId.startsWith(`${CIPHER_PREFIX}kms-aes-128`) ? 'AES_128' : dataId.startsWith(`${CIPHER_PREFIX}kms-aes-256`) ? 'AES_256' : undefined);

  const decryptBlob = async (blob: string, signal: AbortSignal | undefined) => field(await callKms(client, 'Decrypt', { CiphertextBlob: blob }, signal), 'Decrypt', 'Plaintext');

  return {
    name: 'kms',
    handles: (dataId) => dataId.startsWith(CIPHER_PREFIX),
    async encrypt(config, signal): Promise<FilterResult> {
      const KeyId = config.kmsKeyId ?? keyId;
      const KeySpec = specOf(config.dataId);
      if (!KeySpec) {
        const answer = await callKms(client, 'Encrypt', { KeyId, Plaintext: config.content }, signal);
        return { content: field(answer, 'Encrypt', 'CiphertextBlob'), encryptedDataKey: undefined };
      }
      const answer = await callKms(client, 'GenerateDataKey', { KeyId, KeySpec }, signal);
      const plaintext = field(answer, 'GenerateDataKey', 'Plaintext');
      const blob = field(answer, 'GenerateDataKey', 'CiphertextBlob');
      if (fromBase64(plaintext)?.length !== (KeySpec === 'AES_128' ? 16 : 32)) throw new NacosError('SERVER', `KMS GenerateDataKey: the data key is not ${KeySpec}`);
      dataKeys.set(blob, plaintext);
      return { content: encryptWithKmsDataKey(plaintext, config.content), encryptedDataKey: blob };
    },
    async decrypt(config, signal): Promise<string> {
      if (!specOf(config.dataId)) {
        const known = contents.get(config.content);
        if (known !== undefined) return known;
        const plain = await decryptBlob(config.content, signal);
        contents.set(config.content, plain);
        return plain;
      }
      const blob = config.encryptedDataKey;
      if (!blob) throw refuse(config, 'it has no encryptedDataKey, so it was not published through KMS (or the key was lost)');
      const plaintext = dataKeys.get(blob) ?? (await decryptBlob(blob, signal));
      dataKeys.set(blob, plaintext);
      const plain = decryptWithKmsDataKey(plaintext, config.content);
      if (plain === undefined) throw refuse(config, 'its content does not decrypt with its data key (damaged, or a key of another config)');
      return plain;
    },
  };
}

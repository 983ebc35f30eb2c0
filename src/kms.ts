/**
 * `nacos-edge/kms`: Aliyun KMS for encrypted `cipher-` configs, in the format of nacos-sdk-python v2 (the seed) and the
 * Java SDK's KMS plugin: a config one of them publishes, the others read. Requests to KMS are signed with
 * ACS3-HMAC-SHA256 over `fetch` (WebCrypto); the content cipher is AES-ECB from `@noble/ciphers`.
 *
 * @example
 * import { encryption } from 'nacos-edge/encryption';
 * import { kmsProvider } from 'nacos-edge/kms';
 * const kms = kmsProvider({ endpoint: 'kms.cn-hangzhou.aliyuncs.com', accessKey, secretKey, keyId: 'alias/my-key' });
 * new ClientConfigBuilder().serverAddress('127.0.0.1:8848').configFilters(encryption(kms)).build();
 *
 * @module
 */
import type { ConfigFilter } from './config/filter.js';
import { encryption } from './encryption/filter.js';
import { kmsProvider, type KmsProviderOptions } from './kms/provider.js';

export { DEFAULT_KMS_KEY_ID, kmsProvider, type KmsProviderOptions } from './kms/provider.js';

/** `encryption(kmsProvider(options))`: every `cipher-` dataId through KMS, as the seed does with KMS enabled. */
export function kmsEncryption(options: KmsProviderOptions): ConfigFilter {
  return encryption(kmsProvider(options));
}

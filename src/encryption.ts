/**
 * `nacos-edge/encryption`: encrypted configs. Configs whose dataId starts with `cipher-` are encrypted on publish and
 * decrypted on every read and listener delivery, as the Java SDK does with Nacos's encryption plugins; the servers
 * and the client's snapshots hold ciphertext only.
 *
 * @example
 * import { aesEncryption } from 'nacos-edge/encryption';
 * const config = new ClientConfigBuilder().serverAddress('127.0.0.1:8848').configFilters(aesEncryption({ masterKey })).build();
 * await service.publishConfig({ dataId: 'cipher-aes-db.properties', content: 'password=s3cr3t' });
 *
 * @module
 */
import type { ConfigFilter } from './config/filter.js';
import { aesProvider, type AesProviderOptions } from './encryption/aes.js';
import { encryption } from './encryption/filter.js';

export { aesProvider, type AesProviderOptions } from './encryption/aes.js';
export { CIPHER_PREFIX, encryption, type EncryptionProvider } from './encryption/filter.js';
export type { ConfigFilter, FilteredConfig, FilterResult } from './config/filter.js';

/** `encryption(aesProvider(options))`: the AES plugin's format for `cipher-aes-` dataIds. */
export function aesEncryption(options?: AesProviderOptions): ConfigFilter {
  return encryption(aesProvider(options));
}

// The encryption filter: picks the provider for a `cipher-` dataId and runs it on publish and read.
import type { ConfigFilter, FilteredConfig, FilterResult } from '../config/filter.js';
import { NacosError, NacosValidationError } from '../errors.js';

/** The error of a read that must not be delivered (a wrong key, damaged content), naming the config. */
export const refuseRead = (config: FilteredConfig, why: string, cause?: unknown): NacosError =>
  new NacosError('INVALID_CONTENT', `read ${config.group}/${config.dataId}: ${why}`, { cause });

/** Nacos encrypts the configs whose dataId starts with this (the Java SDK's and the seed's rule). */
export const CIPHER_PREFIX = 'cipher-';

/**
 * Encrypts and decrypts the configs of some `cipher-` dataIds: the AES plugin's format ({@link aesProvider}),
 * Aliyun KMS (`kmsProvider` from `nacos-edge/kms`), or your own.
 */
export interface EncryptionProvider {
  /** Named in errors, e.g. `aes`. */
  readonly name: string;
  /** Whether this provider takes `dataId` (by its prefix, e.g. `cipher-aes-`). */
  handles(dataId: string): boolean;
  /** Encrypts a publish: the ciphertext and the data key to store beside it (`encryptedDataKey`). */
  encrypt(config: FilteredConfig, signal: AbortSignal | undefined): Promise<FilterResult>;
  /**
   * Decrypts a read. Throws `INVALID_CONTENT` when it cannot (wrong key, damaged content): never garbage.
   * Throws another code (`UNAVAILABLE`, `AUTH`, …) when a service it needs failed, so listeners try again.
   */
  decrypt(config: FilteredConfig, signal: AbortSignal | undefined): Promise<string>;
}

/**
 * The config filter that encrypts `cipher-` dataIds. Each one goes to the first provider that takes it; a
 * `cipher-` dataId no provider takes is refused both ways (`UNSUPPORTED` on publish, `INVALID_CONTENT` on read),
 * so it is never published in clear and its ciphertext is never taken for content. Other dataIds pass untouched.
 *
 * @example
 * import { encryption, aesProvider } from 'nacos-edge/encryption';
 * new ClientConfigBuilder().serverAddress('127.0.0.1:8848').configFilters(encryption(aesProvider({ masterKey }))).build();
 */
export function encryption(...providers: readonly EncryptionProvider[]): ConfigFilter {
  const bad = providers.findIndex((p) => typeof p?.handles !== 'function' || typeof p.encrypt !== 'function' || typeof p.decrypt !== 'function');
  if (providers.length === 0 || bad >= 0) {
    throw new NacosValidationError([{ path: providers.length === 0 ? 'providers' : `providers.${bad}`, message: 'give one or more encryption providers ({ name, handles, encrypt, decrypt })' }], 'encryption');
  }
  const providerOf = (config: FilteredConfig, refuse: (names: string) => NacosError): EncryptionProvider | undefined => {
    if (!config.dataId.startsWith(CIPHER_PREFIX)) return undefined;
    const provider = providers.find((p) => p.handles(config.dataId));
    if (!provider) throw refuse(providers.map((p) => p.name).join(', '));
    return provider;
  };
  return {
    name: 'encryption',
    async publish(config, signal) {
      if (config.kmsKeyId !== undefined && !config.dataId.startsWith(CIPHER_PREFIX)) {
        throw new NacosValidationError([{ path: 'kmsKeyId', message: `is for cipher- dataIds; ${config.dataId} is published in clear` }], 'publishConfig');
      }
      const provider = providerOf(config, (names) => new NacosError('UNSUPPORTED', `publish ${config.group}/${config.dataId}: no encryption provider takes this cipher- dataId (have: ${names}); it is not published in clear`));
      return provider ? provider.encrypt(config, signal) : { content: config.content };
    },
    async read(config, signal) {
      const provider = providerOf(config, (names) => refuseRead(config, `no encryption provider takes this cipher- dataId (have: ${names})`));
      return provider ? { content: await provider.decrypt(config, signal), encryptedDataKey: undefined } : { content: config.content };
    },
  };
}

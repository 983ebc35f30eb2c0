// The format of Nacos's AES encryption plugin (nacos-group/nacos-plugin, `AesEncryptionPluginService`), which the
// Java SDK loads for `cipher-aes-` dataIds: so a config either side publishes, the other reads.
//
// - The data key is 16 random bytes, written as lower-case hex and then base64: that text is `encryptedDataKey`.
//   The plugin stores it as is (its key-wrapping methods are identity): whoever reads the config can decrypt it.
//   With a `masterKey`, nacos-edge wraps it (AES-GCM) instead, which the Java plugin cannot read. The wrap is bound to
//   the group, the dataId and the ciphertext's SHA-256, so it also proves the content: CBC alone has no integrity.
// - Content: AES-128-CBC with PKCS#7 padding; the key is the hex decoded, the IV the first 16 hex characters as ASCII;
//   UTF-8 in, lower-case hex out.
import type { FilteredConfig } from '../config/filter.js';
import { NacosError, NacosValidationError } from '../errors.js';
import { fromBase64, fromHex, toBase64, toHex } from '../util/bytes.js';
import { CIPHER_PREFIX, refuseRead as refuse, type EncryptionProvider } from './filter.js';

const encoder = new TextEncoder();
/** Fatal: bytes that are not UTF-8 are a wrong key, not content. */
const decoder = new TextDecoder('utf-8', { fatal: true });

/** What a wrapped data key starts with; the plugin's own keys are base64, which never holds `:`. */
const WRAPPED = 'nacos-edge:aes-gcm:';

/** Options of {@link aesProvider}. */
export interface AesProviderOptions {
  /**
   * Wraps each data key (AES-GCM, 16, 24 or 32 bytes; base64 or bytes), so the server holds nothing that decrypts the
   * config. Without it the format is exactly the plugin's: interoperable with the Java SDK, and no secret from the
   * servers. Reads accept plugin keys either way.
   */
  masterKey?: string | Uint8Array | undefined;
  /**
   * With a `masterKey`, whether reads still take the plugin's own (unwrapped) data keys, e.g. while configs the Java
   * SDK published are re-published. Default false: then anyone who may write the config cannot swap in content.
   */
  acceptPluginKeys?: boolean | undefined;
  /** The dataId prefix this provider takes. Default `cipher-aes-`, as the plugin's name is `aes`. */
  prefix?: string | undefined;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new NacosError('UNSUPPORTED', 'AES encryption needs crypto.subtle, which this runtime lacks (a page served over plain http)');
  return s;
}

/** The content key and IV of a plugin data key (base64 of 32 hex characters); undefined when it is not one. */
function contentKey(dataKey: string): { key: Uint8Array<ArrayBuffer>; iv: Uint8Array<ArrayBuffer> } | undefined {
  const hexBytes = fromBase64(dataKey);
  const hex = hexBytes && String.fromCharCode(...hexBytes);
  const key = hex && /^[0-9a-f]{32}$/i.test(hex) ? fromHex(hex) : undefined;
  return key && hex ? { key, iv: encoder.encode(hex.slice(0, 16)) } : undefined;
}

/** A new plugin data key: base64 of 16 random bytes in lower-case hex. */
export function newDataKey(): string {
  return btoa(toHex(crypto.getRandomValues(new Uint8Array(16))));
}

/** Encrypts `content` under a plugin data key, as the plugin does. */
export async function encryptWithDataKey(dataKey: string, content: string): Promise<string> {
  const k = contentKey(dataKey);
  if (!k) throw new NacosError('VALIDATION', 'not an AES plugin data key (base64 of 32 hex characters)');
  const key = await subtle().importKey('raw', k.key, 'AES-CBC', false, ['encrypt']);
  return toHex(new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: k.iv }, key, encoder.encode(content))));
}

/** Decrypts plugin ciphertext (hex) under a plugin data key; undefined when it does not decrypt to UTF-8 text. */
export async function decryptWithDataKey(dataKey: string, ciphertext: string): Promise<string | undefined> {
  const k = contentKey(dataKey);
  const bytes = fromHex(ciphertext);
  if (!k || !bytes || bytes.length === 0 || bytes.length % 16 !== 0) return undefined;
  try {
    const key = await subtle().importKey('raw', k.key, 'AES-CBC', false, ['decrypt']);
    return decoder.decode(await subtle().decrypt({ name: 'AES-CBC', iv: k.iv }, key, bytes));
  } catch (error) {
    if (error instanceof NacosError) throw error;
    return undefined;
  }
}

function masterKeyBytes(masterKey: string | Uint8Array): Uint8Array<ArrayBuffer> {
  // Hex would also read as base64, as other bytes: it is refused rather than taken for a key it is not.
  const bytes = typeof masterKey === 'string' && !/^[0-9a-f]+$/i.test(masterKey) ? fromBase64(masterKey) : masterKey instanceof Uint8Array ? masterKey : undefined;
  if (!bytes || ![16, 24, 32].includes(bytes.length)) {
    throw new NacosValidationError([{ path: 'masterKey', message: 'must be 16, 24 or 32 bytes: a Uint8Array, or their base64 (not hex, not a passphrase)' }], 'aesProvider');
  }
  return bytes.slice();
}

/** What a wrap is bound to: the config (not its namespace, so a clone to another namespace reads) and its ciphertext. */
async function boundTo(config: FilteredConfig, ciphertext: string): Promise<Uint8Array<ArrayBuffer>> {
  const digest = new Uint8Array(await subtle().digest('SHA-256', encoder.encode(ciphertext)));
  return encoder.encode(`${config.group}\n${config.dataId}\n${toHex(digest)}`);
}

/**
 * The AES plugin's format for `cipher-aes-` dataIds (WebCrypto AES-CBC), optionally with a master key that wraps each
 * data key. Hand it to {@link encryption}, or use {@link aesEncryption}.
 */
export function aesProvider(options: AesProviderOptions = {}): EncryptionProvider {
  const prefix = options.prefix ?? `${CIPHER_PREFIX}aes-`;
  if (typeof prefix !== 'string' || !prefix.startsWith(CIPHER_PREFIX) || prefix === CIPHER_PREFIX) {
    throw new NacosValidationError([{ path: 'prefix', message: `must start with ${CIPHER_PREFIX} and name the provider, e.g. cipher-aes-` }], 'aesProvider');
  }
  const master = options.masterKey === undefined ? undefined : masterKeyBytes(options.masterKey);
  // Imported on first use, not here: nothing runs before a call, and a runtime without crypto.subtle fails then.
  let masterKey: Promise<CryptoKey> | undefined;
  const gcm = () => (masterKey ??= subtle().importKey('raw', master as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']));

  const wrap = async (dataKey: string, config: FilteredConfig, ciphertext: string): Promise<string> => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: await boundTo(config, ciphertext) }, await gcm(), encoder.encode(dataKey)));
    const out = new Uint8Array(iv.length + sealed.length);
    out.set(iv);
    out.set(sealed, iv.length);
    return WRAPPED + toBase64(out);
  };

  const unwrap = async (config: FilteredConfig, edk: string): Promise<string> => {
    if (!edk.startsWith(WRAPPED)) {
      if (master && !options.acceptPluginKeys) throw refuse(config, 'its data key is not wrapped with the master key (give acceptPluginKeys: true to read the plugin’s own keys)');
      return edk;
    }
    if (!master) throw refuse(config, 'its data key is wrapped with a master key; give aesProvider({ masterKey })');
    const bytes = fromBase64(edk.slice(WRAPPED.length));
    try {
      if (!bytes || bytes.length < 12 + 16) throw new Error('too short');
      const plain = await subtle().decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: await boundTo(config, config.content) }, await gcm(), bytes.subarray(12));
      return decoder.decode(plain);
    } catch (cause) {
      if (cause instanceof NacosError) throw cause;
      throw refuse(config, 'the master key does not open its data key (a wrong master key, changed content, or a key of another config)', cause);
    }
  };

  return {
    name: 'aes',
    handles: (dataId) => dataId.startsWith(prefix),
    async encrypt(config) {
      const dataKey = newDataKey();
      const content = await encryptWithDataKey(dataKey, config.content);
      return { content, encryptedDataKey: master ? await wrap(dataKey, config, content) : dataKey };
    },
    async decrypt(config) {
      const edk = config.encryptedDataKey;
      if (!edk) throw refuse(config, 'it has no encryptedDataKey, so it was not published encrypted (or the key was lost)');
      const plain = await decryptWithDataKey(await unwrap(config, edk), config.content);
      if (plain === undefined) throw refuse(config, 'its content does not decrypt with its data key (damaged, or not AES plugin ciphertext)');
      return plain;
    },
  };
}

import { NacosError } from '../errors.js';
import { toBase64 } from './bytes.js';
import { configMd5 } from './md5.js';

const encoder = new TextEncoder();

/** HMAC-SHA1 of `message` under `key`, base64-encoded: what Spas signing needs where WebCrypto is missing. */
export type HmacSha1 = (key: string, message: string) => string | Promise<string>;

/** {@link configMd5} behind a promise, as the public `configMd5` has always returned one. */
export async function configMd5Async(content: string | undefined | null): Promise<string> {
  return configMd5(content);
}

/** HMAC-SHA1 in base64 through WebCrypto. */
export async function hmacSha1Base64Subtle(subtle: SubtleCrypto, key: string, message: string): Promise<string> {
  const cryptoKey = await subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  return toBase64(new Uint8Array(await subtle.sign('HMAC', cryptoKey, encoder.encode(message))));
}

/**
 * HMAC-SHA1 in base64: WebCrypto where `crypto.subtle` exists (servers, Workers, https pages), otherwise the
 * `hmacSha1` the app handed in (`nacos-edge/noble`). Only pages served over plain http lack `crypto.subtle`, and
 * only signing (AK/SK) needs it, so the fallback is opt-in rather than ~2.4 kB in every bundle.
 */
export async function hmacSha1Base64(key: string, message: string, fallback: HmacSha1 | undefined): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return hmacSha1Base64Subtle(subtle, key, message);
  if (fallback) return fallback(key, message);
  throw new NacosError(
    'UNSUPPORTED',
    "Spas signing needs crypto.subtle, which this runtime lacks (a page served over plain http): serve it over https, or add the fallback: import { nobleHmacSha1 } from 'nacos-edge/noble' and pass it to ClientConfigBuilder.hmacSha1()",
  );
}

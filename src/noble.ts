/**
 * `nacos-edge/noble`: HMAC-SHA1 from `@noble/hashes`, for Spas signing (AK/SK) where WebCrypto is missing — pages
 * served over plain http. Hand it to the client; apps that never need it never ship it.
 *
 * @example
 * import { nobleHmacSha1 } from 'nacos-edge/noble';
 * new ClientConfigBuilder().serverAddress('10.0.0.1:8848').accessKey(ak).secretKey(sk).hmacSha1(nobleHmacSha1).build();
 *
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import type { HmacSha1 } from './util/crypto.js';

export type { HmacSha1 } from './util/crypto.js';

const encoder = new TextEncoder();

/** HMAC-SHA1 in base64 with `@noble/hashes`. */
export const nobleHmacSha1: HmacSha1 = (key, message) => {
  let binary = '';
  for (const b of hmac(sha1, encoder.encode(key), encoder.encode(message))) binary += String.fromCharCode(b);
  return btoa(binary);
};

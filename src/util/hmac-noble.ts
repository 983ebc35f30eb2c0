import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';

const encoder = new TextEncoder();

/**
 * HMAC-SHA1 in base64 with `@noble/hashes`, for pages without `crypto.subtle` (plain-http origins).
 * Its own module, loaded only when needed, so bundles with WebCrypto do not carry it.
 */
export function hmacSha1Base64Noble(key: string, message: string): string {
  let binary = '';
  for (const b of hmac(sha1, encoder.encode(key), encoder.encode(message))) binary += String.fromCharCode(b);
  return btoa(binary);
}

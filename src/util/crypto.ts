import { md5 } from '@noble/hashes/legacy.js';

const encoder = new TextEncoder();

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The config md5 Nacos compares: lower-case hex MD5 of the UTF-8 bytes. An absent config has md5 `''`
 * (the protocol's "null"), not the md5 of the empty string.
 */
export function configMd5(content: string | undefined | null): string {
  if (content === undefined || content === null) return '';
  return toHex(md5(encoder.encode(content)));
}

/** HMAC-SHA1 in base64 through WebCrypto. */
export async function hmacSha1Base64Subtle(subtle: SubtleCrypto, key: string, message: string): Promise<string> {
  const cryptoKey = await subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  return toBase64(new Uint8Array(await subtle.sign('HMAC', cryptoKey, encoder.encode(message))));
}

/**
 * HMAC-SHA1 in base64: WebCrypto where `crypto.subtle` exists (secure contexts, servers), otherwise
 * `@noble/hashes`, loaded on first use.
 */
export async function hmacSha1Base64(key: string, message: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return hmacSha1Base64Subtle(subtle, key, message);
  const { hmacSha1Base64Noble } = await import('./hmac-noble.js');
  return hmacSha1Base64Noble(key, message);
}

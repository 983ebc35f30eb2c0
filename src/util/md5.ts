import { md5 } from '@noble/hashes/legacy.js';

const encoder = new TextEncoder();

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * The config md5 Nacos compares: lower-case hex MD5 of the UTF-8 bytes. An absent config has md5 `''`
 * (the protocol's "null"), not the md5 of the empty string.
 */
export function configMd5(content: string | undefined | null): string {
  if (content === undefined || content === null) return '';
  return toHex(md5(encoder.encode(content)));
}

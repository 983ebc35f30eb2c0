const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The config md5 Nacos compares: lower-case hex MD5 of the UTF-8 bytes (`''` for an absent config).
 * Async because the MD5 code loads on first use: servers send each config's md5, so only snapshot
 * checks and servers that omit it need one computed, and apps that never do skip ~2 kB.
 */
export async function configMd5Async(content: string | undefined | null): Promise<string> {
  const { configMd5 } = await import('./md5.js');
  return configMd5(content);
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

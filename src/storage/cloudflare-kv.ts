/**
 * Cloudflare Workers KV storage. Takes the `KVNamespace` binding object itself (from `env`), never a
 * global name.
 *
 * KV is eventually consistent (a write can take up to 60 s to be seen in other locations) and its
 * expirations are at least 60 s: treat it as a **snapshot cache, not a source of truth**. Together with
 * `getConfig({ cache: { freshMs, staleMs, waitUntil } })` it gives Workers a read path that answers from
 * KV at once and refreshes from Nacos in `ctx.waitUntil`.
 *
 * @module
 */
import type { StoragePort } from './port.js';

/** The part of a Workers `KVNamespace` binding this adapter uses. */
export interface KvNamespaceLike {
  get(key: string, type: 'text'): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix?: string; cursor?: string; limit?: number }): Promise<{ keys: { name: string; metadata?: unknown }[]; list_complete: boolean; cursor?: string }>;
}

/** Options of the KV adapter. */
export interface KvStorageOptions {
  /** The KV binding, e.g. `env.NACOS_CACHE`. */
  binding: KvNamespaceLike;
  /** Prefix for every key, to share one namespace between apps. Default `nacos-edge/`. */
  prefix?: string;
  /** Expire entries after this many seconds (KV's minimum, 60, is enforced). Default: never. */
  ttlSeconds?: number;
}

/** KV keys are limited to 512 bytes; longer ones are stored under a hash, with the real key as metadata. */
const MAX_KEY_BYTES = 512;
const HASHED = '#';

/** Creates the KV storage. */
export function createStorage(options: KvStorageOptions): StoragePort {
  const { binding } = options;
  const prefix = options.prefix ?? 'nacos-edge/';
  const expiration = options.ttlSeconds === undefined ? {} : { expirationTtl: Math.max(60, Math.ceil(options.ttlSeconds)) };
  const encoder = new TextEncoder();
  if (encoder.encode(prefix).length > 256) throw new RangeError('the KV key prefix must be at most 256 bytes');
  // WebCrypto's SHA-256, which every Worker has (the adapter is async anyway); ~2.5 kB gzip less than a bundled hash.
  const nameOf = async (key: string) => {
    const name = prefix + key;
    if (encoder.encode(name).length <= MAX_KEY_BYTES) return name;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(key)));
    return `${prefix}${HASHED}${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  };
  return {
    async get(key) {
      return (await binding.get(await nameOf(key), 'text')) ?? undefined;
    },
    async set(key, value) {
      const name = await nameOf(key);
      await binding.put(name, value, name === prefix + key ? expiration : { ...expiration, metadata: { key } });
    },
    async delete(key) {
      await binding.delete(await nameOf(key));
    },
    async list(listPrefix) {
      const found: string[] = [];
      // Hashed keys do not share the readable prefix, so they are listed separately and filtered by their metadata.
      for (const scan of [prefix + listPrefix, prefix + HASHED]) {
        let cursor: string | undefined;
        do {
          const page = await binding.list({ prefix: scan, ...(cursor ? { cursor } : {}) });
          for (const { name, metadata } of page.keys) {
            const key = name.startsWith(prefix + HASHED) ? (metadata as { key?: unknown } | undefined)?.key : name.slice(prefix.length);
            if (typeof key === 'string' && key.startsWith(listPrefix)) found.push(key);
          }
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor);
      }
      return found;
    },
  };
}

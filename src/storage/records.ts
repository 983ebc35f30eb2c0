import { NacosError } from '../errors.js';
import { configMd5 } from '../util/md5.js';
import { storageKey, type StoragePort } from './port.js';

/** What a config snapshot holds. The md5 lets a reader tell a complete entry from a damaged one. */
export interface ConfigSnapshot {
  content: string;
  md5: string;
  type: string | undefined;
  /** The data key stored beside encrypted content: a snapshot holds what the server holds, ciphertext included. */
  encryptedDataKey: string | undefined;
  /** Epoch ms of the server read it came from. */
  savedAt: number;
}

/**
 * Serialises a snapshot (JSON with a format version). `md5` is the server's md5 of `content` (the
 * protocol's, so writing a snapshot hashes nothing); a reader recomputes it to tell a damaged entry.
 */
export function encodeConfigSnapshot(content: string, md5: string, type: string | undefined, savedAt = Date.now(), encryptedDataKey?: string): string {
  return JSON.stringify({ v: 1, content, md5, type, encryptedDataKey, savedAt });
}

/**
 * Parses a snapshot. Throws `INVALID_CONTENT` when it is damaged (truncated, edited, not ours), so the
 * caller can log it and treat it as absent.
 */
export function decodeConfigSnapshot(text: string): ConfigSnapshot {
  let parsed: { v?: unknown; content?: unknown; md5?: unknown; type?: unknown; encryptedDataKey?: unknown; savedAt?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (cause) {
    throw new NacosError('INVALID_CONTENT', 'the snapshot entry is damaged (not complete JSON)', { cause });
  }
  if (parsed?.v !== 1 || typeof parsed.content !== 'string' || typeof parsed.md5 !== 'string' || typeof parsed.savedAt !== 'number') {
    throw new NacosError('INVALID_CONTENT', 'the snapshot entry is not a nacos-edge snapshot');
  }
  if (configMd5(parsed.content) !== parsed.md5) throw new NacosError('INVALID_CONTENT', 'the snapshot entry is damaged (md5 mismatch)');
  const stringOr = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { content: parsed.content, md5: parsed.md5, type: stringOr(parsed.type), encryptedDataKey: stringOr(parsed.encryptedDataKey), savedAt: parsed.savedAt };
}

/**
 * Writes snapshots without rewriting what is already there: a write of the `version` stored under the same
 * key less than `rewriteMs` ago is skipped, so a read loop does not rewrite the store on every call (with the
 * fs adapter, a file write and rename each) while a change still reaches it at once. The bookkeeping is
 * dropped past `maxKeys` keys (the next write of each is then a real one).
 */
export class SnapshotWriter {
  readonly #storage: StoragePort;
  readonly #rewriteMs: number;
  readonly #maxKeys: number;
  readonly #written = new Map<string, { version: string; at: number }>();

  constructor(storage: StoragePort, rewriteMs = 1000, maxKeys = 10_000) {
    this.#storage = storage;
    this.#rewriteMs = rewriteMs;
    this.#maxKeys = maxKeys;
  }

  /**
   * Stores `encode(savedAt)` under `key`, or deletes `key` when `encode` is undefined. `version` identifies the
   * content (undefined: unknown, always write). Throws what the store throws; a failed write is not remembered.
   */
  async write(key: string, version: string | undefined, encode: ((savedAt: number) => string) | undefined): Promise<void> {
    const now = Date.now();
    const last = this.#written.get(key);
    if (version !== undefined && last?.version === version && now - last.at < this.#rewriteMs) return;
    this.#written.delete(key);
    if (encode) await this.#storage.set(key, encode(now));
    else await this.#storage.delete(key);
    if (version === undefined) return;
    if (this.#written.size >= this.#maxKeys) this.#written.clear();
    this.#written.set(key, { version, at: now });
  }
}

/** Identifies a config for the failover helpers. */
export interface FailoverTarget {
  dataId: string;
  /** Default `DEFAULT_GROUP`. */
  group?: string;
  /** Default `''` (public). */
  namespaceId?: string;
}

const failoverKey = (t: FailoverTarget) => storageKey('failover', 'config', t.namespaceId === 'public' ? '' : (t.namespaceId ?? ''), t.group ?? 'DEFAULT_GROUP', t.dataId);

/**
 * Writes a failover entry: from now on `getConfig` returns `content` for this config without asking
 * any server, until {@link clearFailover}. For operators overriding a config during an incident.
 */
export async function writeFailover(storage: StoragePort, target: FailoverTarget, content: string): Promise<void> {
  await storage.set(failoverKey(target), content);
}

/** Removes a failover entry; `getConfig` reads from the servers again. */
export async function clearFailover(storage: StoragePort, target: FailoverTarget): Promise<void> {
  await storage.delete(failoverKey(target));
}

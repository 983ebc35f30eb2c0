import { isNacosError, messageOf, type NacosError } from '../errors.js';
import type { Logger } from '../logger.js';
import { storageKey, type StoragePort } from '../storage/port.js';
import { decodeConfigSnapshot, encodeConfigSnapshot, SnapshotWriter, type ConfigSnapshot } from '../storage/records.js';
import type { Transport } from '../transport/http.js';
import type { OwnWrites } from '../util/own-writes.js';
import { runFilters, type ConfigFilter } from './filter.js';
import { configId, type ConfigKey, type ConfigRead } from './model.js';
import { readConfig, readConfigDiscovering } from './read.js';

/** The storage keys of a config are kept for this many configs (encoding them is on every read's path). */
const MAX_CACHED_KEYS = 10_000;

interface StorageKeys {
  readonly snapshot: string;
  readonly failover: string;
}

/** `getConfig`'s `cache` option: answer from a young snapshot without a server round trip (Workers with KV). */
export interface CacheOptions {
  freshMs: number;
  staleMs?: number | undefined;
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

/** What a read gives the caller: the content, whether the config exists, and its stored type. */
export interface ReadResult {
  found: boolean;
  content: string;
  type: string | undefined;
}

/**
 * A server read after the read filters. `content` is what they made of it; `refused` is set, and `content` is the
 * server's, when a filter would not let it through (`INVALID_CONTENT`, e.g. a wrong key): `getConfig` throws it,
 * listeners are not told.
 */
export type FilteredRead = ConfigRead & { refused?: NacosError };

/**
 * The read path of configs: a failover entry (operator override) wins; a young enough snapshot answers at once
 * when asked to (`cache`); otherwise the servers are asked, the answer is kept as a snapshot (md5-checked), and the
 * snapshot answers when no server does. Reads of a config this client just wrote wait until the servers show it.
 */
export class ReadPath {
  readonly #transport: Transport;
  readonly #storage: StoragePort;
  readonly #log: Logger;
  readonly #storageKeys = new Map<string, StorageKeys>();
  readonly #snapshots: SnapshotWriter;
  /**
   * This client's own publishes and removals, until reads show them: the md5 expected, `''` for removed. Only a
   * client that writes has them (a reader's bundle then carries no read-your-writes code).
   */
  readonly #ownWrites: OwnWrites<string> | undefined;
  readonly #filters: readonly ConfigFilter[] | undefined;

  constructor(transport: Transport, storage: StoragePort, log: Logger, ownWrites?: OwnWrites<string>, filters?: readonly ConfigFilter[]) {
    this.#transport = transport;
    this.#storage = storage;
    this.#log = log;
    this.#snapshots = new SnapshotWriter(storage);
    this.#ownWrites = ownWrites;
    this.#filters = filters;
  }

  /** getConfig's read: failover entry → young snapshot (with `cache`) → servers → snapshot when none answers. */
  async read(key: ConfigKey, signal: AbortSignal | undefined, tag: string | undefined, cache: CacheOptions | undefined, useSnapshot: boolean): Promise<ReadResult> {
    const failover = await this.#storageGet(this.#keysOf(key).failover);
    if (failover !== undefined) {
      this.#log.debug(`getConfig ${key.group}/${key.dataId}: served from the failover entry`);
      return { found: true, content: failover, type: undefined };
    }
    let read: FilteredRead | undefined;
    if (cache && tag === undefined) {
      const snapshot = await this.#snapshot(key);
      const age = snapshot ? Date.now() - snapshot.savedAt : Infinity;
      if (snapshot && age <= cache.freshMs + (cache.staleMs ?? 0)) {
        if (age > cache.freshMs) {
          const refresh = this.fromServer(key, undefined).catch((error: unknown) => {
            this.#log.warn(`background refresh of ${key.group}/${key.dataId} failed: ${messageOf(error)}`);
          });
          cache.waitUntil?.(refresh);
        }
        read = { ...snapshot, found: true };
      }
    }
    try {
      // A snapshot holds what the server held, so it goes through the read filters too.
      read = read ? await this.#filtered(key, read, signal) : await this.fromServer(key, signal, tag);
    } catch (error) {
      if (read || !isNacosError(error, 'UNAVAILABLE') || tag !== undefined || !useSnapshot) throw error;
      const snapshot = await this.#snapshot(key);
      if (snapshot === undefined) throw error;
      read = await this.#filtered(key, { ...snapshot, found: true }, signal);
      this.#log.warn(`getConfig ${key.group}/${key.dataId}: no server answered; serving the snapshot (${error.message})`);
    }
    if (read.refused) throw read.refused;
    return read;
  }

  /** Runs the read filters over a read of a config that exists. */
  async #filtered(key: ConfigKey, read: ConfigRead, signal: AbortSignal | undefined): Promise<FilteredRead> {
    if (!this.#filters?.length || !read.found) return read;
    try {
      return { ...read, ...(await runFilters(this.#filters, 'read', key, read, signal)) };
    } catch (error) {
      if (isNacosError(error, 'INVALID_CONTENT')) return { ...read, refused: error };
      throw error;
    }
  }

  /**
   * Reads from the servers and keeps the snapshot in step (written when found, removed when absent; as the server
   * holds it, before the read filters). After this client's own write of the config, the read waits (OwnWrites)
   * until the servers show it.
   */
  async fromServer(key: ConfigKey, signal: AbortSignal | undefined, tag?: string): Promise<FilteredRead> {
    const once = () => {
      // Until the preferred server's generation is known, the read itself finds it out (no separate probe).
      const known = this.#transport.knownPreferredGeneration();
      return known ? readConfig(this.#transport, known, key, { signal, tag }) : readConfigDiscovering(this.#transport, key, { signal, tag });
    };
    if (tag !== undefined) return this.#filtered(key, await once(), signal);
    const read = this.#ownWrites ? await this.#ownWrites.read(configId(key), once, (r, md5) => r.md5 === md5, signal) : await once();
    await this.#keepSnapshot(key, read);
    return this.#filtered(key, read, signal);
  }

  /** Records this client's write of `key`: its reads wait until the servers show `md5` (`''`: removed). */
  expectWrite(key: ConfigKey, md5: string): void {
    this.#ownWrites?.expect(configId(key), md5);
  }

  /** Whether a write of this client to `key` has not been seen on the servers yet. */
  hasPendingWrite(key: ConfigKey): boolean {
    return this.#ownWrites?.peek(configId(key)) !== undefined;
  }

  /** The snapshot of `key`, or undefined when there is none or it is damaged (logged). */
  async #snapshot(key: ConfigKey): Promise<ConfigSnapshot | undefined> {
    const text = await this.#storageGet(this.#keysOf(key).snapshot);
    if (text === undefined) return undefined;
    try {
      return decodeConfigSnapshot(text);
    } catch (error) {
      this.#log.warn(`ignoring the snapshot of ${key.group}/${key.dataId}: ${messageOf(error)}`);
      return undefined;
    }
  }

  /**
   * Keeps the snapshot in step with a server read: written when found, removed when absent, an unchanged one
   * rewritten at most once a second (SnapshotWriter; its savedAt drives `cache` freshness).
   */
  async #keepSnapshot(key: ConfigKey, read: ConfigRead): Promise<void> {
    const encode = read.found ? (savedAt: number) => encodeConfigSnapshot(read.content, read.md5, read.type, savedAt, read.encryptedDataKey) : undefined;
    try {
      await this.#snapshots.write(this.#keysOf(key).snapshot, read.found ? read.md5 : '', encode);
    } catch (error) {
      this.#log.warn(`could not write the snapshot of ${key.group}/${key.dataId}`, error);
    }
  }

  #keysOf(key: ConfigKey): StorageKeys {
    const id = configId(key);
    let keys = this.#storageKeys.get(id);
    if (!keys) {
      if (this.#storageKeys.size >= MAX_CACHED_KEYS) this.#storageKeys.clear();
      keys = {
        snapshot: storageKey('snapshot', 'config', key.tenant, key.group, key.dataId),
        failover: storageKey('failover', 'config', key.tenant, key.group, key.dataId),
      };
      this.#storageKeys.set(id, keys);
    }
    return keys;
  }

  async #storageGet(key: string): Promise<string | undefined> {
    try {
      return await this.#storage.get(key);
    } catch (error) {
      this.#log.warn(`storage read of ${key} failed; ignoring it`, error);
      return undefined;
    }
  }
}

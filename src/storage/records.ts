import { NacosError } from '../errors.js';
import { configMd5Async } from '../util/crypto.js';
import { storageKey, type StoragePort } from './port.js';

/** What a config snapshot holds. The md5 lets a reader tell a complete entry from a damaged one. */
export interface ConfigSnapshot {
  content: string;
  md5: string;
  type: string | undefined;
  /** Epoch ms of the server read it came from. */
  savedAt: number;
}

/**
 * Serialises a snapshot (JSON with a format version). `md5` is the server's md5 of `content` (the
 * protocol's, so writing a snapshot hashes nothing); a reader recomputes it to tell a damaged entry.
 */
export function encodeConfigSnapshot(content: string, md5: string, type: string | undefined, savedAt = Date.now()): string {
  return JSON.stringify({ v: 1, content, md5, ...(type ? { type } : {}), savedAt });
}

/**
 * Parses a snapshot. Throws `INVALID_CONTENT` when it is damaged (truncated, edited, not ours), so the
 * caller can log it and treat it as absent.
 */
export async function decodeConfigSnapshot(text: string): Promise<ConfigSnapshot> {
  let parsed: { v?: unknown; content?: unknown; md5?: unknown; type?: unknown; savedAt?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (cause) {
    throw new NacosError('INVALID_CONTENT', 'the snapshot entry is damaged (not complete JSON)', { cause });
  }
  if (parsed?.v !== 1 || typeof parsed.content !== 'string' || typeof parsed.md5 !== 'string' || typeof parsed.savedAt !== 'number') {
    throw new NacosError('INVALID_CONTENT', 'the snapshot entry is not a nacos-edge snapshot');
  }
  if ((await configMd5Async(parsed.content)) !== parsed.md5) throw new NacosError('INVALID_CONTENT', 'the snapshot entry is damaged (md5 mismatch)');
  return { content: parsed.content, md5: parsed.md5, type: typeof parsed.type === 'string' ? parsed.type : undefined, savedAt: parsed.savedAt };
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

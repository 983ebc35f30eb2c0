/**
 * The storage port: where the client keeps failover entries (operator overrides that win over the
 * server) and snapshots (last good server answers, used when no server answers). Adapters live in
 * their own subpath exports (`nacos-edge/storage/memory`, …); the core imports none of them.
 *
 * @module
 */

/** A small async key-value store. Keys are `/`-separated paths built by {@link storageKey}. */
export interface StoragePort {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys that start with `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
}

/** The two logical areas of the store. */
export type StorageArea = 'failover' | 'snapshot';

/**
 * Builds a storage key. Every segment is percent-encoded (also `.`, `/`, `\` and NUL), so no
 * dataId, group or namespace can produce `..`, a separator, or collide with another key.
 */
export function storageKey(area: StorageArea, kind: 'config' | 'naming', ...segments: string[]): string {
  return [area, kind, ...segments.map(encodeSegment)].join('/');
}

function encodeSegment(segment: string): string {
  // encodeURIComponent leaves `. ! ~ * ' ( )` alone; `.` matters (`..`), the others are escaped for uniformity.
  // An empty segment (public namespace) becomes `%` + nothing would be ambiguous, so it gets a marker.
  if (segment === '') return '_';
  return encodeURIComponent(segment).replace(/[.!~*'()_]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One service instance, as the naming API returns it. */
export interface Instance {
  instanceId: string;
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  /** The plain service name (without the `group@@` prefix). */
  serviceName: string;
  metadata: Record<string, string>;
}

/** A service with its instances (the instance-list answer). */
export interface ServiceInfo {
  name: string;
  groupName: string;
  /** Comma-separated clusters the list was filtered by (`''` = all). */
  clusters: string;
  hosts: Instance[];
  checksum: string;
  lastRefTime: number;
  /** How long the server suggests caching this list; subscriptions poll at this pace on v1 servers. */
  cacheMillis: number;
  reachProtectionThreshold: boolean;
}

/** What changed between two instance lists, keyed by instanceId. */
export interface InstanceDiff {
  added: Instance[];
  removed: Instance[];
  /** The new versions of instances whose weight, health, metadata or other fields changed. */
  modified: Instance[];
}

export const GROUP_SEPARATOR = '@@';

/** The key of one instance of a service in a client's registry. */
export const instanceKey = (f: { serviceName: string; groupName: string; ip: string; port: number; clusterName: string }): string =>
  `${f.groupName}@@${f.serviceName}#${f.clusterName}#${f.ip}#${f.port}`;

/** `group@@service`, the grouped name v1 endpoints use. */
export function groupedName(serviceName: string, groupName: string): string {
  return `${groupName}${GROUP_SEPARATOR}${serviceName}`;
}

/** The service name without its `group@@` prefix; `fallback` when `name` is none. */
export function plainName(name: unknown, fallback: string): string {
  if (typeof name !== 'string' || name === '') return fallback;
  const at = name.indexOf(GROUP_SEPARATOR);
  return at < 0 ? name : name.slice(at + GROUP_SEPARATOR.length);
}

function toStringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** Normalises an instance from any server generation (and from r-nacos) into {@link Instance}. */
export function toInstance(raw: Record<string, unknown>, serviceName: string, groupName: string): Instance {
  const ip = String(raw['ip'] ?? '');
  const port = Number(raw['port'] ?? 0);
  const clusterName = String(raw['clusterName'] ?? raw['cluster'] ?? 'DEFAULT');
  const name = plainName(raw['serviceName'], serviceName);
  return {
    instanceId: typeof raw['instanceId'] === 'string' && raw['instanceId'] !== '' ? raw['instanceId'] : `${ip}#${port}#${clusterName}#${groupedName(name, groupName)}`,
    ip,
    port,
    weight: Number(raw['weight'] ?? 1),
    healthy: raw['healthy'] !== false,
    enabled: raw['enabled'] !== false,
    ephemeral: raw['ephemeral'] !== false,
    clusterName,
    serviceName: name,
    metadata: toStringRecord(raw['metadata']),
  };
}

/**
 * A service's list as the v1 list API answers it and gRPC answers and pushes carry it (`serviceInfo`), into
 * {@link ServiceInfo}: its instances named `serviceName` of `groupName`.
 */
export function toServiceInfo(raw: Record<string, unknown>, serviceName: string, groupName: string, clusters: string): ServiceInfo {
  const hosts = Array.isArray(raw['hosts']) ? (raw['hosts'] as Record<string, unknown>[]) : [];
  return {
    name: serviceName,
    groupName,
    clusters,
    hosts: hosts.map((h) => toInstance(h, serviceName, groupName)),
    checksum: typeof raw['checksum'] === 'string' ? raw['checksum'] : '',
    lastRefTime: Number(raw['lastRefTime'] ?? Date.now()),
    cacheMillis: Number(raw['cacheMillis'] ?? 10_000),
    reachProtectionThreshold: raw['reachProtectionThreshold'] === true,
  };
}

/** Compares two instance lists by instanceId. */
export function diffInstances(before: readonly Instance[], after: readonly Instance[]): InstanceDiff {
  const old = new Map(before.map((i) => [i.instanceId, i]));
  const next = new Map(after.map((i) => [i.instanceId, i]));
  const diff: InstanceDiff = { added: [], removed: [], modified: [] };
  for (const [id, instance] of next) {
    const previous = old.get(id);
    if (!previous) diff.added.push(instance);
    else if (fingerprint(previous) !== fingerprint(instance)) diff.modified.push(instance);
  }
  for (const [id, instance] of old) if (!next.has(id)) diff.removed.push(instance);
  return diff;
}

/** A stable string for an instance, so field order and metadata key order never count as changes. */
export function fingerprint(i: Instance): string {
  const metadata = Object.keys(i.metadata)
    .sort()
    .map((k) => `${k}=${i.metadata[k]}`)
    .join('\u0001');
  return [i.instanceId, i.ip, i.port, i.weight, i.healthy, i.enabled, i.ephemeral, i.clusterName, metadata].join('\u0002');
}

/**
 * Weighted random choice among `instances` by their (float) weights.
 * @param random a source of numbers in [0, 1); inject one for deterministic tests.
 * @returns undefined when no instance has a positive weight.
 */
export function pickWeighted<T extends { weight: number }>(instances: readonly T[], random: () => number = Math.random): T | undefined {
  let total = 0;
  for (const i of instances) if (i.weight > 0 && Number.isFinite(i.weight)) total += i.weight;
  if (total <= 0) return undefined;
  let point = random() * total;
  let last: T | undefined;
  for (const i of instances) {
    if (!(i.weight > 0) || !Number.isFinite(i.weight)) continue;
    last = i;
    point -= i.weight;
    if (point < 0) return i;
  }
  return last;
}

import { NacosError } from '../errors.js';
import { envelopeError, parseEnvelope } from '../transport/envelope.js';
import { errorForStatus, snippet, type ApiGeneration, type NacosResponse } from '../transport/classify.js';
import type { Transport } from '../transport/http.js';
import { groupedName, toInstance, toServiceInfo, type Instance, type ServiceInfo } from './model.js';

/** Everything that identifies and describes an instance on the wire. */
export interface InstanceFields {
  serviceName: string;
  groupName: string;
  namespaceId: string;
  ip: string;
  port: number;
  clusterName: string;
  weight: number;
  enabled: boolean;
  healthy: boolean;
  ephemeral: boolean;
  metadata: Record<string, string>;
}

/** A beat answer (v1), or the renew outcome (v3) in the same shape. */
export interface BeatAnswer {
  /** 10200 ok; 20404 (v1) / 21003 (v3) the server no longer knows the instance. */
  code: number;
  clientBeatInterval: number | undefined;
  lightBeatEnabled: boolean;
}

export const BEAT_OK = 10200;
export const BEAT_UNKNOWN_INSTANCE_V1 = 20404;
export const RENEW_UNKNOWN_INSTANCE_V3 = 21003;

/**
 * `clusterName` for "every cluster" on the v3 instance list. A blank one means the DEFAULT cluster only on 3.0.x
 * and 3.1.x (the form fills it in) and every cluster from 3.2 on (alibaba/nacos#14778). An empty comma-separated
 * list passes the form's blank check on both and splits into an empty cluster filter, which selects every
 * cluster: one request, no admin rights, the same answer on every 3.x (checked against 3.0.3; 3.2's code reads it
 * the same way).
 */
const ALL_CLUSTERS = ',';

const sign = (f: { serviceName: string; groupName: string }) => ({ kind: 'naming' as const, groupedServiceName: groupedName(f.serviceName, f.groupName) });

function identity(f: InstanceFields, generation: ApiGeneration) {
  return {
    serviceName: generation === 'v1' ? groupedName(f.serviceName, f.groupName) : f.serviceName,
    groupName: f.groupName,
    namespaceId: f.namespaceId,
    ip: f.ip,
    port: f.port,
    clusterName: f.clusterName,
    ephemeral: f.ephemeral,
  };
}

function describeFields(f: InstanceFields): string {
  return `${f.ip}:${f.port} of ${f.groupName}/${f.serviceName}`;
}

function body(f: InstanceFields, generation: ApiGeneration) {
  return {
    ...identity(f, generation),
    weight: f.weight,
    enabled: f.enabled,
    healthy: f.healthy,
    metadata: JSON.stringify(f.metadata),
  };
}

/** The JSON of a 200 answer; one that is not JSON is a SERVER error. */
function parseJson<T>(res: NacosResponse, what: string): T {
  try {
    return JSON.parse(res.body) as T;
  } catch (cause) {
    throw new NacosError('SERVER', `${what}: the answer is not JSON`, { cause, server: res.server.origin });
  }
}

function expectOk(res: NacosResponse, generation: ApiGeneration, what: string): true {
  if (generation === 'v1') {
    if (res.status === 200 && res.body.trim() === 'ok') return true;
    throw res.status === 200 ? new NacosError('SERVER', `${what}: unexpected answer ${JSON.stringify(res.body.slice(0, 100))}`, { status: 200, server: res.server.origin }) : errorForStatus(res, what);
  }
  const e = parseEnvelope(res, what);
  if (e.code === 0) return true;
  throw envelopeError(res, e, what);
}

/** Registers (or re-registers) an instance. */
export async function registerInstance(transport: Transport, generation: ApiGeneration, f: InstanceFields, signal?: AbortSignal): Promise<true> {
  const what = `register ${describeFields(f)}`;
  const res = await transport.request({
    method: 'POST',
    path: generation === 'v1' ? '/v1/ns/instance' : '/v3/client/ns/instance',
    form: body(f, generation),
    sign: sign(f),
    signal,
  });
  return expectOk(res, generation, what);
}

/** Deregisters an instance (absent instances are a no-op on the server). */
export async function deregisterInstance(transport: Transport, generation: ApiGeneration, f: InstanceFields, signal?: AbortSignal): Promise<true> {
  const what = `deregister ${describeFields(f)}`;
  const res = await transport.request({
    method: 'DELETE',
    path: generation === 'v1' ? '/v1/ns/instance' : '/v3/client/ns/instance',
    query: identity(f, generation),
    sign: sign(f),
    signal,
  });
  return expectOk(res, generation, what);
}

/**
 * Updates an instance in place (`PUT /v1/ns/instance`). Resolves `false` when the server has no such
 * endpoint (3.x answers 410; 3.2+ 404), so the caller re-registers instead.
 */
export async function updateInstanceInPlace(transport: Transport, generation: ApiGeneration, f: InstanceFields, signal?: AbortSignal): Promise<boolean> {
  if (generation !== 'v1') return false;
  const res = await transport.request({ method: 'PUT', path: '/v1/ns/instance', form: body(f, generation), sign: sign(f), signal });
  if (res.status === 410 || res.status === 404 || res.status === 405 || res.status === 501) return false;
  return expectOk(res, generation, `update ${describeFields(f)}`);
}

/** One heartbeat: v1 `PUT /v1/ns/instance/beat` (full beat unless light), v3 renew (`heartBeat=true`). */
export async function sendBeat(transport: Transport, generation: ApiGeneration, f: InstanceFields, light: boolean, signal?: AbortSignal): Promise<BeatAnswer> {
  const what = `beat ${describeFields(f)}`;
  if (generation === 'v1') {
    const query: Record<string, string | number | boolean | undefined> = {
      serviceName: groupedName(f.serviceName, f.groupName),
      groupName: f.groupName,
      namespaceId: f.namespaceId,
      clusterName: f.clusterName,
      ip: f.ip,
      port: f.port,
    };
    if (!light) {
      query['beat'] = JSON.stringify({
        ip: f.ip,
        port: f.port,
        serviceName: groupedName(f.serviceName, f.groupName),
        cluster: f.clusterName,
        weight: f.weight,
        ephemeral: f.ephemeral,
        metadata: f.metadata,
      });
    }
    const res = await transport.request({ method: 'PUT', path: '/v1/ns/instance/beat', query, sign: sign(f), signal });
    if (res.status !== 200) throw errorForStatus(res, what);
    const parsed = parseJson<{ code?: unknown; clientBeatInterval?: unknown; lightBeatEnabled?: unknown }>(res, what);
    return {
      code: typeof parsed.code === 'number' ? parsed.code : BEAT_OK,
      clientBeatInterval: typeof parsed.clientBeatInterval === 'number' && parsed.clientBeatInterval > 0 ? parsed.clientBeatInterval : undefined,
      lightBeatEnabled: parsed.lightBeatEnabled === true,
    };
  }
  const res = await transport.request({
    method: 'POST',
    path: '/v3/client/ns/instance',
    form: { ...identity(f, generation), heartBeat: true },
    sign: sign(f),
    signal,
  });
  const e = parseEnvelope(res, what);
  if (e.code === 0) return { code: BEAT_OK, clientBeatInterval: undefined, lightBeatEnabled: true };
  if (e.code === RENEW_UNKNOWN_INSTANCE_V3) return { code: RENEW_UNKNOWN_INSTANCE_V3, clientBeatInterval: undefined, lightBeatEnabled: true };
  throw envelopeError(res, e, what);
}

/** The instance list of a service (all instances; the caller filters by health). */
export async function listInstances(
  transport: Transport,
  generation: ApiGeneration,
  q: { serviceName: string; groupName: string; namespaceId: string; clusters: string[]; healthyOnly: boolean },
  signal?: AbortSignal,
): Promise<ServiceInfo> {
  const what = `list instances of ${q.groupName}/${q.serviceName}`;
  const clusters = q.clusters.join(',');
  if (generation === 'v1') {
    const res = await transport.request({
      method: 'GET',
      path: '/v1/ns/instance/list',
      // healthyOnly is always sent: r-nacos defaults it to true where Nacos defaults it to false.
      query: { serviceName: groupedName(q.serviceName, q.groupName), groupName: q.groupName, namespaceId: q.namespaceId, clusters: clusters || undefined, healthyOnly: q.healthyOnly },
      sign: { kind: 'naming', groupedServiceName: groupedName(q.serviceName, q.groupName) },
      signal,
    });
    if (res.status !== 200) throw errorForStatus(res, what);
    const info = toServiceInfo(parseJson<Record<string, unknown>>(res, what), q.serviceName, q.groupName, clusters);
    // Filtered here too: not every server honours `clusters` (r-nacos ignores it).
    return { ...info, hosts: inClusters(info.hosts, q.clusters) };
  }
  const res = await transport.request({
    method: 'GET',
    path: '/v3/client/ns/instance/list',
    query: { serviceName: q.serviceName, groupName: q.groupName, namespaceId: q.namespaceId, clusterName: clusters || ALL_CLUSTERS, healthyOnly: q.healthyOnly },
    sign: { kind: 'naming', groupedServiceName: groupedName(q.serviceName, q.groupName) },
    signal,
  });
  const e = parseEnvelope(res, what);
  if (e.code !== 0) throw envelopeError(res, e, what);
  const list = Array.isArray(e.data) ? (e.data as Record<string, unknown>[]) : [];
  const hosts = inClusters(
    list.map((h) => toInstance(h, q.serviceName, q.groupName)),
    q.clusters,
  );
  return {
    name: q.serviceName,
    groupName: q.groupName,
    clusters,
    // v3 ignores healthyOnly on the server (the form accepts it but does not use it).
    hosts: q.healthyOnly ? hosts.filter((h) => h.healthy) : hosts,
    checksum: '',
    lastRefTime: Date.now(),
    cacheMillis: 10_000,
    reachProtectionThreshold: false,
  };
}

function inClusters(hosts: Instance[], clusters: readonly string[]): Instance[] {
  return clusters.length === 0 ? hosts : hosts.filter((h) => clusters.includes(h.clusterName));
}

/** One page of service names. */
export interface ServicePage {
  count: number;
  services: string[];
}

/** Lists services: v1 `/v1/ns/service/list`, 3.x admin `/v3/admin/ns/service/list` (needs an admin-capable login). */
export async function listServices(
  transport: Transport,
  generation: ApiGeneration,
  q: { pageNo: number; pageSize: number; groupName: string; namespaceId: string },
  signal?: AbortSignal,
): Promise<ServicePage> {
  const what = `list services of group ${q.groupName}`;
  if (generation === 'v1') {
    const res = await transport.request({ method: 'GET', path: '/v1/ns/service/list', query: q, sign: { kind: 'naming' }, signal });
    if (res.status !== 200) throw errorForStatus(res, what);
    let raw: { count?: unknown; doms?: unknown };
    try {
      raw = JSON.parse(res.body) as typeof raw;
    } catch (cause) {
      throw new NacosError('SERVER', `${what}: the answer is not JSON: ${snippet(res.body)}`, { cause, status: res.status, server: res.server.origin });
    }
    return { count: Number(raw.count ?? 0), services: Array.isArray(raw.doms) ? raw.doms.map(String) : [] };
  }
  if (!transport.hasLogin) {
    throw new NacosError('AUTH', `${what}: Nacos 3.2+ lists services only through its admin API, which needs an admin-capable login (none configured)`);
  }
  const res = await transport.request({ method: 'GET', path: '/v3/admin/ns/service/list', query: q, sign: { kind: 'naming' }, signal });
  if (res.status === 403) {
    throw new NacosError('AUTH', `${what}: Nacos 3.2+ lists services only through its admin API, which this user may not use (HTTP 403)`, { status: 403, server: res.server.origin });
  }
  const e = parseEnvelope(res, what);
  if (e.code !== 0) throw envelopeError(res, e, what);
  const data = (e.data ?? {}) as { count?: unknown; totalCount?: unknown; serviceList?: unknown; pageItems?: unknown };
  const items = (Array.isArray(data.pageItems) ? data.pageItems : Array.isArray(data.serviceList) ? data.serviceList : []) as unknown[];
  return {
    count: Number(data.totalCount ?? data.count ?? items.length),
    services: items.map((item) => (typeof item === 'string' ? item : String((item as { name?: unknown }).name ?? ''))).filter((n) => n !== ''),
  };
}

export type { Instance, ServiceInfo };

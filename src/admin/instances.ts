import * as z from 'zod/mini';
import { isNacosError, NacosError } from '../errors.js';
import { atLeast, atMost, integer, matches, maxChars, nonEmpty, parseOrThrow, signalSchema } from '../validation.js';
import type { AdminContext } from './context.js';
import type { AdminInstance, CallOptions, InstanceRef, InstancesRef, InstanceUpdate } from './model.js';
import { metadataSchema, namingScope, serviceDetail, serviceNameSchema, serviceParams, stringMap } from './services.js';

const DEFAULT_CLUSTER = 'DEFAULT';
/** Instances per request of the 2.x catalog list (it pages; one page is enough for all but huge clusters). */
const CATALOG_PAGE = 500;

const clusterSchema = z.string().check(nonEmpty(), maxChars(64), matches(/^[0-9A-Za-z_-]+$/, 'may contain only ASCII letters, digits, _ and -'));
const ipSchema = z.string().check(nonEmpty(), maxChars(253), matches(/^[0-9A-Za-z.:_-]+$/, 'must be an IPv4 or IPv6 address or a host name'));
const portSchema = z.number().check(integer, atLeast(1, 'must be between 1 and 65535'), atMost(65535, 'must be between 1 and 65535'));
const servicesSchema = z.strictObject({ ...namingScope, serviceName: serviceNameSchema });
const targetFields = { ...namingScope, serviceName: serviceNameSchema, ip: ipSchema, port: portSchema, clusterName: z.optional(clusterSchema), ephemeral: z.optional(z.boolean()) };
const targetSchema = z.strictObject(targetFields);
const updateSchema = z.strictObject({
  ...targetFields,
  enabled: z.optional(z.boolean()),
  weight: z.optional(z.number().check(atLeast(0, 'must be between 0 and 10000'), atMost(10_000, 'must be between 0 and 10000'))),
  metadata: z.optional(metadataSchema),
});
const optionsSchema = z.optional(z.object({ signal: signalSchema }));
type Target = z.infer<typeof targetSchema>;
type Scope = z.infer<typeof servicesSchema>;

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/**
 * Admin calls for the instances of a service: the list across every cluster (disabled and unhealthy ones included),
 * partial updates, enable/disable, and the health of persistent instances. On 2.x the console catalog
 * (`/v1/ns/catalog/instances`) and the v2 open API (`/v2/ns/instance`); on 3.x `/v3/admin/ns/instance`.
 */
export class AdminInstances {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }

  /**
   * Every instance of the service, in every cluster: the servers list one cluster per request (3.x only `DEFAULT`
   * unless told), so this reads the service's clusters and asks each. The client lists (`/v1/ns/instance/list`) leave
   * disabled instances out; these do not. `NOT_FOUND` when there is no such service.
   */
  async list(service: InstancesRef, options: CallOptions = {}): Promise<AdminInstance[]> {
    const ref = parseOrThrow(servicesSchema, service, 'instances.list');
    const { signal } = parseOrThrow(optionsSchema, options, 'instances.list') ?? {};
    const detail = await serviceDetail(this.#context, { ...ref, name: ref.serviceName }, signal);
    const lists = await Promise.all(detail.clusters.map((c) => this.#cluster(ref, c.name, signal)));
    return lists.flat();
  }

  /**
   * Changes the given fields of an instance (enabled, weight, metadata) and keeps the rest. The servers' update resets
   * every field it is not sent (and 3.x's partial update resets weight and enabled), so this reads the instance and
   * sends the merged whole; a change made by someone else between the read and the write is lost. `NOT_FOUND` when
   * there is no such instance.
   */
  async update(instance: InstanceUpdate, options: CallOptions = {}): Promise<void> {
    const target = parseOrThrow(updateSchema, instance, 'instances.update');
    const { signal } = parseOrThrow(optionsSchema, options, 'instances.update') ?? {};
    const current = await this.#find(target, signal);
    const v3 = (await this.#context.generation(signal)) === 'v3';
    await this.#context.data({
      method: 'PUT',
      path: v3 ? '/v3/admin/ns/instance' : '/v2/ns/instance',
      form: {
        ...instanceParams(target, current),
        weight: target.weight ?? current.weight,
        enabled: target.enabled ?? current.enabled,
        metadata: JSON.stringify(target.metadata ?? current.metadata),
      },
      signal,
      what: `update instance ${target.ip}:${target.port}`,
    });
  }

  /** Enables or disables an instance (a disabled one is not given to consumers); the rest is kept. */
  async setEnabled(instance: InstanceRef, enabled: boolean, options: CallOptions = {}): Promise<void> {
    if (typeof enabled !== 'boolean') throw new NacosError('VALIDATION', 'instances.setEnabled: enabled must be a boolean');
    parseOrThrow(targetSchema, instance, 'instances.setEnabled');
    return this.update({ ...instance, enabled }, options);
  }

  /**
   * Marks a persistent instance healthy or not. The server allows it only where nothing checks the instance's health:
   * its cluster's health checker is `NONE` (else `UNSUPPORTED`); an ephemeral instance's health follows its heartbeats
   * (`UNSUPPORTED`). Nacos 2.5.1 and 3.0.3 refuse every such change ("persistent service, can't register ephemeral
   * instance": the health API re-registers the instance as ephemeral); there this re-registers the persistent instance
   * itself with its current weight, enabled flag and metadata and the new health, which is what the server meant to do.
   */
  async setHealthy(instance: InstanceRef, healthy: boolean, options: CallOptions = {}): Promise<void> {
    const target = parseOrThrow(targetSchema, instance, 'instances.setHealthy');
    if (typeof healthy !== 'boolean') throw new NacosError('VALIDATION', 'instances.setHealthy: healthy must be a boolean');
    const { signal } = parseOrThrow(optionsSchema, options, 'instances.setHealthy') ?? {};
    const current = await this.#find(target, signal);
    const what = `set health of instance ${target.ip}:${target.port}`;
    if (current.ephemeral) throw new NacosError('UNSUPPORTED', `${what}: it is ephemeral; its health follows its heartbeats`);
    const v3 = (await this.#context.generation(signal)) === 'v3';
    try {
      await this.#context.data({ method: 'PUT', path: v3 ? '/v3/admin/ns/health/instance' : '/v2/ns/health/instance', form: { ...instanceParams(target, current), healthy }, signal, what });
      return;
    } catch (error) {
      if (!isNacosError(error)) throw error;
      if (/health check is still working/i.test(error.message)) {
        throw new NacosError('UNSUPPORTED', `${what}: the health checker of cluster ${current.clusterName} is on (set it to NONE to mark health by hand)`, { cause: error });
      }
      if (!/persistent service, can't register ephemeral/i.test(error.message)) throw error;
      this.#context.log.debug(`${what}: the server's health API cannot change persistent instances; registering the instance again with the new health`);
    }
    await this.#context.data({
      method: 'POST',
      path: v3 ? '/v3/admin/ns/instance' : '/v2/ns/instance',
      form: { ...instanceParams(target, current), weight: current.weight, enabled: current.enabled, healthy, metadata: JSON.stringify(current.metadata) },
      signal,
      what,
    });
  }

  /** The instance `target` names, as the admin list shows it; `NOT_FOUND` when absent. */
  async #find(target: Target, signal: AbortSignal | undefined): Promise<AdminInstance> {
    const cluster = target.clusterName ?? DEFAULT_CLUSTER;
    const found = (await this.#cluster(target, cluster, signal)).find(
      (i) => i.ip === target.ip && i.port === target.port && (target.ephemeral === undefined || i.ephemeral === target.ephemeral),
    );
    if (!found) throw new NacosError('NOT_FOUND', `no instance ${target.ip}:${target.port} in cluster ${cluster} of service ${target.serviceName}`);
    return found;
  }

  /** The instances of one cluster (2.x pages them; 3.x answers all at once). */
  async #cluster(ref: Scope, cluster: string, signal: AbortSignal | undefined): Promise<AdminInstance[]> {
    const params = { ...serviceParams({ ...ref, name: ref.serviceName }), clusterName: cluster };
    const what = `list instances of ${ref.serviceName}`;
    if ((await this.#context.generation(signal)) === 'v3') {
      const data = await this.#context.data({ method: 'GET', path: '/v3/admin/ns/instance/list', query: { ...params, healthyOnly: false }, signal, what });
      return Array.isArray(data) ? data.map((raw) => instance(raw, cluster)) : [];
    }
    // The 2.x catalog reads the group from the grouped name (`group@@service`) only; a groupName parameter is ignored.
    const query = { namespaceId: params.namespaceId, serviceName: `${params.groupName}@@${params.serviceName}`, clusterName: cluster, pageSize: CATALOG_PAGE };
    const all: AdminInstance[] = [];
    for (let pageNo = 1; ; pageNo++) {
      const body = record(await this.#context.json({ method: 'GET', path: '/v1/ns/catalog/instances', query: { ...query, pageNo }, signal, what }));
      const list = Array.isArray(body['list']) ? body['list'] : [];
      all.push(...list.map((raw) => instance(raw, cluster)));
      if (list.length < CATALOG_PAGE || all.length >= Number(body['count'])) return all;
    }
  }
}

/** The parameters that name an instance, with its ephemeral flag as the server has it (its update and health need it). */
function instanceParams(target: Target, current: AdminInstance) {
  return { ...serviceParams({ ...target, name: target.serviceName }), ip: target.ip, port: target.port, clusterName: current.clusterName, ephemeral: current.ephemeral };
}

function instance(raw: unknown, cluster: string): AdminInstance {
  const i = record(raw);
  const result: AdminInstance = {
    ip: String(i['ip'] ?? ''),
    port: Number(i['port'] ?? 0),
    clusterName: typeof i['clusterName'] === 'string' && i['clusterName'] !== '' ? i['clusterName'] : cluster,
    weight: typeof i['weight'] === 'number' ? i['weight'] : 1,
    healthy: i['healthy'] !== false,
    enabled: i['enabled'] !== false,
    ephemeral: i['ephemeral'] !== false,
    metadata: stringMap(i['metadata']),
  };
  if (typeof i['instanceId'] === 'string' && i['instanceId'] !== '') result.instanceId = i['instanceId'];
  return result;
}

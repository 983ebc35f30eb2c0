import * as z from 'zod/mini';
import type { ClientConfig } from '../client-config.js';
import { isNacosError, messageOf, NacosError } from '../errors.js';
import { leveledLogger, type Logger } from '../logger.js';
import { createStorage } from '../storage/memory.js';
import { storageKey, type StoragePort } from '../storage/port.js';
import { SnapshotWriter } from '../storage/records.js';
import type { NamingPushDriver } from '../push/port.js';
import { Transport } from '../transport/http.js';
import { Mailbox } from '../util/mailbox.js';
import { eachBounded } from '../util/pool.js';
import { OwnWrites } from '../util/own-writes.js';
import { backoffMs, jitter, sleep } from '../util/time.js';
import { atLeast, atMost, DEFAULT_GROUP, fn, groupSchema, integer, matches, maxChars, nonEmpty, parseOrThrow, signalSchema } from '../validation.js';
import { BeatScheduler, type BeatTask } from './beats.js';
import { diffInstances, fingerprint, groupedName, instanceKey, pickWeighted, type Instance, type InstanceDiff, type ServiceInfo } from './model.js';
import {
  BEAT_UNKNOWN_INSTANCE_V1,
  deregisterInstance,
  listInstances,
  listServices,
  registerInstance,
  RENEW_UNKNOWN_INSTANCE_V3,
  sendBeat,
  updateInstanceInPlace,
  type BeatAnswer,
  type InstanceFields,
  type ServicePage,
} from './protocol.js';

export type { Instance, InstanceDiff, ServiceInfo } from './model.js';
export type { BeatAnswer, ServicePage } from './protocol.js';

const DEFAULT_CLUSTER = 'DEFAULT';
const DEFAULT_BEAT_INTERVAL_MS = 5000;
const MAX_METADATA_JSON = 16 * 1024;

export const serviceNameSchema = z.string().check(
  nonEmpty(),
  maxChars(512),
  z.refine((s) => !s.includes('@@'), 'must not contain @@ (give the group as groupName)'),
  matches(/^[\p{L}\p{N}_\-.:~]+$/u, 'may contain only letters, digits and _ - . : ~'),
);
const clusterSchema = z.string().check(maxChars(64), matches(/^[0-9A-Za-z-]+$/, 'may contain only ASCII letters, digits and -'));
const ipSchema = z.string().check(
  nonEmpty(),
  maxChars(253),
  matches(/^(?:[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?)(?:\.[0-9A-Za-z](?:[0-9A-Za-z-]*[0-9A-Za-z])?)*$|^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/, 'must be an IPv4 or IPv6 address or a host name'),
);
const portSchema = z.number().check(integer, atLeast(1, 'must be between 1 and 65535'), atMost(65535, 'must be between 1 and 65535'));
const weightSchema = z.number().check(atLeast(0, 'must be between 0 and 10000'), atMost(10_000, 'must be between 0 and 10000'));
// A custom check rather than z.record, whose classes would add ~0.3 kB gzip to every bundle with naming.
const metadataSchema = z.custom<Record<string, string>>(
  (m) => typeof m === 'object' && m !== null && !Array.isArray(m) && Object.values(m).every((v) => typeof v === 'string'),
  'must be an object of string values',
).check(
  z.refine((m) => Object.keys(m).every((k) => k.length > 0), 'keys must not be empty'),
  z.refine((m) => Object.keys(m).every((k) => k.length <= 256), 'keys must be at most 256 characters'),
  z.refine((m) => JSON.stringify(m).length <= MAX_METADATA_JSON, `must serialise to at most ${MAX_METADATA_JSON} characters`),
  z.refine((m) => preservedTimingsConsistent(m), 'preserved.heart.beat.interval must not exceed preserved.heart.beat.timeout or preserved.ip.delete.timeout, and each must be a positive integer'),
);

function preservedTimingsConsistent(m: Record<string, string>): boolean {
  const [interval, timeout, deleteTimeout] = ['preserved.heart.beat.interval', 'preserved.heart.beat.timeout', 'preserved.ip.delete.timeout'].map((k) =>
    m[k] === undefined ? undefined : Number(m[k]),
  );
  const valid = (v: number | undefined) => v === undefined || (Number.isInteger(v) && v > 0);
  // A comparison with an absent (undefined) one is false: nothing to exceed.
  return valid(interval) && valid(timeout) && valid(deleteTimeout) && !(interval! > timeout!) && !(interval! > deleteTimeout!);
}

const serviceFields = { serviceName: serviceNameSchema, groupName: z.optional(groupSchema), signal: signalSchema };
const instanceFields = {
  ...serviceFields,
  ip: ipSchema,
  port: portSchema,
  weight: z.optional(weightSchema),
  clusterName: z.optional(clusterSchema),
  metadata: z.optional(metadataSchema),
  enabled: z.optional(z.boolean()),
  healthy: z.optional(z.boolean()),
  ephemeral: z.optional(z.boolean()),
};
const registerSchema = z.strictObject(instanceFields);
const batchSchema = z.strictObject({
  ...serviceFields,
  instances: z.array(z.strictObject({ ...instanceFields, serviceName: z.optional(serviceNameSchema), groupName: z.optional(groupSchema) })).check(nonEmpty()),
});
const deregisterSchema = z.strictObject({ ...serviceFields, ip: ipSchema, port: portSchema, clusterName: z.optional(clusterSchema), ephemeral: z.optional(z.boolean()) });
const clustersField = { clusters: z.optional(z.array(clusterSchema)) };
const getServiceSchema = z.strictObject({ ...serviceFields, ...clustersField });
const listInstancesSchema = z.strictObject({ ...serviceFields, ...clustersField, healthyOnly: z.optional(z.boolean()) });
const selectSchema = z.strictObject({ ...serviceFields, ...clustersField, random: z.optional(fn<() => number>()) });
const listServicesSchema = z.strictObject({
  pageNo: z.optional(z.number().check(integer, atLeast(1))),
  pageSize: z.optional(z.number().check(integer, atLeast(1), atMost(1000, 'must be at most 1000'))),
  groupName: z.optional(groupSchema),
  signal: signalSchema,
});
const subscribeSchema = z.strictObject({
  ...serviceFields,
  ...clustersField,
  subscribeCallback: fn<SubscribeCallback>('must be a function (instances, diff) => void'),
  intervalMs: z.optional(z.number().check(integer, atLeast(100))),
  allowEmptyPush: z.optional(z.boolean()),
});
const unsubscribeSchema = z.strictObject({ ...serviceFields, ...clustersField, subscribeCallback: fn<SubscribeCallback>() });

/** Parameters of {@link NacosNamingService.registerInstance}. */
export type RegisterInstanceParams = z.input<typeof registerSchema>;
/** Parameters of {@link NacosNamingService.batchRegisterInstances}. */
export type BatchRegisterParams = z.input<typeof batchSchema>;
/** Parameters of {@link NacosNamingService.deregisterInstance}. */
export type DeregisterInstanceParams = z.input<typeof deregisterSchema>;
/** Parameters of {@link NacosNamingService.getService}. */
export type GetServiceParams = z.input<typeof getServiceSchema>;
/** Parameters of {@link NacosNamingService.listInstances}. */
export type ListInstancesParams = z.input<typeof listInstancesSchema>;
/** Parameters of {@link NacosNamingService.selectOneHealthyInstance}. */
export type SelectInstanceParams = z.input<typeof selectSchema>;
/** Parameters of {@link NacosNamingService.listServices}. */
export type ListServicesParams = z.input<typeof listServicesSchema>;
/** Parameters of {@link NacosNamingService.subscribe}. */
export type SubscribeParams = z.input<typeof subscribeSchema>;
/** Parameters of {@link NacosNamingService.unsubscribe}. */
export type UnsubscribeParams = z.input<typeof unsubscribeSchema>;

/** Called with the full instance list and what changed since the previous call. */
export type SubscribeCallback = (instances: Instance[], diff: InstanceDiff) => void | Promise<void>;

interface SubscriberRecord {
  readonly callback: SubscribeCallback;
  readonly allowEmptyPush: boolean;
  /** Fingerprint of the list last handed to this callback's mailbox. */
  seen: string | undefined;
  /** The list last handed to its mailbox (push-empty protection compares with it). */
  last: Instance[];
  /** The list the callback last received: diffs are taken against it, so a skipped (coalesced) list loses nothing. */
  delivered: Instance[];
  /** In order, one at a time, isolated from the other subscribers; a slow one gets the latest list, no backlog. */
  readonly mailbox: Mailbox<Instance[]>;
}

interface Subscription {
  readonly key: string;
  readonly serviceName: string;
  readonly groupName: string;
  readonly clusters: string[];
  readonly subscribers: SubscriberRecord[];
  intervalMs: number | undefined;
  current?: Instance[] | undefined;
  /** Made with the polling loop (timers only), in the loop's own context; Workers subscriptions have none. */
  stop?: AbortController | undefined;
  loop?: Promise<void> | undefined;
}

/** Options of {@link NacosNamingService.shutdown}. */
export interface NamingShutdownOptions {
  /** Deregister this client's ephemeral instances before stopping (default false). */
  deregister?: boolean;
}

/** What a list must show after this client's write of one instance: it with these fields, or it gone. */
interface OwnInstanceWrite {
  readonly ip: string;
  readonly port: number;
  readonly clusterName: string;
  /** The fields it was written with; undefined when deregistered (or disabled, which lists leave out). */
  readonly listed: Pick<InstanceFields, 'weight' | 'metadata'> | undefined;
}

/** Whether `hosts` (of the clusters asked for) shows each of this client's pending writes. */
function showsOwnWrites(hosts: readonly Instance[], clusters: readonly string[], writes: readonly OwnInstanceWrite[]): boolean {
  return writes.every((w) => {
    if (clusters.length > 0 && !clusters.includes(w.clusterName)) return true;
    const host = hosts.find((h) => h.ip === w.ip && h.port === w.port && h.clusterName === w.clusterName);
    if (!w.listed) return !host || !host.enabled;
    return host !== undefined && host.enabled && host.weight === w.listed.weight && sameRecord(host.metadata, w.listed.metadata);
  });
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

const listFingerprint = (hosts: readonly Instance[]) =>
  hosts
    .map(fingerprint)
    .sort()
    .join('\n');

/**
 * Naming service: register, discover and subscribe over HTTP on any Nacos generation.
 * Create it with {@link NacosNamingService.createNamingService}; nothing runs until you call it.
 */
export class NacosNamingService {
  readonly #config: ClientConfig;
  readonly #log: Logger;
  readonly #transport: Transport;
  readonly #beats: BeatScheduler;
  readonly #storage: StoragePort;
  /** Every instance this client registered and has not deregistered, by instanceKey. */
  readonly #registered = new Map<string, InstanceFields>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #snapshots: SnapshotWriter;
  /** This client's own instance writes per service, until lists show them (servers list changes ~0.6 s late). */
  readonly #ownWrites: OwnWrites<OwnInstanceWrite[]>;
  #closed = false;
  /** The push adapter's driver: made on first use (undefined until then), false without one or once it fell back to HTTP. */
  #push: NamingPushDriver | false | undefined;

  private constructor(config: ClientConfig) {
    this.#config = config;
    this.#log = leveledLogger(config.logger, config.logLevel);
    this.#transport = new Transport(config, this.#log);
    this.#storage = config.storage ?? createStorage();
    this.#snapshots = new SnapshotWriter(this.#storage);
    this.#ownWrites = new OwnWrites(config.readYourWritesMs);
    this.#beats = new BeatScheduler({
      beat: (task, signal) => this.#beatOnce(task, signal),
      scope: (signal) => this.#transport.scope(signal),
      concurrency: 16,
      autoStart: config.backgroundSync,
      log: this.#log,
    });
  }

  /** Creates a naming service. Sends nothing. */
  static async createNamingService(config: ClientConfig): Promise<NacosNamingService> {
    return new NacosNamingService(config);
  }

  /** The heartbeat scheduler's figures: instances kept alive and timers held (always 0 or 1). */
  get heartbeats(): { instances: number; activeTimers: number } {
    return { instances: this.#beats.size, activeTimers: this.#beats.activeTimers };
  }

  /** Subscribed services and the polling loops running for them (one per service at most, none on Workers). */
  get subscriptions(): { services: number; activeLoops: number } {
    const subs = [...this.#subscriptions.values()];
    return { services: subs.length, activeLoops: subs.filter((s) => s.loop).length };
  }

  /**
   * The push driver, made on first use (none in Workers: no background work there). It gets this client's registry
   * and subscriptions, and keeps them on its connection.
   */
  #pusher(): NamingPushDriver | false {
    if (this.#push !== undefined) return this.#push;
    const driver =
      (this.#config.backgroundSync &&
        this.#config.push?.naming?.({
          context: this.#transport,
          registered: this.#registered,
          subscriptions: this.#subscriptions,
          apply: (sub, hosts) => this.#apply(sub as Subscription, hosts),
          fallBack: () => {
            // The driver cannot serve: heartbeats and polling over HTTP from now on.
            this.#push = false;
            for (const [key, f] of this.#registered) this.#beat(key, f);
            for (const sub of this.#subscriptions.values()) this.#startLoop(sub);
          },
          resume: () => {
            // The connection holds every subscription now, and, where it registers (gRPC; the bridge does not), every
            // registration: polls stop, and so do the beats, and each HTTP registration goes (the server lists the
            // connection's instance in its place, so none disappears; one whose deregistration fails expires).
            this.#push = driver;
            for (const sub of this.#subscriptions.values()) sub.stop?.abort();
            for (const [key, f] of this.#registered) if ((driver as NamingPushDriver).registers && f.ephemeral && this.#beats.remove(key)) this.#deregisterHttp(f).catch(() => undefined);
          },
        })) ||
      false;
    return (this.#push = driver);
  }

  /** Registers (`remove`: deregisters) `fields` over push. Resolves false without push registration (the caller goes over HTTP). */
  async #viaPush(fields: readonly InstanceFields[], remove: boolean, signal: AbortSignal | undefined): Promise<boolean> {
    const push = this.#pusher();
    if (!push || !push.registers || !fields.every((f) => f.ephemeral) || !(await push.register(fields, remove, signal))) return false;
    for (const f of fields) this.#expectOwnWrite(f, !remove && f.enabled);
    return true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new NacosError('ABORTED', 'the naming service has been shut down');
  }

  #fields(p: z.output<typeof registerSchema>): InstanceFields {
    return {
      serviceName: p.serviceName,
      groupName: p.groupName ?? DEFAULT_GROUP,
      namespaceId: this.#config.namespaceId || 'public',
      ip: p.ip,
      port: p.port,
      clusterName: p.clusterName ?? DEFAULT_CLUSTER,
      weight: p.weight ?? 1,
      enabled: p.enabled ?? true,
      healthy: p.healthy ?? true,
      ephemeral: p.ephemeral ?? true,
      metadata: p.metadata ?? {},
    };
  }

  /**
   * Registers an instance. Ephemeral instances (the default) are then kept alive by heartbeats
   * until deregistered or shut down; persistent ones (`ephemeral: false`) get none.
   */
  async registerInstance(params: RegisterInstanceParams): Promise<true> {
    const p = parseOrThrow(registerSchema, params, 'registerInstance');
    this.#assertOpen();
    return this.#register(this.#fields(p), p.signal);
  }

  async #register(fields: InstanceFields, signal: AbortSignal | undefined): Promise<true> {
    // On the push connection: registered with the service's other instances of this client, no heartbeats.
    if (await this.#viaPush([fields], false, signal)) return true;
    const key = instanceKey(fields);
    const { generation } = await this.#transport.preferredGeneration(signal);
    await registerInstance(this.#transport, generation, fields, signal);
    this.#expectOwnWrite(fields, fields.enabled);
    this.#registered.set(key, fields);
    this.#beat(key, fields);
    return true;
  }

  /** An ephemeral instance is kept alive by heartbeats at its interval; a persistent one gets none. */
  #beat(key: string, f: InstanceFields): void {
    if (f.ephemeral) this.#beats.add(key, f, this.#beatInterval(f));
    else this.#beats.remove(key);
  }

  #beatInterval(fields: InstanceFields): number {
    const preserved = Number(fields.metadata['preserved.heart.beat.interval']);
    return Number.isInteger(preserved) && preserved > 0 ? preserved : DEFAULT_BEAT_INTERVAL_MS;
  }

  /**
   * Registers several instances. The HTTP API has no batch endpoint, so each is registered on its own
   * (8 at a time); when some fail, one error lists every failure and the others stay registered.
   * Atomic batch registration needs the gRPC adapter.
   */
  async batchRegisterInstances(params: BatchRegisterParams): Promise<true> {
    const p = parseOrThrow(batchSchema, params, 'batchRegisterInstances');
    this.#assertOpen();
    const all = p.instances.map((i) => this.#fields({ ...i, serviceName: i.serviceName ?? p.serviceName, groupName: i.groupName ?? p.groupName }));
    // Over push, atomic: each service's instances of this client in one request.
    if (await this.#viaPush(all, false, p.signal)) return true;
    const failures: { instance: string; error: unknown }[] = [];
    await eachBounded(all, 8, async (fields) => {
      try {
        await this.#register(fields, p.signal);
      } catch (error) {
        failures.push({ instance: `${fields.ip}:${fields.port}`, error });
      }
    });
    if (failures.length > 0) {
      const error = new NacosError(
        'SERVER',
        `batchRegisterInstances: ${failures.length} of ${all.length} failed: ${failures.map((f) => `${f.instance} (${messageOf(f.error)})`).join('; ')}`,
        { cause: failures[0]?.error },
      );
      Object.defineProperty(error, 'failures', { value: failures, enumerable: true });
      throw error;
    }
    return true;
  }

  /** Deregisters an instance and stops its heartbeats. */
  async deregisterInstance(params: DeregisterInstanceParams): Promise<true> {
    const p = parseOrThrow(deregisterSchema, params, 'deregisterInstance');
    this.#assertOpen();
    const base = { serviceName: p.serviceName, groupName: p.groupName ?? DEFAULT_GROUP, ip: p.ip, port: p.port, clusterName: p.clusterName ?? DEFAULT_CLUSTER };
    const key = instanceKey(base);
    const known = this.#registered.get(key);
    const fields: InstanceFields = known ?? { ...this.#fields({ ...base, signal: undefined }), ephemeral: p.ephemeral ?? true };
    // Registered on the push connection: its service is registered again without it.
    // One registered over HTTP as push came back (its beats still run) goes over HTTP too.
    if (known && (await this.#viaPush([known], true, p.signal)) && !this.#beats.remove(key)) return true;
    await this.#deregisterHttp({ ...fields, ephemeral: p.ephemeral ?? fields.ephemeral }, p.signal);
    this.#expectOwnWrite(fields, false);
    this.#registered.delete(key);
    return true;
  }

  /** Deregisters `f` over HTTP once its heartbeats stopped and a beat on the wire was answered (a late full beat would re-create it). */
  async #deregisterHttp(f: InstanceFields, signal?: AbortSignal): Promise<void> {
    await this.#beats.removeAndSettle(instanceKey(f));
    const { generation } = await this.#transport.preferredGeneration(signal);
    await deregisterInstance(this.#transport, generation, f, signal);
  }

  /** Lists of the instance's service wait (OwnWrites) until they show this write: listed with its fields, or gone. */
  #expectOwnWrite(f: InstanceFields, listed: boolean): void {
    const id = groupedName(f.serviceName, f.groupName);
    const write: OwnInstanceWrite = { ip: f.ip, port: f.port, clusterName: f.clusterName, listed: listed ? { weight: f.weight, metadata: f.metadata } : undefined };
    const others = (this.#ownWrites.peek(id) ?? []).filter((w) => !(w.ip === f.ip && w.port === f.port && w.clusterName === f.clusterName));
    this.#ownWrites.expect(id, [...others, write]);
  }

  /**
   * Updates weight, metadata, enabled or health of an instance: in place where the server allows it
   * (`PUT /v1/ns/instance`), otherwise by registering it again. The debug log says which.
   */
  async updateInstance(params: RegisterInstanceParams): Promise<true> {
    const p = parseOrThrow(registerSchema, params, 'updateInstance');
    this.#assertOpen();
    const fields = this.#fields(p);
    // On the push connection an update is a registration of the new fields.
    const push = fields.ephemeral && this.#pusher();
    if (push && push.registers) return this.#register(fields, p.signal);
    const { generation } = await this.#transport.preferredGeneration(p.signal);
    if (await updateInstanceInPlace(this.#transport, generation, fields, p.signal)) {
      this.#log.debug(`updateInstance ${fields.ip}:${fields.port}: updated in place`);
      this.#expectOwnWrite(fields, fields.enabled);
      const key = instanceKey(fields);
      if (this.#registered.has(key)) {
        this.#registered.set(key, fields);
        this.#beat(key, fields);
      }
      return true;
    }
    this.#log.debug(`updateInstance ${fields.ip}:${fields.port}: the server has no update endpoint; registering again`);
    return this.#register(fields, p.signal);
  }

  /** The service with all its instances (healthy or not), as the instance list reports it. */
  async getService(params: GetServiceParams): Promise<ServiceInfo> {
    const p = parseOrThrow(getServiceSchema, params, 'getService');
    this.#assertOpen();
    return this.#list(p.serviceName, p.groupName ?? DEFAULT_GROUP, p.clusters ?? [], false, p.signal);
  }

  /**
   * The instance list from the servers, kept as a snapshot in the storage; when no server answers,
   * the snapshot is served (as the Java SDK does), so discovery survives an outage.
   */
  async #list(serviceName: string, groupName: string, clusters: string[], healthyOnly: boolean, signal: AbortSignal | undefined): Promise<ServiceInfo> {
    const namespaceId = this.#config.namespaceId || 'public';
    const snapshotKey = storageKey('snapshot', 'naming', namespaceId, groupName, serviceName, [...clusters].sort().join(','));
    try {
      const { generation } = await this.#transport.preferredGeneration(signal);
      const list = () => listInstances(this.#transport, generation, { serviceName, groupName, namespaceId, clusters, healthyOnly }, signal);
      const service = await this.#ownWrites.read(groupedName(serviceName, groupName), list, (answer, writes) => showsOwnWrites(answer.hosts, clusters, writes), signal);
      if (!healthyOnly) await this.#keepSnapshot(snapshotKey, service, `${groupName}/${serviceName}`);
      return service;
    } catch (error) {
      if (!isNacosError(error, 'UNAVAILABLE')) throw error;
      const saved = await this.#readServiceSnapshot(snapshotKey);
      if (!saved) throw error;
      this.#log.warn(`no server answered; serving the instance-list snapshot of ${groupName}/${serviceName} (${error.message})`);
      return healthyOnly ? { ...saved, hosts: saved.hosts.filter((h) => h.healthy) } : saved;
    }
  }

  /**
   * Writes the snapshot of a list the server answered; an unchanged list (same instances, by the fingerprint
   * subscriptions compare with) is rewritten at most once a second (SnapshotWriter). The server's checksum
   * cannot tell: r-nacos stamps it, and lastRefTime, with the time of each query.
   */
  async #keepSnapshot(key: string, service: ServiceInfo, what: string): Promise<void> {
    try {
      await this.#snapshots.write(key, listFingerprint(service.hosts), (savedAt) => JSON.stringify({ v: 1, service, savedAt }));
    } catch (error) {
      this.#log.warn(`could not write the instance-list snapshot of ${what}`, error);
    }
  }

  async #readServiceSnapshot(key: string): Promise<ServiceInfo | undefined> {
    try {
      const text = await this.#storage.get(key);
      if (text === undefined) return undefined;
      const parsed = JSON.parse(text) as { v?: unknown; service?: ServiceInfo };
      if (parsed.v !== 1 || !Array.isArray(parsed.service?.hosts)) throw new Error('not a nacos-edge instance-list snapshot');
      return parsed.service;
    } catch (error) {
      this.#log.warn(`ignoring the instance-list snapshot ${key}: ${messageOf(error)}`);
      return undefined;
    }
  }

  /** One page of service names in a group. On 3.2+ this needs an admin-capable login (typed `AUTH` error otherwise). */
  async listServices(params: ListServicesParams = {}): Promise<ServicePage> {
    const p = parseOrThrow(listServicesSchema, params, 'listServices');
    this.#assertOpen();
    const { generation } = await this.#transport.preferredGeneration(p.signal);
    return listServices(
      this.#transport,
      generation,
      { pageNo: p.pageNo ?? 1, pageSize: p.pageSize ?? 100, groupName: p.groupName ?? DEFAULT_GROUP, namespaceId: this.#config.namespaceId || 'public' },
      p.signal,
    );
  }

  /**
   * Instances of a service. `healthyOnly: true` only healthy ones, `false` only unhealthy ones,
   * omitted: all. Disabled instances are never listed.
   */
  async listInstances(params: ListInstancesParams): Promise<Instance[]> {
    const p = parseOrThrow(listInstancesSchema, params, 'listInstances');
    this.#assertOpen();
    const service = await this.#list(p.serviceName, p.groupName ?? DEFAULT_GROUP, p.clusters ?? [], false, p.signal);
    const enabled = service.hosts.filter((h) => h.enabled);
    if (p.healthyOnly === undefined) return enabled;
    return enabled.filter((h) => h.healthy === p.healthyOnly);
  }

  /**
   * One healthy, enabled instance picked at random by weight (float weights; weight 0 never wins).
   * Uses a subscription's cached list when the service is subscribed.
   *
   * @throws NacosError `NOT_FOUND` when no healthy instance has a positive weight.
   */
  async selectOneHealthyInstance(params: SelectInstanceParams): Promise<Instance> {
    const p = parseOrThrow(selectSchema, params, 'selectOneHealthyInstance');
    this.#assertOpen();
    const groupName = p.groupName ?? DEFAULT_GROUP;
    const clusters = p.clusters ?? [];
    const cached = this.#subscriptions.get(this.#subscriptionKey(p.serviceName, groupName, clusters))?.current;
    const hosts = cached ?? (await this.#list(p.serviceName, groupName, clusters, true, p.signal)).hosts;
    const candidates = hosts.filter((h) => h.healthy && h.enabled);
    const chosen = pickWeighted(candidates, p.random);
    if (!chosen) {
      const why = candidates.length === 0 ? 'no healthy, enabled instance' : `all ${candidates.length} healthy instances have weight 0`;
      throw new NacosError('NOT_FOUND', `selectOneHealthyInstance ${groupName}/${p.serviceName}: ${why}`);
    }
    return chosen;
  }

  #subscriptionKey(serviceName: string, groupName: string, clusters: readonly string[]): string {
    return `${groupName}@@${serviceName}#${[...clusters].sort().join(',')}`;
  }

  /**
   * Calls `subscribeCallback` with the instance list now and whenever it changes, with the diff.
   * Polls the list at the server's `cacheMillis` (or `intervalMs`). An empty list after a non-empty
   * one is not delivered (push-empty protection) unless `allowEmptyPush` is true.
   */
  async subscribe(params: SubscribeParams): Promise<void> {
    const p = parseOrThrow(subscribeSchema, params, 'subscribe');
    this.#assertOpen();
    const groupName = p.groupName ?? DEFAULT_GROUP;
    const clusters = p.clusters ?? [];
    const key = this.#subscriptionKey(p.serviceName, groupName, clusters);
    let sub = this.#subscriptions.get(key);
    if (!sub) {
      sub = { key, serviceName: p.serviceName, groupName, clusters, subscribers: [], intervalMs: p.intervalMs };
      this.#subscriptions.set(key, sub);
    }
    if (p.intervalMs !== undefined) sub.intervalMs = Math.min(sub.intervalMs ?? p.intervalMs, p.intervalMs);
    if (sub.subscribers.some((s) => s.callback === p.subscribeCallback)) return;
    const callback = p.subscribeCallback;
    const record: SubscriberRecord = {
      callback,
      allowEmptyPush: p.allowEmptyPush ?? false,
      seen: undefined,
      last: [],
      delivered: [],
      mailbox: new Mailbox<Instance[]>(
        (hosts) => {
          const diff = diffInstances(record.delivered, hosts);
          record.delivered = hosts;
          return callback([...hosts], diff);
        },
        (error) => this.#log.error(`a subscriber of ${groupName}/${p.serviceName} threw; other subscribers are unaffected`, error),
      ),
    };
    sub.subscribers.push(record);
    const push = this.#pusher();
    if (sub.current === undefined) {
      try {
        if (!(push && (await push.subscribe(sub, p.signal)))) await this.#poll(sub, p.signal);
      } catch (error) {
        if (!isNacosError(error, 'UNAVAILABLE')) {
          sub.subscribers.splice(sub.subscribers.indexOf(record), 1);
          if (sub.subscribers.length === 0) this.#subscriptions.delete(key);
          throw error;
        }
        this.#log.warn(`subscribe ${groupName}/${p.serviceName}: no server answered; the callback will run once one does`);
      }
    } else {
      this.#deliver(sub, record, sub.current);
    }
    // Pushed: no loop (unless push fell back meanwhile). Unsubscribed while the first poll was on the wire: no loop
    // for a subscription nobody holds.
    if (!this.#push) this.#startLoop(sub);
  }

  /** Stops calling `subscribeCallback`; the last one removed stops the polling. */
  async unsubscribe(params: UnsubscribeParams): Promise<void> {
    const p = parseOrThrow(unsubscribeSchema, params, 'unsubscribe');
    const key = this.#subscriptionKey(p.serviceName, p.groupName ?? DEFAULT_GROUP, p.clusters ?? []);
    const sub = this.#subscriptions.get(key);
    if (!sub) return;
    const index = sub.subscribers.findIndex((s) => s.callback === p.subscribeCallback);
    if (index >= 0) sub.subscribers.splice(index, 1);
    if (sub.subscribers.length === 0) {
      this.#subscriptions.delete(key);
      sub.stop?.abort();
      await sub.loop;
      if (this.#push) await this.#push.unsubscribe(sub, p.signal);
    }
  }

  /**
   * One round without background timers (Workers: a Cron Trigger): sends every heartbeat once and
   * polls every subscription once.
   */
  async tick(options: { signal?: AbortSignal } = {}): Promise<{ beats: number; subscriptions: number }> {
    this.#assertOpen();
    const beats = await this.#beats.beatAll(options.signal);
    const subs = [...this.#subscriptions.values()];
    const scope = this.#transport.scope(options.signal);
    try {
      for (const sub of subs) await this.#poll(sub, scope.signal);
    } finally {
      scope.release();
    }
    return { beats, subscriptions: subs.length };
  }

  /**
   * Sends one heartbeat for an instance, whether or not this client registered it, and returns the
   * server's answer (`clientBeatInterval`, `code`, `lightBeatEnabled`). A full beat (with the instance
   * body), so a v1 server re-creates a missing ephemeral instance from it.
   */
  async sendHeartbeat(params: RegisterInstanceParams): Promise<BeatAnswer> {
    const p = parseOrThrow(registerSchema, params, 'sendHeartbeat');
    this.#assertOpen();
    const { generation } = await this.#transport.preferredGeneration(p.signal);
    const fields = this.#fields(p);
    const answer = await sendBeat(this.#transport, generation, fields, false, p.signal);
    // A v3 renew names no interval: the one the server expects is the instance's preserved one, else 5 s.
    return { ...answer, clientBeatInterval: answer.clientBeatInterval ?? this.#beatInterval(fields) };
  }

  /** Alias of the heartbeat half of {@link tick}: one round of beats. */
  async beat(options: { signal?: AbortSignal } = {}): Promise<number> {
    this.#assertOpen();
    return this.#beats.beatAll(options.signal);
  }

  /**
   * Stops heartbeats and subscription polls and resolves after they have exited.
   * `{ deregister: true }` first deregisters this client's ephemeral instances.
   */
  async shutdown(options: NamingShutdownOptions = {}): Promise<void> {
    if (this.#closed) return;
    // The push driver deregisters what it registered; the rest (heartbeat instances) below.
    if (this.#push) await this.#push.close(options.deregister);
    if (options.deregister) {
      const ephemeral = [...this.#registered.values()].filter((f) => f.ephemeral);
      const results = await Promise.allSettled(ephemeral.map((f) => this.#deregisterHttp(f)));
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) this.#log.warn(`shutdown: ${failed} of ${ephemeral.length} instances could not be deregistered; the server will expire them`);
    }
    this.#closed = true;
    this.#beats.stop();
    this.#transport.close();
    for (const sub of this.#subscriptions.values()) sub.stop?.abort();
    await Promise.allSettled([this.#beats.idle(), ...[...this.#subscriptions.values()].map((s) => s.loop)]);
    this.#subscriptions.clear();
    this.#registered.clear();
  }

  // -------------------------------------------------------------------------------------------

  async #beatOnce(task: BeatTask, signal: AbortSignal): Promise<void> {
    const { generation } = await this.#transport.preferredGeneration(signal);
    const answer = await sendBeat(this.#transport, generation, task.fields, task.light, signal);
    if (answer.code === BEAT_UNKNOWN_INSTANCE_V1 || answer.code === RENEW_UNKNOWN_INSTANCE_V3) {
      // Deregistered (or replaced) while this beat was on the wire: it must not come back.
      if (!this.#beats.isCurrent(task)) return;
      this.#log.info(`the server no longer knows ${task.fields.ip}:${task.fields.port} (${task.fields.serviceName}); registering it again`);
      await registerInstance(this.#transport, generation, task.fields, signal);
      task.light = false;
      return;
    }
    if (answer.clientBeatInterval !== undefined) task.intervalMs = answer.clientBeatInterval;
    task.light = answer.lightBeatEnabled;
  }

  async #runSubscription(sub: Subscription, stop: AbortSignal): Promise<void> {
    const life = this.#transport.scope(stop);
    try {
      await this.#subscriptionLoop(sub, life.signal);
    } finally {
      life.release();
    }
  }

  async #subscriptionLoop(sub: Subscription, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await sleep(jitter(sub.intervalMs ?? this.#serverInterval(sub)), signal);
        await this.#poll(sub, signal);
        if (failures > 0) this.#log.info(`subscription ${sub.groupName}/${sub.serviceName} recovered`);
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        if (failures === 1) this.#log.warn(`subscription ${sub.groupName}/${sub.serviceName}: poll failed; retrying with backoff (${messageOf(error)})`);
        try {
          await sleep(backoffMs(failures), signal);
        } catch {
          return;
        }
      }
    }
  }

  #lastCacheMillis = new Map<string, number>();

  #serverInterval(sub: Subscription): number {
    return Math.max(1000, this.#lastCacheMillis.get(sub.key) ?? 10_000);
  }

  async #poll(sub: Subscription, signal: AbortSignal | undefined): Promise<void> {
    const service = await this.#list(sub.serviceName, sub.groupName, sub.clusters, false, signal);
    this.#lastCacheMillis.set(sub.key, service.cacheMillis);
    this.#apply(sub, service.hosts);
  }

  /** A new list for `sub` (polled or pushed): its enabled instances to every subscriber that has not had them. */
  #apply(sub: Subscription, all: Instance[]): void {
    const hosts = all.filter((h) => h.enabled);
    sub.current = sub.current !== undefined && hosts.length === 0 && sub.current.length > 0 ? sub.current : hosts;
    for (const record of sub.subscribers) this.#deliver(sub, record, hosts);
  }

  /** The polling loop of `sub`, unless it has one (or the client does no background work, or it is pushed). */
  #startLoop(sub: Subscription): void {
    if (!this.#config.backgroundSync || sub.loop || this.#subscriptions.get(sub.key) !== sub || sub.subscribers.length === 0) return;
    sub.stop = new AbortController();
    sub.loop = this.#runSubscription(sub, sub.stop.signal).finally(() => {
      sub.loop = undefined;
    });
  }

  #deliver(sub: Subscription, record: SubscriberRecord, hosts: Instance[]): void {
    const print = listFingerprint(hosts);
    if (record.seen === print) return;
    if (hosts.length === 0 && record.last.length > 0 && !record.allowEmptyPush) {
      this.#log.warn(`subscription ${sub.groupName}/${sub.serviceName}: the server listed no instances; keeping the last list (push-empty protection)`);
      return;
    }
    if (record.seen === undefined && hosts.length === 0) {
      record.seen = print;
      return;
    }
    record.seen = print;
    record.last = hosts;
    record.mailbox.post(hosts);
  }
}

/**
 * The seed SDK's v1 API (`nacos.NacosClient` in nacos-sdk-python 0.x/1.x, and the Node SDK's calls) as
 * a facade over {@link NacosConfigService} and {@link NacosNamingService}: same operations and
 * parameters, in TypeScript idiom (camelCase, options objects, positional forms for the common ones).
 * No second transport: it builds the two services lazily, on the first call.
 *
 * @module
 */
import { createClientConfig, type ClientConfigOptions, type CredentialsProvider, type FetchLike } from '../client-config.js';
import type { ConfigFilter } from '../config/filter.js';
import { NacosConfigService, type PublishConfigParams } from '../config/config-service.js';
import type { ConfigListener } from '../config/listeners.js';
import { NacosError, NacosValidationError } from '../errors.js';
import { DEFAULT_GROUP } from '../validation.js';
import { leveledLogger, type LogLevel, type Logger } from '../logger.js';
import type { Instance, InstanceDiff, ServiceInfo } from '../naming/model.js';
import { NacosNamingService, type BeatAnswer } from '../naming/naming-service.js';
import type { StoragePort } from '../storage/port.js';
import { spasSigning } from '../transport/signing.js';
import { anySignal } from '../util/time.js';


/** Constructor options, as in the seed (`namespace`, `ak`, `sk`, …). */
export interface NacosClientOptions {
  namespace?: string;
  ak?: string;
  sk?: string;
  username?: string;
  password?: string;
  credentialsProvider?: CredentialsProvider;
  logLevel?: LogLevel;
  logger?: Logger;
  /**
   * Custom fetch: the seed's TLS options (a private CA, a client certificate) are `tlsFetch({ ca, cert, key })` from
   * `nacos-edge/tls`; a proxy is a fetch that uses one (e.g. undici's ProxyAgent).
   */
  fetch?: FetchLike;
  /** Filters of every publish and read, e.g. encryption of `cipher-` dataIds (`nacos-edge/encryption`, `nacos-edge/kms`). */
  configFilters?: readonly ConfigFilter[];
  /** Where failover entries and snapshots live (default in memory). */
  storage?: StoragePort;
}

/** `setOptions` of the seed, with what each maps to here. */
export interface NacosClientSettings {
  /** Seconds; → `timeoutMs`. */
  defaultTimeout?: number;
  /** Seconds the server holds a long poll; → `longPollTimeoutMs`. */
  pullingTimeout?: number;
  /** Keys per long-poll request; → `longPollBatchSize`. */
  pullingConfigSize?: number;
  /**
   * Threads for watcher callbacks in the seed. Here callbacks run on the event loop, each isolated and
   * in order per key, so there is nothing to size: accepted, and a warning says it has no effect.
   */
  callbackThreadNum?: number;
  /** A storage, or a folder (runtimes with `node:fs` only) for failover entries. */
  failoverBase?: string | StoragePort;
  /** A storage, or a folder (runtimes with `node:fs` only) for snapshots. */
  snapshotBase?: string | StoragePort;
  /** Never fall back to snapshots in `getConfig`. */
  noSnapshot?: boolean;
  /** HTTP proxies: not a fetch option. Pass `fetch` (e.g. with undici's ProxyAgent) instead; setting this throws. */
  proxies?: Record<string, string>;
}

/** What a config watcher receives (the seed passes a dict with these keys). */
export interface ConfigWatchEvent {
  dataId: string;
  group: string;
  namespace: string;
  rawContent: string;
  content: string;
}

/** A config watcher callback. */
export type ConfigWatcher = (event: ConfigWatchEvent) => void | Promise<void>;

/** Per-instance subscription events, as the seed's `SubscribeListener` gets them. */
export type SubscribeEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A named naming listener (the seed's `SubscribeListener(fn, listener_name)`). */
export interface SubscribeListener {
  listenerName: string;
  fn: (event: SubscribeEvent, instance: Instance) => void | Promise<void>;
}

/** Options of {@link NacosClient.addNamingInstance} and {@link NacosClient.modifyNamingInstance}. */
export interface NamingInstanceOptions {
  clusterName?: string;
  weight?: number;
  metadata?: Record<string, string>;
  enable?: boolean;
  healthy?: boolean;
  ephemeral?: boolean;
  groupName?: string;
  /**
   * Seconds. With it, the instance is kept alive by heartbeats (the seed's `heartbeat_interval`);
   * without it, ephemeral instances are kept alive too (as the v2 services do) at the server's pace.
   */
  heartbeatInterval?: number;
}

/** A storage that sends `failover/…` keys to one store and everything else to another. */
function splitStorage(failover: StoragePort, snapshot: StoragePort): StoragePort {
  const pick = (key: string) => (key.startsWith('failover/') ? failover : snapshot);
  return {
    get: (key) => pick(key).get(key),
    set: (key, value) => pick(key).set(key, value),
    delete: (key) => pick(key).delete(key),
    list: async (prefix) => (prefix.startsWith('failover/') ? failover.list(prefix) : prefix.startsWith('snapshot/') ? snapshot.list(prefix) : [...(await failover.list(prefix)), ...(await snapshot.list(prefix))]),
  };
}

async function folderStorage(dir: string): Promise<StoragePort> {
  // A variable specifier keeps bundlers for Workers and browsers from following it into node:fs.
  const specifier = '../storage/fs.js';
  try {
    const fs = (await import(/* @vite-ignore */ specifier)) as { createStorage(options: { dir: string }): StoragePort };
    return fs.createStorage({ dir });
  } catch (cause) {
    throw new NacosError('UNSUPPORTED', `a folder for failoverBase/snapshotBase needs node:fs; on this runtime pass a storage instead (${String(cause)})`, { cause });
  }
}

/**
 * The v1-style client.
 *
 * @example
 * const client = new NacosClient('127.0.0.1:8848', { namespace: 'dev' });
 * await client.publishConfig('app.properties', 'DEFAULT_GROUP', 'a=1');
 * const content = await client.getConfig('app.properties', 'DEFAULT_GROUP');
 */
export class NacosClient {
  readonly #serverAddresses: string;
  readonly #options: NacosClientOptions;
  #settings: NacosClientSettings = {};
  #services: Promise<{ config: NacosConfigService; naming: NacosNamingService }> | undefined;
  readonly #watchers = new Map<string, { watcher: ConfigWatcher; listener: ConfigListener }[]>();
  readonly #subscriptions = new Map<string, { params: { serviceName: string; groupName: string; clusters: string[] }; callback: (i: Instance[], d: InstanceDiff) => void; listeners: SubscribeListener[] }>();

  constructor(serverAddresses: string, options: NacosClientOptions = {}) {
    this.#serverAddresses = serverAddresses;
    this.#options = options;
    // Validate now (a bad address or option is a typed error here, not at the first call); build later.
    this.#clientConfigOptions(undefined);
  }

  /** The seed's `set_options`. Applies to services built afterwards; call it before the first operation. */
  setOptions(settings: NacosClientSettings): void {
    if (settings.proxies !== undefined && Object.keys(settings.proxies).length > 0) {
      throw new NacosValidationError([{ path: 'proxies', message: 'fetch has no proxy option; pass a fetch that uses your proxy (e.g. undici ProxyAgent) as options.fetch' }]);
    }
    if (this.#services) throw new NacosError('UNSUPPORTED', 'setOptions must be called before the first operation of this client');
    const next = { ...this.#settings, ...settings };
    this.#clientConfigOptions(undefined, next);
    this.#settings = next;
  }

  #clientConfigOptions(storage: StoragePort | undefined, s: NacosClientSettings = this.#settings): ClientConfigOptions {
    const o = this.#options;
    const options: ClientConfigOptions = {
      serverAddresses: this.#serverAddresses,
      ...(o.namespace !== undefined ? { namespaceId: o.namespace } : {}),
      ...(o.ak !== undefined ? { accessKey: o.ak } : {}),
      ...(o.sk !== undefined ? { secretKey: o.sk } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.credentialsProvider ? { credentialsProvider: o.credentialsProvider } : {}),
      // The v1 facade takes ak/sk as options, as the seed does: it brings the signer along.
      ...(o.ak !== undefined || o.credentialsProvider ? { signer: spasSigning } : {}),
      ...(o.logLevel ? { logLevel: o.logLevel } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.configFilters ? { configFilters: o.configFilters } : {}),
      ...(storage ? { storage } : o.storage ? { storage: o.storage } : {}),
      ...(s.defaultTimeout !== undefined ? { timeoutMs: Math.round(s.defaultTimeout * 1000) } : {}),
      ...(s.pullingTimeout !== undefined ? { longPollTimeoutMs: Math.round(s.pullingTimeout * 1000) } : {}),
      ...(s.pullingConfigSize !== undefined ? { longPollBatchSize: s.pullingConfigSize } : {}),
    };
    createClientConfig(options);
    return options;
  }

  #servicesReady(): Promise<{ config: NacosConfigService; naming: NacosNamingService }> {
    this.#services ??= (async () => {
      const s = this.#settings;
      let storage: StoragePort | undefined;
      if (s.failoverBase !== undefined || s.snapshotBase !== undefined) {
        const resolveBase = async (base: string | StoragePort | undefined) => (base === undefined ? undefined : typeof base === 'string' ? folderStorage(base) : base);
        const failover = await resolveBase(s.failoverBase);
        const snapshot = await resolveBase(s.snapshotBase);
        const fallback = this.#options.storage;
        storage = failover && snapshot ? splitStorage(failover, snapshot) : (failover ?? snapshot ?? fallback);
        if (failover && !snapshot && fallback) storage = splitStorage(failover, fallback);
        if (snapshot && !failover && fallback) storage = splitStorage(fallback, snapshot);
      }
      const clientConfig = createClientConfig(this.#clientConfigOptions(storage));
      if (s.callbackThreadNum !== undefined) {
        leveledLogger(clientConfig.logger, clientConfig.logLevel).warn('callbackThreadNum has no effect: watcher callbacks run on the event loop, isolated from each other and in order per key');
      }
      return {
        config: await NacosConfigService.createConfigService(clientConfig),
        naming: await NacosNamingService.createNamingService(clientConfig),
      };
    })();
    return this.#services;
  }

  // ------------------------------------------------------------------ config

  /**
   * Reads a config; `null` when it does not exist (as the seed returns None).
   * `timeout` is in seconds; `noSnapshot` skips the snapshot fallback.
   */
  async getConfig(dataId: string, group = DEFAULT_GROUP, options: { timeout?: number; noSnapshot?: boolean; signal?: AbortSignal } = {}): Promise<string | null> {
    const { config } = await this.#servicesReady();
    const timeout = options.timeout === undefined ? undefined : AbortSignal.timeout(options.timeout * 1000);
    const { signal, release } = anySignal(timeout, options.signal);
    try {
      const content = await config.getConfig({ dataId, group, snapshot: !(options.noSnapshot ?? this.#settings.noSnapshot ?? false), ...(timeout || options.signal ? { signal } : {}) });
      return content === '' ? null : content;
    } finally {
      release();
    }
  }

  /** Publishes a config. `timeout` is in seconds. */
  async publishConfig(dataId: string, group: string, content: string, options: { type?: string; timeout?: number; appName?: string } = {}): Promise<true> {
    const { config } = await this.#servicesReady();
    const signal = options.timeout === undefined ? undefined : AbortSignal.timeout(options.timeout * 1000);
    return config.publishConfig({ dataId, group: group || DEFAULT_GROUP, content, ...(options.type ? { type: options.type as NonNullable<PublishConfigParams['type']> } : {}), ...(options.appName ? { appName: options.appName } : {}), ...(signal ? { signal } : {}) });
  }

  /** Removes a config. */
  async removeConfig(dataId: string, group = DEFAULT_GROUP): Promise<true> {
    const { config } = await this.#servicesReady();
    return config.removeConfig({ dataId, group });
  }

  /** Calls `cb` whenever the config changes (first with the current content, as the seed does). */
  async addConfigWatcher(dataId: string, group: string, cb: ConfigWatcher): Promise<void> {
    return this.addConfigWatchers(dataId, group, [cb]);
  }

  /** Several watchers at once. */
  async addConfigWatchers(dataId: string, group: string, cbList: readonly ConfigWatcher[]): Promise<void> {
    const { config } = await this.#servicesReady();
    const key = `${group || DEFAULT_GROUP}\u0002${dataId}`;
    const list = this.#watchers.get(key) ?? [];
    this.#watchers.set(key, list);
    for (const watcher of cbList) {
      if (list.some((w) => w.watcher === watcher)) continue;
      const listener: ConfigListener = (namespace, d, g, content) => watcher({ dataId: d, group: g, namespace, rawContent: content, content });
      list.push({ watcher, listener });
      await config.addListener(dataId, group || DEFAULT_GROUP, listener);
    }
  }

  /** Removes one watcher, or with `removeAll` every watcher of the config. */
  async removeConfigWatcher(dataId: string, group: string, cb?: ConfigWatcher, removeAll = false): Promise<void> {
    const { config } = await this.#servicesReady();
    const key = `${group || DEFAULT_GROUP}\u0002${dataId}`;
    const list = this.#watchers.get(key) ?? [];
    const removing = list.filter((w) => removeAll || w.watcher === cb);
    for (const w of removing) {
      list.splice(list.indexOf(w), 1);
      await config.removeListener(dataId, group || DEFAULT_GROUP, w.listener);
    }
    if (list.length === 0) this.#watchers.delete(key);
  }

  // ------------------------------------------------------------------ naming

  #instanceParams(serviceName: string, ip: string, port: number, o: NamingInstanceOptions) {
    const metadata = { ...o.metadata };
    if (o.heartbeatInterval !== undefined) metadata['preserved.heart.beat.interval'] ??= String(Math.round(o.heartbeatInterval * 1000));
    return {
      serviceName,
      ip,
      port,
      groupName: o.groupName ?? DEFAULT_GROUP,
      ...(o.clusterName ? { clusterName: o.clusterName } : {}),
      ...(o.weight !== undefined ? { weight: o.weight } : {}),
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
      ...(o.enable !== undefined ? { enabled: o.enable } : {}),
      ...(o.healthy !== undefined ? { healthy: o.healthy } : {}),
      ...(o.ephemeral !== undefined ? { ephemeral: o.ephemeral } : {}),
    };
  }

  /** Registers an instance; ephemeral ones are kept alive by heartbeats (`heartbeatInterval` sets their pace). */
  async addNamingInstance(serviceName: string, ip: string, port: number, options: NamingInstanceOptions = {}): Promise<true> {
    const { naming } = await this.#servicesReady();
    return naming.registerInstance(this.#instanceParams(serviceName, ip, port, options));
  }

  /** Deregisters an instance. */
  async removeNamingInstance(serviceName: string, ip: string, port: number, options: { clusterName?: string; ephemeral?: boolean; groupName?: string } = {}): Promise<true> {
    const { naming } = await this.#servicesReady();
    return naming.deregisterInstance({ serviceName, ip, port, groupName: options.groupName ?? DEFAULT_GROUP, ...(options.clusterName ? { clusterName: options.clusterName } : {}), ...(options.ephemeral !== undefined ? { ephemeral: options.ephemeral } : {}) });
  }

  /** Updates an instance (in place where the server allows it). */
  async modifyNamingInstance(serviceName: string, ip: string, port: number, options: NamingInstanceOptions = {}): Promise<true> {
    const { naming } = await this.#servicesReady();
    return naming.updateInstance(this.#instanceParams(serviceName, ip, port, options));
  }

  /** The service with its instances, like the seed's raw `list_naming_instance` answer. */
  async listNamingInstance(serviceName: string, options: { clusters?: string | string[]; namespaceId?: string; groupName?: string; healthyOnly?: boolean } = {}): Promise<ServiceInfo> {
    const { naming } = await this.#servicesReady();
    if (options.namespaceId !== undefined && options.namespaceId !== (this.#options.namespace ?? '') && !(options.namespaceId === 'public' && !this.#options.namespace)) {
      throw new NacosValidationError([{ path: 'namespaceId', message: 'this client works in one namespace (set it in the constructor); create another NacosClient for another namespace' }]);
    }
    const clusters = typeof options.clusters === 'string' ? options.clusters.split(',').filter(Boolean) : (options.clusters ?? []);
    const service = await naming.getService({ serviceName, groupName: options.groupName ?? DEFAULT_GROUP, clusters });
    return options.healthyOnly ? { ...service, hosts: service.hosts.filter((h) => h.healthy && h.enabled) } : service;
  }

  /** One instance by address, or `null`. */
  async getNamingInstance(serviceName: string, ip: string, port: number, clusterName?: string, groupName = DEFAULT_GROUP): Promise<Instance | null> {
    const { naming } = await this.#servicesReady();
    const hosts = await naming.listInstances({ serviceName, groupName, ...(clusterName ? { clusters: [clusterName] } : {}) });
    return hosts.find((h) => h.ip === ip && h.port === port) ?? null;
  }

  /** Sends one heartbeat and returns the server's answer, including `clientBeatInterval`. */
  async sendHeartbeat(serviceName: string, ip: string, port: number, options: NamingInstanceOptions = {}): Promise<BeatAnswer> {
    const { naming } = await this.#servicesReady();
    return naming.sendHeartbeat(this.#instanceParams(serviceName, ip, port, options));
  }

  /**
   * Polls the instance list every `listenerInterval` seconds and calls each listener once per changed
   * instance with `ADDED`, `MODIFIED` or `DELETED` (the current instances arrive as `ADDED` first).
   * `listenerFn` is a function (its name is the listener name) or `{ listenerName, fn }`, or a list.
   */
  async subscribe(
    listenerFn: SubscribeListener | SubscribeListener['fn'] | readonly (SubscribeListener | SubscribeListener['fn'])[],
    listenerInterval = 7,
    options: { serviceName: string; clusters?: string | string[]; groupName?: string; healthyOnly?: boolean },
  ): Promise<void> {
    const { naming } = await this.#servicesReady();
    const listeners = (Array.isArray(listenerFn) ? listenerFn : [listenerFn]).map((l: SubscribeListener | SubscribeListener['fn']) =>
      typeof l === 'function' ? { listenerName: l.name || 'anonymous', fn: l } : l,
    );
    const groupName = options.groupName ?? DEFAULT_GROUP;
    const clusters = typeof options.clusters === 'string' ? options.clusters.split(',').filter(Boolean) : (options.clusters ?? []);
    const key = `${groupName}@@${options.serviceName}`;
    const existing = this.#subscriptions.get(key);
    if (existing) {
      existing.listeners.push(...listeners);
      return;
    }
    const entry = {
      params: { serviceName: options.serviceName, groupName, clusters },
      listeners,
      callback: (_instances: Instance[], diff: InstanceDiff) => {
        const healthy = (i: Instance) => !options.healthyOnly || i.healthy;
        const events: [SubscribeEvent, Instance][] = [
          ...diff.added.filter(healthy).map((i): [SubscribeEvent, Instance] => ['ADDED', i]),
          ...diff.modified.map((i): [SubscribeEvent, Instance] => ['MODIFIED', i]),
          ...diff.removed.map((i): [SubscribeEvent, Instance] => ['DELETED', i]),
        ];
        for (const listener of entry.listeners) {
          for (const [event, instance] of events) {
            try {
              void Promise.resolve(listener.fn(event, instance)).catch(() => undefined);
            } catch {
              // One listener's error never stops the others.
            }
          }
        }
      },
    };
    this.#subscriptions.set(key, entry);
    await naming.subscribe({ ...entry.params, subscribeCallback: entry.callback, intervalMs: Math.max(100, Math.round(listenerInterval * 1000)), allowEmptyPush: true });
  }

  /** Removes the named listener of a service, or all its listeners when no name is given. */
  async unsubscribe(serviceName: string, listenerName?: string, groupName = DEFAULT_GROUP): Promise<void> {
    const { naming } = await this.#servicesReady();
    const key = `${groupName}@@${serviceName}`;
    const entry = this.#subscriptions.get(key);
    if (!entry) return;
    entry.listeners = entry.listeners.filter((l) => listenerName !== undefined && l.listenerName !== listenerName);
    if (entry.listeners.length === 0) {
      this.#subscriptions.delete(key);
      await naming.unsubscribe({ ...entry.params, subscribeCallback: entry.callback });
    }
  }

  /** Stops every subscription. */
  async stopSubscribe(): Promise<void> {
    for (const entry of [...this.#subscriptions.values()]) await this.unsubscribe(entry.params.serviceName, undefined, entry.params.groupName);
  }

  /** Stops everything; `{ deregister: true }` first removes this client's ephemeral instances. */
  async shutdown(options: { deregister?: boolean } = {}): Promise<void> {
    if (!this.#services) return;
    const { config, naming } = await this.#services;
    await Promise.all([config.shutdown(), naming.shutdown(options)]);
  }
}

// The bridge's upstream side: one config source and one naming source (gRPC connections to Nacos, made on first use)
// shared by every downstream session. A session follows some configs and services; the hub follows their union
// upstream, hands each change or list to the sessions that follow it, and tells every session when the upstream
// connection was made anew, so that each client's driver listens and subscribes again and reconciles by md5 (the
// redo logic stays in the drivers; the hub keeps no md5 of its own).
import { configId, type ConfigKey } from '../config/model.js';
import { NacosError } from '../errors.js';
import { groupedName, type ServiceInfo } from '../naming/model.js';
import type { ConfigSource, ConfigSourceEvents } from '../push/config-driver.js';
import type { NamingSource, NamingSourceEvents } from '../push/naming-driver.js';
import type { ServiceKey } from '../push/port.js';

/** What the hub sends down one session. */
export type SessionEvent = { kind: 'changed'; key: ConfigKey } | { kind: 'pushed'; service: ServiceInfo } | { kind: 'reconnected' };

/** One downstream client's watch stream. */
export interface Session {
  readonly id: string;
  send(event: SessionEvent): void;
}

/** How the hub makes its upstream sources. */
export interface UpstreamSources {
  config(events: ConfigSourceEvents): ConfigSource;
  naming(events: NamingSourceEvents): NamingSource;
}

/** What the hub keeps of one session. */
interface Followed {
  session: Session;
  configs: Map<string, ConfigKey>;
  services: Set<string>;
}

const serviceId = (s: ServiceKey) => groupedName(s.serviceName, s.groupName);

export class BridgeHub {
  readonly #upstream: UpstreamSources;
  readonly #sessions = new Map<string, Followed>();
  #config: { source: ConfigSource; started: Promise<void> } | undefined;
  #naming: { source: NamingSource; started: Promise<void> } | undefined;
  /** Services subscribed on the current naming connection, with the last list it gave. */
  readonly #lists = new Map<string, Promise<ServiceInfo>>();
  #connections = { config: 0, naming: 0 };

  constructor(upstream: UpstreamSources) {
    this.#upstream = upstream;
  }

  open(session: Session): void {
    this.#sessions.set(session.id, { session, configs: new Map(), services: new Set() });
  }

  /** The session ended: what no other session follows is no longer followed upstream. */
  async close(id: string, signal: AbortSignal): Promise<void> {
    const followed = this.#sessions.get(id);
    if (!followed) return;
    this.#sessions.delete(id);
    const keys = [...followed.configs.values()].filter((key) => !this.#followsConfig(configId(key)));
    if (keys.length > 0 && this.#config) await this.#config.source.unlisten(keys, signal).catch(() => undefined);
    for (const id of followed.services) if (!this.#followsService(id)) await this.#dropService(id, signal);
  }

  /** Follows `entries` for session `id` and resolves the keys whose md5 differs from the one the client has. */
  async listen(id: string, entries: readonly { key: ConfigKey; md5: string }[], signal: AbortSignal): Promise<ConfigKey[]> {
    const followed = this.#session(id);
    const source = await this.#configSource();
    const differ = await source.listen(entries, signal);
    for (const { key } of entries) followed.configs.set(configId(key), key);
    // The session ended while the listen was on the wire: what it alone followed is dropped again.
    if (!this.#sessions.has(id)) await this.unlisten(id, entries.map((e) => e.key), signal).catch(() => undefined);
    return differ;
  }

  async unlisten(id: string, keys: readonly ConfigKey[], signal: AbortSignal): Promise<void> {
    for (const key of keys) this.#sessions.get(id)?.configs.delete(configId(key));
    const unfollowed = keys.filter((key) => !this.#followsConfig(configId(key)));
    if (unfollowed.length > 0 && this.#config) await this.#config.source.unlisten(unfollowed, signal);
  }

  /** Subscribes session `id` to every cluster of `service` and resolves its list (one upstream subscription per service). */
  async subscribe(id: string, service: ServiceKey, signal: AbortSignal): Promise<ServiceInfo> {
    const followed = this.#session(id);
    const source = await this.#namingSource();
    const sid = serviceId(service);
    let list = this.#lists.get(sid);
    if (!list) {
      this.#lists.set(sid, (list = source.subscribe(service, signal)));
      list.catch(() => this.#lists.get(sid) === list && this.#lists.delete(sid));
    }
    const info = await list;
    followed.services.add(sid);
    return info;
  }

  async unsubscribe(id: string, service: ServiceKey, signal: AbortSignal): Promise<void> {
    const followed = this.#session(id);
    const sid = serviceId(service);
    followed.services.delete(sid);
    if (!this.#followsService(sid)) await this.#dropService(sid, signal, service);
  }

  /** Ends the upstream connections. */
  async shutdown(): Promise<void> {
    this.#sessions.clear();
    await Promise.all([this.#config?.source.close(), this.#naming?.source.close()]);
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  #session(id: string): Followed {
    const followed = this.#sessions.get(id);
    if (!followed) throw new NacosError('NOT_FOUND', `no bridge session ${id} (its watch stream ended): open a new one`);
    return followed;
  }

  #followsConfig(id: string): boolean {
    for (const f of this.#sessions.values()) if (f.configs.has(id)) return true;
    return false;
  }

  #followsService(id: string): boolean {
    for (const f of this.#sessions.values()) if (f.services.has(id)) return true;
    return false;
  }

  async #dropService(id: string, signal: AbortSignal, service?: ServiceKey): Promise<void> {
    const list = this.#lists.get(id);
    this.#lists.delete(id);
    const key = service ?? (await list?.catch(() => undefined).then((info) => info && { serviceName: info.name, groupName: info.groupName }));
    if (key && this.#naming) await this.#naming.source.unsubscribe(key, signal).catch(() => undefined);
  }

  /** Every session hears of a new upstream connection but the first: the server forgot the old one's listens. */
  #reconnected(module: 'config' | 'naming'): void {
    if (this.#connections[module]++ === 0) return;
    if (module === 'naming') this.#lists.clear();
    for (const { session } of this.#sessions.values()) session.send({ kind: 'reconnected' });
  }

  async #configSource(): Promise<ConfigSource> {
    this.#config ??= this.#started(
      this.#upstream.config({
        changed: (key) => {
          const id = configId(key);
          for (const f of this.#sessions.values()) if (f.configs.has(id)) f.session.send({ kind: 'changed', key });
        },
        connected: () => this.#reconnected('config'),
      }),
      () => (this.#config = undefined),
    );
    await this.#config.started;
    return this.#config.source;
  }

  async #namingSource(): Promise<NamingSource> {
    this.#naming ??= this.#started(
      this.#upstream.naming({
        pushed: (info) => {
          const id = serviceId({ serviceName: info.name, groupName: info.groupName });
          if (this.#lists.has(id)) this.#lists.set(id, Promise.resolve(info));
          for (const f of this.#sessions.values()) if (f.services.has(id)) f.session.send({ kind: 'pushed', service: info });
        },
        connected: () => this.#reconnected('naming'),
      }),
      () => (this.#naming = undefined),
    );
    await this.#naming.started;
    return this.#naming.source;
  }

  /** Starts `source`; when its first connection fails, the next request tries a new one. */
  #started<S extends { start(): Promise<void>; close(): Promise<void> }>(source: S, forget: () => void): { source: S; started: Promise<void> } {
    const started = source.start().catch(async (error: unknown) => {
      forget();
      await source.close();
      throw error;
    });
    return { source, started };
  }
}

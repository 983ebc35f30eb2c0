// The bridge's upstream side: one config source and one naming source (gRPC connections to Nacos, made on first use)
// shared by every downstream session. A session follows some configs and services; the hub follows their union
// upstream, hands each change or list to the sessions that follow it, and tells every session when the upstream
// connection was made anew, so that each client's driver listens and subscribes again and reconciles by md5 (the
// redo logic stays in the drivers; the hub keeps no md5 of its own).
import { configId, type ConfigKey } from '../config/model.js';
import { groupedName, type ServiceInfo } from '../naming/model.js';
import type { ConfigSource, ConfigSourceEvents } from '../push/config-driver.js';
import type { NamingSource, NamingSourceEvents } from '../push/naming-driver.js';
import type { ServiceKey } from '../push/port.js';
import { awaitShared } from '../transport/shared.js';

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
  services: Map<string, ServiceKey>;
}

/** How much one session may follow. */
export interface HubLimits {
  /** Configs one session may listen to. Default 10,000. */
  maxConfigsPerSession?: number;
  /** Services one session may subscribe to. Default 1,000. */
  maxServicesPerSession?: number;
}

/**
 * Why the hub refused a request of its own accord (not Nacos): the session is gone (the client opens a new stream and
 * asks again), or the session follows as much as the bridge allows.
 */
export class HubRefusal extends Error {
  constructor(
    readonly reason: 'gone' | 'limit',
    message: string,
  ) {
    super(message);
  }
}

const serviceId = (s: ServiceKey) => groupedName(s.serviceName, s.groupName);

/** Adds `session` to the followers of `id`; true when it is the first. */
function follow(followers: Map<string, Set<Followed>>, id: string, session: Followed): boolean {
  let set = followers.get(id);
  if (!set) followers.set(id, (set = new Set()));
  set.add(session);
  return set.size === 1;
}

/** Takes `session` from the followers of `id`; true when none is left. */
function unfollow(followers: Map<string, Set<Followed>>, id: string, session: Followed): boolean {
  const set = followers.get(id);
  if (!set?.delete(session) || set.size > 0) return false;
  followers.delete(id);
  return true;
}

export class BridgeHub {
  readonly #upstream: UpstreamSources;
  readonly #maxConfigs: number;
  readonly #maxServices: number;
  readonly #sessions = new Map<string, Followed>();
  /** Who follows each config and service: a change goes to them alone, and what none follows is dropped upstream. */
  readonly #configFollowers = new Map<string, Set<Followed>>();
  readonly #serviceFollowers = new Map<string, Set<Followed>>();
  /** The hub's lifetime: upstream work shared by sessions runs under it, not under the first caller's signal. */
  readonly #life = new AbortController();
  #config: { source: ConfigSource; started: Promise<void> } | undefined;
  #naming: { source: NamingSource; started: Promise<void> } | undefined;
  /** Services subscribed on the current naming connection, with the last list it gave. */
  readonly #lists = new Map<string, Promise<ServiceInfo>>();
  /**
   * The last upstream subscribe or unsubscribe of each service: the next waits for it, so that the two never cross on
   * the wire (an unsubscribe overtaking a subscribe would leave a session that follows the service without pushes).
   */
  readonly #serviceOps = new Map<string, Promise<unknown>>();
  #connections = { config: 0, naming: 0 };

  constructor(upstream: UpstreamSources, limits: HubLimits = {}) {
    this.#upstream = upstream;
    this.#maxConfigs = limits.maxConfigsPerSession ?? 10_000;
    this.#maxServices = limits.maxServicesPerSession ?? 1000;
  }

  open(session: Session): void {
    this.#sessions.set(session.id, { session, configs: new Map(), services: new Map() });
  }

  /** The session ended: what no other session follows is no longer followed upstream. */
  async close(id: string, signal: AbortSignal): Promise<void> {
    const followed = this.#sessions.get(id);
    if (!followed) return;
    this.#sessions.delete(id);
    const keys = [...followed.configs].filter(([cid]) => unfollow(this.#configFollowers, cid, followed)).map(([, key]) => key);
    const services = [...followed.services].filter(([sid]) => unfollow(this.#serviceFollowers, sid, followed));
    // Upstream work for no one in particular: it runs under the hub's lifetime, all at once; `signal` bounds the wait.
    const drops = [this.#unlistenOrphans(keys), ...services.map(([sid, service]) => this.#dropService(sid, service))];
    await awaitShared(Promise.all(drops), signal, 'closing a bridge session').catch(() => undefined);
  }

  /** Follows `entries` for session `id` and resolves the keys whose md5 differs from the one the client has. */
  async listen(id: string, entries: readonly { key: ConfigKey; md5: string }[], signal: AbortSignal): Promise<ConfigKey[]> {
    const followed = this.#session(id);
    const fresh = new Map<string, ConfigKey>();
    for (const { key } of entries) if (!followed.configs.has(configId(key))) fresh.set(configId(key), key);
    if (followed.configs.size + fresh.size > this.#maxConfigs) throw new HubRefusal('limit', `a session may listen to at most ${this.#maxConfigs} configs`);
    // Followed before the upstream listen is sent, so that another session's unlisten meanwhile keeps it upstream.
    for (const [cid, key] of fresh) {
      followed.configs.set(cid, key);
      follow(this.#configFollowers, cid, followed);
    }
    try {
      const source = await this.#configSource();
      const differ = await source.listen(entries, signal);
      // The session ended while the listen was on the wire (its close may have gone out first): drop it again.
      // (An unlisten that crosses another session's listen of the same key is healed by that client's driver, which
      // listens to everything again every 3 minutes.)
      if (!this.#sessions.has(id)) await this.#unlistenOrphans(entries.map((e) => e.key));
      return differ;
    } catch (error) {
      for (const cid of fresh.keys()) {
        followed.configs.delete(cid);
        unfollow(this.#configFollowers, cid, followed);
      }
      // What no one follows now is dropped, whether this session let go of it here or in a close meanwhile.
      await this.#unlistenOrphans([...fresh.values()]);
      throw error;
    }
  }

  /** Stops following `keys` for session `id`; keys it does not follow are none of its business and left as they are. */
  async unlisten(id: string, keys: readonly ConfigKey[], signal: AbortSignal): Promise<void> {
    const followed = this.#session(id);
    const orphans = keys.filter((key) => followed.configs.delete(configId(key)) && unfollow(this.#configFollowers, configId(key), followed));
    await awaitShared(this.#unlistenOrphans(orphans), signal, 'unlistening through the bridge');
  }

  /** Subscribes session `id` to every cluster of `service` and resolves its list (one upstream subscription per service). */
  async subscribe(id: string, service: ServiceKey, signal: AbortSignal): Promise<ServiceInfo> {
    const followed = this.#session(id);
    const sid = serviceId(service);
    const fresh = !followed.services.has(sid);
    if (fresh && followed.services.size >= this.#maxServices) throw new HubRefusal('limit', `a session may subscribe to at most ${this.#maxServices} services`);
    followed.services.set(sid, service);
    follow(this.#serviceFollowers, sid, followed);
    try {
      const source = await awaitShared(this.#namingSource(), signal, 'subscribing through the bridge');
      if (!this.#sessions.has(id)) throw this.#gone(id);
      let list = this.#lists.get(sid);
      if (!list) {
        // Shared by every session that follows the service: it runs under the hub's lifetime (the connection's own
        // timeout bounds it), so one caller's abort cannot fail the others' wait.
        this.#lists.set(sid, (list = this.#inOrder(sid, () => source.subscribe(service, this.#life.signal))));
        list.catch(() => this.#lists.get(sid) === list && this.#lists.delete(sid));
      }
      const info = await awaitShared(list, signal, 'subscribing through the bridge');
      // The session ended while the subscription was on the wire: what no one follows now is dropped upstream.
      if (!this.#serviceFollowers.has(sid)) await this.#dropService(sid, service);
      return info;
    } catch (error) {
      // The drop waits for the subscribe still on the wire; this caller does not (it may have given up).
      if (fresh && followed.services.delete(sid) && unfollow(this.#serviceFollowers, sid, followed)) void this.#dropService(sid, service);
      throw error;
    }
  }

  /** Stops following `service` for session `id` (a service it does not follow is left as it is). */
  async unsubscribe(id: string, service: ServiceKey, signal: AbortSignal): Promise<void> {
    const followed = this.#session(id);
    const sid = serviceId(service);
    if (followed.services.delete(sid) && unfollow(this.#serviceFollowers, sid, followed)) await awaitShared(this.#dropService(sid, service), signal, 'unsubscribing through the bridge');
  }

  /** Ends the upstream connections. */
  async shutdown(): Promise<void> {
    this.#life.abort();
    this.#sessions.clear();
    this.#configFollowers.clear();
    this.#serviceFollowers.clear();
    await Promise.all([this.#config?.source.close(), this.#naming?.source.close()]);
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  #gone(id: string): HubRefusal {
    return new HubRefusal('gone', `no bridge session ${id} (its watch stream ended): open a new one`);
  }

  #session(id: string): Followed {
    const followed = this.#sessions.get(id);
    if (!followed) throw this.#gone(id);
    return followed;
  }

  /**
   * Unlistens upstream those of `keys` that no session follows (a session may have come to follow one meanwhile),
   * under the hub's lifetime: it is no caller's own work.
   */
  async #unlistenOrphans(keys: readonly ConfigKey[]): Promise<void> {
    const orphans = keys.filter((key) => !this.#configFollowers.has(configId(key)));
    if (orphans.length > 0 && this.#config) await this.#config.source.unlisten(orphans, this.#life.signal).catch(() => undefined);
  }

  /** Unsubscribes `service` upstream once no session follows it, after any subscribe of it still on the wire. */
  async #dropService(sid: string, service: ServiceKey): Promise<void> {
    if (this.#serviceFollowers.has(sid)) return;
    this.#lists.delete(sid);
    const naming = this.#naming;
    if (!naming) return;
    await this.#inOrder(sid, async () => {
      // Followed again while this waited its turn: the subscribe queued meanwhile stands.
      if (!this.#serviceFollowers.has(sid)) await naming.source.unsubscribe(service, this.#life.signal).catch(() => undefined);
    });
  }

  /** Runs `op` after the last upstream operation on service `sid` has settled. */
  #inOrder<T>(sid: string, op: () => Promise<T>): Promise<T> {
    const run = (this.#serviceOps.get(sid) ?? Promise.resolve()).then(op, op);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#serviceOps.set(sid, settled);
    void settled.then(() => this.#serviceOps.get(sid) === settled && this.#serviceOps.delete(sid));
    return run;
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
          for (const f of this.#configFollowers.get(configId(key)) ?? []) f.session.send({ kind: 'changed', key });
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
          for (const f of this.#serviceFollowers.get(id) ?? []) f.session.send({ kind: 'pushed', service: info });
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

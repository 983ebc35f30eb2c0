// Drives a client's registrations and subscriptions over a push source, for every adapter alike: register and
// subscribe on the connection, deliver what the server pushes, and after every new connection register and subscribe
// everything again, since the server dropped it all with the old connection (the field's most common complaint about
// every SDK: instances gone after a server restart).
import { groupedName, instanceKey, type ServiceInfo } from '../naming/model.js';
import type { InstanceFields } from '../naming/protocol.js';
import { messageOf } from '../errors.js';
import { backoffMs, sleep } from '../util/time.js';
import type { NamingPushDriver, NamingPushHost, ServiceKey } from './port.js';
import { driverLife, startOrFallBack, type FallBackOptions } from './source.js';

/** A push source of instance lists (and registrations, where it can). */
export interface NamingSource {
  /** The first connection, or the error that kept the source from making one (the host then falls back to HTTP). */
  start(): Promise<void>;
  /** Registers `instances` as the connection's instances of `service` (none: deregisters its last ones). */
  register?(service: ServiceKey, instances: readonly InstanceFields[], signal: AbortSignal): Promise<void>;
  /** Subscribes to every cluster of `service` (a connection holds one subscription per service) and resolves its list. */
  subscribe(service: ServiceKey, signal: AbortSignal): Promise<ServiceInfo>;
  unsubscribe(service: ServiceKey, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** What a source tells its driver. */
export interface NamingSourceEvents {
  pushed(service: ServiceInfo): void;
  /** A connection was made (the first, or anew): the server knows none of this client's instances or subscriptions. */
  connected(): void;
}

/** The key of a service in maps. */
const serviceId = (service: ServiceKey) => groupedName(service.serviceName, service.groupName);

/** The ephemeral instances of `registry`, by serviceId. */
function byService(registry: Iterable<InstanceFields>): Map<string, { service: ServiceKey; instances: InstanceFields[] }> {
  const services = new Map<string, { service: ServiceKey; instances: InstanceFields[] }>();
  for (const f of registry) {
    if (!f.ephemeral) continue;
    const id = serviceId(f);
    let entry = services.get(id);
    if (!entry) services.set(id, (entry = { service: { serviceName: f.serviceName, groupName: f.groupName }, instances: [] }));
    entry.instances.push(f);
  }
  return services;
}

/**
 * A driver of `host`'s registrations and subscriptions over the source `open` makes. `name` is for log lines.
 * Lists are asked for whole (every cluster) and each subscription gets the instances of its clusters.
 */
export function namingDriver(host: NamingPushHost, name: string, open: (events: NamingSourceEvents) => NamingSource, options: FallBackOptions = {}): NamingPushDriver {
  const { log } = host.context;
  const life = driverLife(host.context);
  let connections = 0;
  let fellBack = false;
  /** Push serves again after a fall-back, and the host waits for a redo to go through before it is handed back. */
  let resuming = false;
  let registrations: Promise<unknown> = Promise.resolve();

  /** A whole list to every subscription of its service, each its clusters' instances. */
  const deliver = (service: ServiceInfo) => {
    const id = serviceId({ serviceName: service.name, groupName: service.groupName });
    for (const sub of host.subscriptions.values()) {
      if (serviceId(sub) === id) host.apply(sub, service.hosts.filter((h) => sub.clusters.length === 0 || sub.clusters.includes(h.clusterName)));
    }
  };

  /** The subscribed services, once each. */
  const subscribedServices = () => new Map([...host.subscriptions.values()].map((sub) => [serviceId(sub), { serviceName: sub.serviceName, groupName: sub.groupName }])).values();

  /** What the host holds: while resuming, a redo goes again until this stays the same over one pass. */
  const holding = () => JSON.stringify([[...host.registered.values()], [...host.subscriptions.keys()]]);

  /**
   * Registers and subscribes everything the host holds, until it went through on this connection. While resuming,
   * the host still registers and subscribes over HTTP, so a pass that saw the host's holdings change is made again;
   * the first redo to go through with nothing changed hands the host back, in the same turn (a newer connection's
   * redo, when this connection dropped meanwhile).
   */
  const redo = async (connection: number): Promise<void> => {
    for (let attempt = 1; connection === connections && !life.signal.aborted && !fellBack; attempt++) {
      try {
        let before: string;
        do {
          // Compared only while resuming: a plain reconnect's redo does not stringify the registry.
          before = resuming ? holding() : '';
          if (source.register) for (const { service, instances } of byService(host.registered.values()).values()) await source.register(service, instances, life.signal);
          for (const service of subscribedServices()) deliver(await source.subscribe(service, life.signal));
        } while (resuming && before !== holding() && connection === connections && !life.signal.aborted);
        if (connection !== connections || life.signal.aborted) return;
        if (connection > 1) log.info(`${name} naming: registrations and subscriptions made again on the new connection`);
        if (resuming) {
          resuming = false;
          host.resume();
        }
        return;
      } catch (error) {
        if (life.signal.aborted || connection !== connections) return;
        if (attempt === 1) log.warn(`${name} naming: redoing registrations and subscriptions failed; retrying with backoff: ${messageOf(error)}`);
        await sleep(backoffMs(attempt), life.signal).catch(() => undefined);
      }
    }
  };

  const events: NamingSourceEvents = {
    pushed: deliver,
    connected: () => void redo(++connections),
  };
  let source!: NamingSource;
  startOrFallBack(() => (source = open(events)), life, log, {
    name,
    warning: `${name} push unavailable, registering with heartbeats and polling lists over HTTP instead`,
    retryMs: options.fallBackRetryMs,
    fallBack: () => {
      fellBack = true;
      host.fallBack();
    },
    resume: () => {
      // What the host holds is registered and subscribed on the connection first; only then is the host handed back
      // (its calls go over the connection from then on, its heartbeats and polling stop), so nothing is missing meanwhile.
      fellBack = false;
      resuming = true;
      void redo(connections);
    },
  });

  /**
   * Runs `work` under the client's lifetime and the caller's `signal`; resolves false when the driver fell back to
   * HTTP before or while it ran (the host then does it over HTTP), so no call fails for the fall-back.
   */
  const scoped = async (signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<void>): Promise<boolean> => {
    if (fellBack) return false;
    const scope = host.context.scope(signal);
    try {
      await work(scope.signal);
      return true;
    } catch (error) {
      if (fellBack) return false;
      throw error;
    } finally {
      scope.release();
    }
  };

  return {
    registers: source.register !== undefined,
    register(instances, remove, signal) {
      // One registration at a time: each sends its services' instances as the ones before it left them (two at
      // once for one service would each send a set without the other's instance, and the later would replace it).
      const run = registrations.then(() => scoped(signal, async (s) => {
        const register = source.register;
        if (!register) return;
        // The registry as it will be; the host's changes only once every service's registration went through.
        const next = new Map(host.registered);
        for (const f of instances) remove ? next.delete(instanceKey(f)) : next.set(instanceKey(f), f);
        const wanted = byService(next.values());
        for (const id of new Set(instances.map(serviceId))) {
          const f = instances.find((i) => serviceId(i) === id)!;
          await register({ serviceName: f.serviceName, groupName: f.groupName }, wanted.get(id)?.instances ?? [], s);
        }
        for (const f of instances) remove ? host.registered.delete(instanceKey(f)) : host.registered.set(instanceKey(f), f);
      }));
      registrations = run.catch(() => undefined);
      return run;
    },
    subscribe: (sub, signal) => scoped(signal, async (s) => deliver(await source.subscribe(sub, s))),
    async unsubscribe(sub, signal) {
      const id = serviceId(sub);
      if (![...host.subscriptions.values()].some((other) => serviceId(other) === id)) await scoped(signal, (s) => source.unsubscribe(sub, s));
    },
    async close(deregister = false) {
      const registered = [...byService(host.registered.values()).values()];
      if (deregister && source.register && !fellBack) {
        const results = await Promise.allSettled(registered.map(({ service }) => source.register!(service, [], life.signal)));
        const failed = results.filter((r) => r.status === 'rejected').length;
        if (failed > 0) log.warn(`shutdown: ${failed} of ${registered.length} services' instances could not be deregistered; the connection's end removes them`);
      }
      // The connection's end takes the instances it held off the server: the host has nothing left to deregister.
      if (source.register && !fellBack) for (const [key, f] of host.registered) if (f.ephemeral) host.registered.delete(key);
      life.end();
      await source.close();
    },
  };
}

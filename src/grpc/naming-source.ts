// Naming over a Nacos gRPC connection: ephemeral instances bound to the connection (InstanceRequest for one,
// BatchInstanceRequest for several: a connection holds one registration per service, which the newest replaces),
// SubscribeServiceRequest, and NotifySubscriberRequest pushes.
import { groupedName, plainName, toServiceInfo, type ServiceInfo } from '../naming/model.js';
import type { InstanceFields } from '../naming/protocol.js';
import type { NamingSource, NamingSourceEvents } from '../push/naming-driver.js';
import type { PushContext, ServiceKey } from '../push/port.js';
import { GrpcChannel, type GrpcOptions } from './channel.js';

/** An instance as the gRPC API takes it. */
function wireInstance(f: InstanceFields): Record<string, unknown> {
  return {
    ip: f.ip,
    port: f.port,
    weight: f.weight,
    healthy: f.healthy,
    enabled: f.enabled,
    ephemeral: true,
    clusterName: f.clusterName,
    serviceName: f.serviceName,
    metadata: f.metadata,
  };
}

/** A pushed or answered `serviceInfo`, in the shape the HTTP lists give (its name may carry the group, as on v1). */
function serviceInfoOf(raw: unknown, fallback: ServiceKey): ServiceInfo {
  const info = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const groupName = typeof info['groupName'] === 'string' && info['groupName'] !== '' ? info['groupName'] : fallback.groupName;
  return toServiceInfo(info, plainName(info['name'], fallback.serviceName), groupName, typeof info['clusters'] === 'string' ? info['clusters'] : '');
}

export function grpcNamingSource(context: PushContext, options: GrpcOptions, events: NamingSourceEvents): NamingSource {
  const namespace = context.config.namespaceId || 'public';
  /** What each service's registration holds on the current connection (a deregistration names one of them). */
  const registered = new Map<string, readonly InstanceFields[]>();
  const channel = new GrpcChannel(context, 'naming', options, {
    connected: () => {
      registered.clear();
      events.connected();
    },
    push: (payload) => {
      if (payload.type !== 'NotifySubscriberRequest') return;
      const info = payload.body['serviceInfo'];
      // A push without hosts is no list (the Java SDK ignores those too).
      if (typeof info !== 'object' || info === null || !Array.isArray((info as { hosts?: unknown }).hosts)) return;
      events.pushed(serviceInfoOf(info, { serviceName: '', groupName: '' }));
    },
  });
  const base = (service: ServiceKey) => ({ namespace, serviceName: service.serviceName, groupName: service.groupName, module: 'naming' });
  return {
    start: () => channel.start(),
    async register(service, instances, signal) {
      const id = groupedName(service.serviceName, service.groupName);
      if (instances.length === 0) {
        const last = registered.get(id)?.[0];
        if (last) await channel.request('InstanceRequest', { ...base(service), type: 'deregisterInstance', instance: wireInstance(last) }, signal);
        registered.delete(id);
        return;
      }
      if (instances.length === 1) {
        await channel.request('InstanceRequest', { ...base(service), type: 'registerInstance', instance: wireInstance(instances[0]!) }, signal);
      } else {
        await channel.request('BatchInstanceRequest', { ...base(service), type: 'batchRegisterInstance', instances: instances.map(wireInstance) }, signal);
      }
      registered.set(id, instances);
    },
    // Blank clusters: every cluster (the server keeps one subscriber per service and connection; the driver filters).
    async subscribe(service, signal) {
      const answer = await channel.request('SubscribeServiceRequest', { ...base(service), subscribe: true, clusters: '' }, signal);
      return serviceInfoOf(answer.body['serviceInfo'], service);
    },
    async unsubscribe(service, signal) {
      await channel.request('SubscribeServiceRequest', { ...base(service), subscribe: false, clusters: '' }, signal);
    },
    close: () => channel.close(),
  };
}

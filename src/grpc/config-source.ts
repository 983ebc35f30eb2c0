// Config changes over a Nacos gRPC connection: ConfigBatchListenRequest to follow keys by md5, ConfigChangeNotifyRequest
// pushes when one changes.
import type { ConfigKey } from '../config/model.js';
import type { ConfigSource, ConfigSourceEvents } from '../push/config-driver.js';
import type { PushContext } from '../push/port.js';
import { GrpcChannel, type GrpcOptions } from './channel.js';

/** Keys per ConfigBatchListenRequest (the Java SDK's task size). */
const LISTEN_BATCH = 3000;

/** `tenant` as this client keeps it: a blank namespace comes back from the server as null, '' or 'public'. */
const sameNamespace = (tenant: unknown, namespace: string) => (tenant === null || tenant === undefined || tenant === '' || tenant === 'public' ? namespace === '' || namespace === 'public' : tenant === namespace);

export function grpcConfigSource(context: PushContext, options: GrpcOptions, events: ConfigSourceEvents): ConfigSource {
  const namespace = context.config.namespaceId;
  const channel = new GrpcChannel(context, 'config', options, {
    connected: () => events.connected(),
    push: (payload) => {
      if (payload.type !== 'ConfigChangeNotifyRequest') return;
      const { dataId, group, tenant } = payload.body;
      if (typeof dataId !== 'string' || typeof group !== 'string' || !sameNamespace(tenant, namespace)) return;
      events.changed({ dataId, group, tenant: namespace });
    },
  });
  const contexts = (entries: readonly { key: ConfigKey; md5: string }[]) => entries.map(({ key, md5 }) => ({ dataId: key.dataId, group: key.group, tenant: key.tenant, md5 }));
  const batches = <T>(items: readonly T[]) => Array.from({ length: Math.ceil(items.length / LISTEN_BATCH) }, (_, i) => items.slice(i * LISTEN_BATCH, (i + 1) * LISTEN_BATCH));
  return {
    start: () => channel.start(),
    async listen(entries, signal) {
      const differ: ConfigKey[] = [];
      for (const batch of batches(entries)) {
        const answer = await channel.request('ConfigBatchListenRequest', { listen: true, configListenContexts: contexts(batch), module: 'config' }, signal);
        const changed = answer.body['changedConfigs'];
        if (!Array.isArray(changed)) continue;
        for (const c of changed as { dataId?: unknown; group?: unknown; tenant?: unknown }[]) {
          if (typeof c.dataId === 'string' && typeof c.group === 'string') differ.push({ dataId: c.dataId, group: c.group, tenant: namespace });
        }
      }
      return differ;
    },
    async unlisten(keys, signal) {
      for (const batch of batches(keys)) {
        await channel.request('ConfigBatchListenRequest', { listen: false, configListenContexts: contexts(batch.map((key) => ({ key, md5: '' }))), module: 'config' }, signal);
      }
    },
    close: () => channel.close(),
  };
}

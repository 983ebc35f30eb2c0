// The push sources over the bridge: config listens and change hints, naming subscriptions and pushed lists, each on a
// watch stream of its own (as the gRPC adapter keeps a connection per module).
import type { ConfigKey } from '../config/model.js';
import { toServiceInfo } from '../naming/model.js';
import type { ConfigSource, ConfigSourceEvents } from '../push/config-driver.js';
import type { NamingSource, NamingSourceEvents } from '../push/naming-driver.js';
import type { PushContext } from '../push/port.js';
import { BridgeStream, type BridgeOptions } from './stream.js';

/** A key the bridge named, in this client's namespace (the bridge serves one). */
const keysOf = (raw: unknown, tenant: string): ConfigKey[] =>
  (Array.isArray(raw) ? (raw as Record<string, unknown>[]) : []).filter((k) => typeof k?.['dataId'] === 'string' && typeof k['group'] === 'string').map((k) => ({ dataId: k['dataId'] as string, group: k['group'] as string, tenant }));

/** A list the bridge sent, read as a Nacos `serviceInfo` is (so a malformed one cannot reach a subscriber). */
const infoOf = (raw: unknown) => {
  const info = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return toServiceInfo(info, text(info['name']), text(info['groupName']) || 'DEFAULT_GROUP', text(info['clusters']));
};

export function bridgeConfigSource(context: PushContext, options: BridgeOptions, events: ConfigSourceEvents): ConfigSource {
  const tenant = context.config.namespaceId;
  const stream = new BridgeStream(context, options, {
    connected: () => events.connected(),
    message: (payload) => {
      if (payload.type === 'ConfigChanged') for (const key of keysOf([payload.body], tenant)) events.changed(key);
    },
  });
  return {
    start: () => stream.start(),
    async listen(entries, signal) {
      const answer = await stream.request('ConfigListen', { entries: entries.map(({ key, md5 }) => ({ dataId: key.dataId, group: key.group, tenant: key.tenant, md5 })) }, signal);
      return keysOf(answer['changed'], tenant);
    },
    async unlisten(keys, signal) {
      await stream.request('ConfigUnlisten', { keys: keys.map((k) => ({ dataId: k.dataId, group: k.group, tenant: k.tenant })) }, signal);
    },
    close: () => stream.close(),
  };
}

export function bridgeNamingSource(context: PushContext, options: BridgeOptions, events: NamingSourceEvents): NamingSource {
  const stream = new BridgeStream(context, options, {
    connected: () => events.connected(),
    message: (payload) => {
      if (payload.type === 'ServicePushed' && Array.isArray((payload.body['serviceInfo'] as { hosts?: unknown } | undefined)?.hosts)) events.pushed(infoOf(payload.body['serviceInfo']));
    },
  });
  return {
    start: () => stream.start(),
    async subscribe(service, signal) {
      return infoOf((await stream.request('ServiceSubscribe', { serviceName: service.serviceName, groupName: service.groupName }, signal))['serviceInfo']);
    },
    async unsubscribe(service, signal) {
      await stream.request('ServiceUnsubscribe', { serviceName: service.serviceName, groupName: service.groupName }, signal);
    },
    close: () => stream.close(),
  };
}

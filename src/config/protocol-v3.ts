// The config calls of servers without the v1 API (Nacos 3.2+): v3 client reads, admin writes and deletes.
// A chunk of its own, loaded the first time a server turns out to be of that generation.
import { envelopeError, parseEnvelope } from '../transport/envelope.js';
import {
  configMd5Async,
  NacosError,
  describeKey,
  NOT_FOUND,
  READ_RETRY,
  requireLogin,
  tenantParam,
  type CallOptions,
  type ConfigKey,
  type ConfigRead,
  type NacosResponse,
  type PublishFields,
  type Transport,
} from '../on-demand.js';
import { casError, isCasFailure } from './write.js';

/** Reads one config through the v3 client API. */
export async function v3Read(transport: Transport, key: ConfigKey, options: CallOptions): Promise<ConfigRead> {
  const what = `read config ${describeKey(key)}`;
  // The v3 client API reads the config that the server's gray rules pick for this client's address; it takes no
  // tag (3.0.3's handler never reads one), so a tag read would quietly return the main content.
  if (options.tag !== undefined) {
    throw new NacosError('UNSUPPORTED', `${what} with tag "${options.tag}": Nacos 3.x's HTTP client API cannot read a tag (gray) variant`);
  }
  const res = await transport.request({
    method: 'GET',
    path: '/v3/client/cs/config',
    query: { dataId: key.dataId, groupName: key.group, namespaceId: tenantParam(key) },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
    server: options.server,
    retryOn: READ_RETRY,
  });
  const envelope = parseEnvelope(res, what);
  if (envelope.code === 20004) return NOT_FOUND;
  if (envelope.code !== 0 || typeof envelope.data !== 'object' || envelope.data === null) throw envelopeError(res, envelope, what);
  const data = envelope.data as { content?: unknown; md5?: unknown; contentType?: unknown; encryptedDataKey?: unknown };
  const content = typeof data.content === 'string' ? data.content : '';
  return {
    found: true,
    content,
    md5: typeof data.md5 === 'string' && data.md5 !== '' ? data.md5 : await configMd5Async(content),
    type: typeof data.contentType === 'string' ? data.contentType : undefined,
    encryptedDataKey: typeof data.encryptedDataKey === 'string' && data.encryptedDataKey !== '' ? data.encryptedDataKey : undefined,
  };
}

/** Publishes through the admin API: true, or the answer for the caller to turn into an error. */
export async function v3Write(
  transport: Transport,
  key: ConfigKey,
  fields: PublishFields,
  headers: Record<string, string>,
  retryOn: (status: number, body: string) => boolean,
  signal: AbortSignal | undefined,
): Promise<true | NacosResponse> {
  const what = `publish config ${describeKey(key)}`;
  requireLogin(transport, what);
  const res = await transport.request({
    method: 'POST',
    path: '/v3/admin/cs/config',
    form: {
      dataId: key.dataId,
      groupName: key.group,
      namespaceId: tenantParam(key),
      content: fields.content,
      type: fields.type,
      tag: fields.tag,
      appName: fields.appName,
      srcUser: fields.srcUser,
      configTags: fields.configTags,
      desc: fields.desc,
      encryptedDataKey: fields.encryptedDataKey,
    },
    headers,
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal,
    retryOn,
  });
  if (res.status !== 200) return res;
  const envelope = parseEnvelope(res, what);
  if (envelope.code === 0 && envelope.data === true) return true;
  if (fields.casMd5 !== undefined && isCasFailure(JSON.stringify(envelope))) throw casError(res, key);
  throw envelopeError(res, envelope, what);
}

/** Deletes through the admin API (deleting an absent config succeeds). */
export async function v3Delete(transport: Transport, key: ConfigKey, options: CallOptions): Promise<true> {
  const what = `remove config ${describeKey(key)}`;
  requireLogin(transport, what);
  const res = await transport.request({
    method: 'DELETE',
    path: '/v3/admin/cs/config',
    query: { dataId: key.dataId, groupName: key.group, namespaceId: tenantParam(key), tag: options.tag },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
  });
  const envelope = parseEnvelope(res, what);
  if (envelope.code === 0) return true;
  throw envelopeError(res, envelope, what);
}

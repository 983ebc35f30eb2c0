// The 3.2+ read (servers without the v1 API): the v3 client API.
import { NacosError } from '../errors.js';
import { envelopeError, parseEnvelope } from '../transport/envelope.js';
import type { Transport } from '../transport/http.js';
import { configMd5 } from '../util/md5.js';
import { describeKey, NOT_FOUND, V3_READ_RETRY, tenantParam, type CallOptions, type ConfigKey, type ConfigRead } from './model.js';

/** Reads one config through the v3 client API. */
export async function v3Read(transport: Transport, key: ConfigKey, options: CallOptions): Promise<ConfigRead> {
  const what = `read config ${describeKey(key)}`;
  // The v3 client API reads the config that the server's gray rules pick for this client's address; it takes no
  // tag (3.0.3's handler never reads one), so a tag read would quietly return the main content.
  if (options.tag !== undefined) {
    throw new NacosError('UNSUPPORTED', `${what} with tag "${options.tag}": the v3 client API cannot read tags (gray variants)`);
  }
  const res = await transport.request({
    method: 'GET',
    path: '/v3/client/cs/config',
    query: { dataId: key.dataId, groupName: key.group, namespaceId: tenantParam(key) },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
    server: options.server,
    retryOn: V3_READ_RETRY,
  });
  const envelope = parseEnvelope(res, what);
  if (envelope.code === 20004) return NOT_FOUND;
  if (envelope.code !== 0 || typeof envelope.data !== 'object' || envelope.data === null) throw envelopeError(res, envelope, what);
  const data = envelope.data as { content?: unknown; md5?: unknown; contentType?: unknown; encryptedDataKey?: unknown };
  const content = typeof data.content === 'string' ? data.content : '';
  return {
    found: true,
    content,
    // An empty md5 or data key is none.
    md5: (typeof data.md5 === 'string' && data.md5) || configMd5(content),
    type: typeof data.contentType === 'string' ? data.contentType : undefined,
    encryptedDataKey: (typeof data.encryptedDataKey === 'string' && data.encryptedDataKey) || undefined,
  };
}


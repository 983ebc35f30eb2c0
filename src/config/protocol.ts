import { NacosError } from '../errors.js';
import { envelopeError, errorForStatus, parseEnvelope, type ApiGeneration, type NacosResponse, type Transport } from '../transport/http.js';
import type { ServerAddress } from '../transport/servers.js';
import { configMd5 } from '../util/crypto.js';

/** Identifies one config. `tenant` is the namespace id, `''` for public. */
export interface ConfigKey {
  readonly dataId: string;
  readonly group: string;
  readonly tenant: string;
}

/** A config as read from a server. `found: false` means the server has no such config (md5 `''`). */
export interface ConfigRead {
  readonly found: boolean;
  readonly content: string;
  /** The md5 the server compares listeners against; `''` when absent. */
  readonly md5: string;
  /** The stored type (`json`, `yaml`, `properties`, `text`, …) when the server says. */
  readonly type: string | undefined;
  readonly encryptedDataKey: string | undefined;
}

/** Every field a publish can carry. */
export interface PublishFields {
  content: string;
  type?: string | undefined;
  tag?: string | undefined;
  appName?: string | undefined;
  betaIps?: string | undefined;
  casMd5?: string | undefined;
  srcUser?: string | undefined;
  encryptedDataKey?: string | undefined;
  desc?: string | undefined;
  configTags?: string | undefined;
}

interface CallOptions {
  signal?: AbortSignal | undefined;
  tag?: string | undefined;
  server?: ServerAddress | undefined;
}

const NOT_FOUND: ConfigRead = Object.freeze({ found: false, content: '', md5: '', type: undefined, encryptedDataKey: undefined });

/** Reads retry on 409 (the server is dumping that config) as well as on 5xx. */
const READ_RETRY = (status: number) => status === 409 || status >= 500;

const tenantParam = (key: ConfigKey) => (key.tenant === '' ? undefined : key.tenant);

/** Reads one config through the generation's read API. */
export async function readConfig(transport: Transport, generation: ApiGeneration, key: ConfigKey, options: CallOptions = {}): Promise<ConfigRead> {
  if (generation === 'v1') return v1Answer(await v1Read(transport, key, options), key);
  return v3Read(transport, key, options);
}

/**
 * Reads one config when the preferred server's generation is not known yet: the v1 read itself tells
 * (see generationFromV1Answer), and a server without v1 is asked again on the v3 path. One round trip on
 * v1 servers instead of a probe plus a read.
 */
export async function readConfigDiscovering(transport: Transport, key: ConfigKey, options: CallOptions = {}): Promise<ConfigRead> {
  const res = await v1Read(transport, key, options);
  if (transport.learnGeneration(res) === 'v1') return v1Answer(res, key);
  return v3Read(transport, key, { ...options, server: res.server });
}

function v1Read(transport: Transport, key: ConfigKey, options: CallOptions): Promise<NacosResponse> {
  return transport.request({
    method: 'GET',
    path: '/v1/cs/configs',
    query: { dataId: key.dataId, group: key.group, tenant: tenantParam(key), tag: options.tag },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
    server: options.server,
    retryOn: READ_RETRY,
  });
}

function v1Answer(res: NacosResponse, key: ConfigKey): ConfigRead {
  if (res.status === 404) return NOT_FOUND;
  if (res.status !== 200) throw errorForStatus(res, `read config ${describeKey(key)}`);
  return {
    found: true,
    content: res.body,
    md5: res.headers.get('Content-MD5') ?? configMd5(res.body),
    type: res.headers.get('Config-Type') ?? undefined,
    encryptedDataKey: res.headers.get('Encrypted-Data-Key') ?? undefined,
  };
}

async function v3Read(transport: Transport, key: ConfigKey, options: CallOptions): Promise<ConfigRead> {
  const what = `read config ${describeKey(key)}`;
  const res = await transport.request({
    method: 'GET',
    path: '/v3/client/cs/config',
    query: { dataId: key.dataId, groupName: key.group, namespaceId: tenantParam(key), tag: options.tag },
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
    md5: typeof data.md5 === 'string' && data.md5 !== '' ? data.md5 : configMd5(content),
    type: typeof data.contentType === 'string' ? data.contentType : undefined,
    encryptedDataKey: typeof data.encryptedDataKey === 'string' && data.encryptedDataKey !== '' ? data.encryptedDataKey : undefined,
  };
}

/** CAS conflicts come back as 500 on 2.x; they must not send the publish to the next server. */
const isCasFailure = (body: string) => /cas publish fail|server md5 may have changed/i.test(body);

/** Publishes a config; resolves true or throws (CAS_CONFLICT for a lost compare-and-swap). */
export async function writeConfig(transport: Transport, generation: ApiGeneration, key: ConfigKey, fields: PublishFields, signal?: AbortSignal): Promise<true> {
  const what = `publish config ${describeKey(key)}`;
  const headers: Record<string, string> = {};
  if (fields.betaIps) headers['betaIps'] = fields.betaIps;
  if (fields.casMd5 !== undefined) headers['casMd5'] = fields.casMd5;
  const retryOn = (status: number, body: string) => status >= 500 && !isCasFailure(body);
  let res: NacosResponse;
  if (generation === 'v1') {
    res = await transport.request({
      method: 'POST',
      path: '/v1/cs/configs',
      form: {
        dataId: key.dataId,
        group: key.group,
        tenant: tenantParam(key),
        content: fields.content,
        type: fields.type,
        tag: fields.tag,
        appName: fields.appName,
        src_user: fields.srcUser,
        config_tags: fields.configTags,
        desc: fields.desc,
        encryptedDataKey: fields.encryptedDataKey,
      },
      headers,
      sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
      signal,
      retryOn,
    });
    if (res.status === 200 && res.body.trim() === 'true') return true;
  } else {
    requireLogin(transport, what);
    res = await transport.request({
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
    if (res.status === 200) {
      const envelope = parseEnvelope(res, what);
      if (envelope.code === 0 && envelope.data === true) return true;
      if (fields.casMd5 !== undefined && isCasFailure(JSON.stringify(envelope))) throw casError(res, key);
      throw envelopeError(res, envelope, what);
    }
  }
  if (fields.casMd5 !== undefined && (isCasFailure(res.body) || res.body.trim() === 'false')) throw casError(res, key);
  if (res.status === 403 && generation === 'v3') {
    throw new NacosError('AUTH', `${what}: Nacos 3.2+ publishes through the admin API, which needs an admin-capable user (HTTP 403)`, { status: 403, server: res.server.origin });
  }
  throw res.status === 200 ? new NacosError('SERVER', `${what}: unexpected answer ${JSON.stringify(res.body.slice(0, 100))}`, { status: 200, server: res.server.origin }) : errorForStatus(res, what);
}

/** Deletes a config (deleting an absent one succeeds). */
export async function deleteConfig(transport: Transport, generation: ApiGeneration, key: ConfigKey, options: CallOptions = {}): Promise<true> {
  const what = `remove config ${describeKey(key)}`;
  if (generation === 'v3') requireLogin(transport, what);
  const res = await transport.request({
    method: 'DELETE',
    path: generation === 'v1' ? '/v1/cs/configs' : '/v3/admin/cs/config',
    query:
      generation === 'v1'
        ? { dataId: key.dataId, group: key.group, tenant: tenantParam(key), tag: options.tag }
        : { dataId: key.dataId, groupName: key.group, namespaceId: tenantParam(key), tag: options.tag },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
  });
  if (res.status === 200) {
    if (generation === 'v1' && res.body.trim() === 'true') return true;
    if (generation === 'v3') {
      const envelope = parseEnvelope(res, what);
      if (envelope.code === 0) return true;
      throw envelopeError(res, envelope, what);
    }
  }
  throw errorForStatus(res, what);
}

const LINE = '\x01';
const WORD = '\x02';

/** The `Listening-Configs` value: `dataId^2group^2md5[^2tenant]^1` per key. */
export function encodeListeningConfigs(entries: readonly { key: ConfigKey; md5: string }[]): string {
  let out = '';
  for (const { key, md5 } of entries) {
    out += key.dataId + WORD + key.group + WORD + md5 + (key.tenant ? WORD + key.tenant : '') + LINE;
  }
  return out;
}

/** Parses a long-poll answer: form-encoded `dataId^2group[^2tenant]^1` lines. */
export function decodeListenerResponse(body: string, defaultTenant: string): ConfigKey[] {
  const text = body.trim();
  if (text === '') return [];
  let decoded: string;
  try {
    decoded = decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    decoded = text;
  }
  const keys: ConfigKey[] = [];
  for (const line of decoded.split(LINE)) {
    if (line === '') continue;
    const [dataId, group, tenant] = line.split(WORD);
    if (dataId === undefined || group === undefined) continue;
    // 3.x echoes `public` when a client sent it; we never send it, but map it back anyway.
    keys.push({ dataId, group, tenant: tenant === undefined || tenant === 'public' ? defaultTenant : tenant });
  }
  return keys;
}

/**
 * One v1 long poll (`POST /v1/cs/configs/listener`): resolves with the keys whose server md5 differs
 * from the md5 sent, at once when something already differs, otherwise when one changes or the hold ends.
 */
export async function longPoll(
  transport: Transport,
  entries: readonly { key: ConfigKey; md5: string }[],
  options: { tenant: string; holdMs: number; noHangup?: boolean; signal?: AbortSignal | undefined; server?: ServerAddress | undefined },
): Promise<ConfigKey[]> {
  const headers: Record<string, string> = { 'Long-Pulling-Timeout': String(options.holdMs) };
  if (options.noHangup) headers['Long-Pulling-Timeout-No-Hangup'] = 'true';
  const res = await transport.request({
    method: 'POST',
    path: '/v1/cs/configs/listener',
    form: { 'Listening-Configs': encodeListeningConfigs(entries), tenant: options.tenant || undefined },
    headers,
    // The server holds the request for holdMs - 500 ms; wait 10 s longer than that before giving up.
    timeoutMs: options.holdMs + 10_000,
    sign: { kind: 'config', tenant: options.tenant || undefined },
    signal: options.signal,
    server: options.server,
  });
  if (res.status === 200 || res.status === 204) return decodeListenerResponse(res.body, options.tenant);
  throw errorForStatus(res, 'config long poll');
}

function describeKey(key: ConfigKey): string {
  return `${key.group}/${key.dataId}${key.tenant ? ` in namespace ${key.tenant}` : ''}`;
}

function requireLogin(transport: Transport, what: string): void {
  if (!transport.hasLogin) {
    throw new NacosError('AUTH', `${what}: Nacos 3.2+ writes configs only through its admin API, which needs a username and password (none configured)`);
  }
}

function casError(res: NacosResponse, key: ConfigKey): NacosError {
  return new NacosError('CAS_CONFLICT', `publish config ${describeKey(key)}: compare-and-swap failed, the config changed since casMd5 was read`, {
    status: res.status,
    server: res.server.origin,
  });
}

import { NacosError, NacosUnavailableError } from '../errors.js';
import { errorForStatus, notNacos, type ApiGeneration, type NacosResponse } from '../transport/classify.js';
import type { Transport } from '../transport/http.js';
import type { ServerAddress } from '../transport/servers.js';
import { configMd5Async } from '../util/crypto.js';
import { sleep } from '../util/time.js';

/** Identifies one config. `tenant` is the namespace id, `''` for public. */
export interface ConfigKey {
  readonly dataId: string;
  readonly group: string;
  readonly tenant: string;
}

/** A config's identity in maps: namespace, group and dataId joined by a byte no valid name holds. */
export const configId = (key: ConfigKey): string => `${key.tenant}\x02${key.group}\x02${key.dataId}`;

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

export interface CallOptions {
  signal?: AbortSignal | undefined;
  tag?: string | undefined;
  server?: ServerAddress | undefined;
}

/** The 3.2+ API (v3 client reads, admin writes): a chunk loaded once a server turns out to need it. */
const v3 = () => import('./protocol-v3.js');

export const NOT_FOUND: ConfigRead = Object.freeze({ found: false, content: '', md5: '', type: undefined, encryptedDataKey: undefined });

/** Reads retry on 409 (the server is dumping that config) as well as on 5xx. */
export const READ_RETRY = (status: number) => status === 409 || status >= 500;

export const tenantParam = (key: ConfigKey) => (key.tenant === '' ? undefined : key.tenant);

/** Reads one config through the generation's read API. */
export function readConfig(transport: Transport, generation: ApiGeneration, key: ConfigKey, options: CallOptions = {}): Promise<ConfigRead> {
  return pastDumps(async () => {
    if (generation === 'v1') return v1Answer(await v1Read(transport, key, options), key);
    return (await v3()).v3Read(transport, key, options);
  }, options.signal);
}

/**
 * A 409 means the server is writing this config to its cache right now (a publish is landing: 2.5.1 answers
 * "requested file is being modified, please try later"). When every server said so, the read is asked again
 * after a short pause (50, 100, 200, 400 ms) instead of failing or falling back to an older snapshot.
 */
async function pastDumps<T>(read: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const dumping = error instanceof NacosUnavailableError && error.causes.length > 0 && error.causes.every((c) => c.status === 409);
      if (!dumping || attempt >= 4) throw error;
      await sleep(50 * 2 ** attempt, signal);
    }
  }
}

/**
 * Reads one config when the preferred server's generation is not known yet: the v1 read itself tells
 * (see generationFromV1Answer), and a server without v1 is asked again on the v3 path. One round trip on
 * v1 servers instead of a probe plus a read.
 */
export function readConfigDiscovering(transport: Transport, key: ConfigKey, options: CallOptions = {}): Promise<ConfigRead> {
  return pastDumps(async () => {
    const res = await v1Read(transport, key, options);
    const generation = transport.learnGeneration(res);
    if (generation === 'v1') return v1Answer(res, key);
    if (generation === 'v3') return (await v3()).v3Read(transport, key, { ...options, server: res.server });
    // Not an answer any Nacos gives (another service on that port): never taken for the config's content.
    const what = `read config ${describeKey(key)}`;
    throw res.status === 200 || res.status === 404 ? notNacos(res, what) : errorForStatus(res, what);
  }, options.signal);
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

async function v1Answer(res: NacosResponse, key: ConfigKey): Promise<ConfigRead> {
  if (res.status === 404) return NOT_FOUND;
  if (res.status !== 200) throw errorForStatus(res, `read config ${describeKey(key)}`);
  return {
    found: true,
    content: res.body,
    md5: res.headers.get('Content-MD5') ?? (await configMd5Async(res.body)),
    type: res.headers.get('Config-Type') ?? undefined,
    encryptedDataKey: res.headers.get('Encrypted-Data-Key') ?? undefined,
  };
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

export function describeKey(key: ConfigKey): string {
  return `${key.group}/${key.dataId}${key.tenant ? ` in namespace ${key.tenant}` : ''}`;
}

export function requireLogin(transport: Transport, what: string): void {
  if (!transport.hasLogin) {
    throw new NacosError('AUTH', `${what}: Nacos 3.2+ writes configs only through its admin API, which needs a username and password (none configured)`);
  }
}

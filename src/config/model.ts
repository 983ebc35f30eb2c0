// What the config modules share: a config's identity, a read's result, and the small rules every generation's
// calls follow. A leaf: it imports nothing of the config area, so reads, writes and listening can all use it.
import { NacosError } from '../errors.js';
import type { Transport } from '../transport/http.js';
import type { ServerAddress } from '../transport/servers.js';

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

export const NOT_FOUND: ConfigRead = Object.freeze({ found: false, content: '', md5: '', type: undefined, encryptedDataKey: undefined });

/** Reads go to the next server on 409 (the server is dumping that config) and 5xx. */
const retryRead = (status: number) => status === 409 || status >= 500;
/** …and on a v1 200 without the `Content-MD5` every Nacos sends with a config (junk is never taken for content). */
export const V1_READ_RETRY = (status: number, _body: string, headers: Headers) => retryRead(status) || (status === 200 && !headers.has('Content-MD5'));
/** …and on a v3 200 that is not a JSON envelope. */
export const V3_READ_RETRY = (status: number, body: string) => retryRead(status) || (status === 200 && !body.startsWith('{'));

export const tenantParam = (key: ConfigKey) => (key.tenant === '' ? undefined : key.tenant);

export function describeKey(key: ConfigKey): string {
  return `${key.group}/${key.dataId}${key.tenant ? ` in namespace ${key.tenant}` : ''}`;
}

export function requireLogin(transport: Transport, what: string): void {
  if (!transport.hasLogin) {
    throw new NacosError('AUTH', `${what}: Nacos 3.2+ writes configs only through its admin API, which needs a username and password (none configured)`);
  }
}

// Address-server discovery: the server list comes from `http://{endpoint}/nacos/serverlist` and is refreshed in the
// background. An opt-in feature (`nacos-edge/address-server`): apps with a static server list never ship it.
import type { ClientConfig, FetchLike } from '../client-config.js';
import { isNacosError, messageOf, NacosError } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeNetworkError } from './classify.js';
import { parseServerList, type ServerAddress, type ServerList } from './servers.js';
import { awaitShared } from './shared.js';

/** What the transport lends a discovery: its list to fill, its fetch, and its way of running shared work. */
export interface DiscoveryContext {
  readonly endpoint: string;
  readonly config: ClientConfig;
  readonly fetch: FetchLike;
  readonly servers: ServerList;
  readonly log: Logger;
  /** Runs `work` once under the client's lifetime (aborted by shutdown only). */
  shared<T>(work: (lifetime: AbortSignal) => Promise<T>): Promise<T>;
  /** A signal for one operation that also aborts on shutdown; `abort()` ends it as timed out. */
  scope(signal?: AbortSignal): { signal: AbortSignal; abort: () => void; release: () => void };
}

/** Keeps the transport's server list filled: `servers()` gives the list to try, preferred first. */
export interface ServerDiscovery {
  servers(signal: AbortSignal | undefined): Promise<readonly ServerAddress[]>;
}

/** Makes the discovery of one client; hand `addressServer` from `nacos-edge/address-server` to `ClientConfigBuilder.addressServer()`. */
export type AddressServerDiscovery = (context: DiscoveryContext) => ServerDiscovery;

/** The server-list body of an address server: one `ip[:port]` per line. */
export function parseAddressServerBody(body: string, defaultContextPath?: string): ServerAddress[] {
  return parseServerList(body.split(/\r?\n/), defaultContextPath);
}

/**
 * Asks the address server (`endpoint`: `host[:port]` or a URL; port 8080 and `/nacos/serverlist` by
 * default) for the cluster's servers. Throws `SERVER` or `NETWORK` when it cannot give a non-empty list.
 */
export async function fetchServerList(fetchFn: FetchLike, endpoint: string, config: Pick<ClientConfig, 'namespaceId' | 'contextPath'>, signal: AbortSignal): Promise<ServerAddress[]> {
  const base = /^https?:\/\//.test(endpoint) ? endpoint : `http://${/:\d+$/.test(endpoint) ? endpoint : `${endpoint}:8080`}`;
  const url = new URL(/\/[^/]/.test(base.replace(/^https?:\/\//, '')) ? base : `${base.replace(/\/$/, '')}/nacos/serverlist`);
  if (config.namespaceId) url.searchParams.set('namespace', config.namespaceId);
  try {
    const response = await fetchFn(url, { signal });
    const text = await response.text();
    if (!response.ok) throw new NacosError('SERVER', `address server answered HTTP ${response.status}`, { status: response.status, server: url.origin });
    const servers = parseAddressServerBody(text, config.contextPath);
    if (servers.length === 0) throw new NacosError('SERVER', 'address server returned no servers', { server: url.origin });
    return servers;
  } catch (error) {
    throw isNacosError(error) ? error : new NacosError('NETWORK', `address server ${url.origin} failed: ${describeNetworkError(error)}`, { cause: error, server: url.origin });
  }
}

/**
 * Address-server discovery: the list is refreshed every `endpointRefreshMs` in the background; a failed refresh is
 * retried with backoff (not on every request), and only a client without any list yet waits for it.
 */
export const addressServer: AddressServerDiscovery = (context) => {
  const { config, endpoint, servers, log } = context;
  let checkedAt = 0;
  let failures = 0;
  let refresh: Promise<void> | undefined;

  const refreshOnce = async (lifetime: AbortSignal): Promise<void> => {
    const scope = context.scope(lifetime);
    const timer = setTimeout(() => scope.abort(), config.timeoutMs);
    try {
      const list = await fetchServerList(context.fetch, endpoint, config, scope.signal);
      servers.replace(list);
      failures = 0;
      log.debug(`address server listed ${list.length} server(s)`);
    } catch (error) {
      failures++;
      if (servers.size === 0) throw error;
      if (failures === 1) {
        log.warn(`could not refresh the server list from the address server; keeping the old one and retrying with backoff (${messageOf(error)})`);
      }
    } finally {
      clearTimeout(timer);
      scope.release();
    }
  };

  return {
    async servers(signal) {
      // After failures: 1 s, 2 s, 4 s … (never longer than the refresh interval).
      const wait = failures === 0 ? config.endpointRefreshMs : Math.min(config.endpointRefreshMs, 1000 * 2 ** Math.min(failures - 1, 5));
      if (!refresh && Date.now() - checkedAt >= wait) {
        checkedAt = Date.now();
        refresh = context.shared(refreshOnce).finally(() => {
          refresh = undefined;
        });
      }
      if (refresh) {
        if (servers.size === 0) await awaitShared(refresh, signal, 'address-server lookup');
        else refresh.catch(() => undefined);
      }
      return servers.ordered();
    },
  };
};

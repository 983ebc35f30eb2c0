import type { ClientConfig, FetchLike } from '../client-config.js';
import { describeNetworkError, isNacosError, NacosError, parseAddressServerBody, type ServerAddress } from '../on-demand.js';

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

/**
 * `nacos-edge/grpc-web`: pushes for browsers and Workers through the bridge (`nacos-edge/bridge`, or
 * `npx nacos-edge bridge`), which holds the gRPC connections to Nacos. Hand it to the builder; listeners, `watch()` and
 * subscriptions then get the bridge's pushes instead of polling. Reads still go the client's way to Nacos (its server
 * list: a same-origin proxy in a page). Instances register over HTTP with heartbeats, as without push. A client whose
 * first stream fails (no bridge, a wrong token) follows changes over HTTP instead and logs it once.
 *
 * @example
 * import { bridgePush } from 'nacos-edge/grpc-web';
 * const config = new ClientConfigBuilder().serverAddress(location.origin).push(bridgePush({ url: 'https://push.example.com', token })).build();
 *
 * @module
 */
import { NacosValidationError, type ValidationIssue } from '../errors.js';
import { PING_MS } from '../push/bridge-protocol.js';
import { configDriver } from '../push/config-driver.js';
import { isLoopbackHost } from '../util/loopback.js';
import { namingDriver } from '../push/naming-driver.js';
import type { PushAdapter } from '../push/port.js';
import { bridgeConfigSource, bridgeNamingSource } from './sources.js';
import type { BridgeOptions } from './stream.js';

export type { BridgeOptions } from './stream.js';
export type { PushAdapter } from '../push/port.js';

/** What is wrong with `options`, one issue per field. */
function issuesOf(options: BridgeOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  let url: URL | undefined;
  try {
    url = typeof options.url === 'string' ? new URL(options.url) : undefined;
  } catch {
    // Reported below.
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) issues.push({ path: 'url', message: "must be the bridge's http(s) URL" });
  else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    // Plain http is fine on this machine only: the token would cross no network.
    issues.push({ path: 'url', message: `must be https: the bridge token would cross the network in clear to ${url.origin} (plain http only on loopback)` });
  }
  if (typeof options.token !== 'string' || options.token === '') issues.push({ path: 'token', message: "must be the bridge's token" });
  const idle = options.idleTimeoutMs;
  if (idle !== undefined && !(Number.isFinite(idle) && idle > PING_MS)) issues.push({ path: 'idleTimeoutMs', message: `must be more than the bridge's ${PING_MS} ms between pings` });
  for (const name of ['connectTimeoutMs', 'fallBackRetryMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) issues.push({ path: name, message: 'must be a positive number of ms' });
  }
  return issues;
}

/** The bridge push adapter: `.push(bridgePush({ url, token }))` on the builder. Bad options throw NacosValidationError. */
export function bridgePush(options: BridgeOptions): PushAdapter {
  const issues = typeof options === 'object' && options !== null ? issuesOf(options) : [{ path: '', message: 'give { url, token }' }];
  if (issues.length > 0) throw new NacosValidationError(issues, 'bridgePush');
  return {
    name: 'bridge',
    config: (host) => configDriver(host, 'bridge', (events) => bridgeConfigSource(host.context, options, events), options),
    naming: (host) => namingDriver(host, 'bridge', (events) => bridgeNamingSource(host.context, options, events), options),
  };
}

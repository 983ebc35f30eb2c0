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
import { configDriver } from '../push/config-driver.js';
import { namingDriver } from '../push/naming-driver.js';
import type { PushAdapter } from '../push/port.js';
import { bridgeConfigSource, bridgeNamingSource } from './sources.js';
import type { BridgeOptions } from './stream.js';

export type { BridgeOptions } from './stream.js';
export type { PushAdapter } from '../push/port.js';

/** True for a URL to this machine, the one place a plain-http bridge is fine (the token would cross no network). */
function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The bridge push adapter: `.push(bridgePush({ url, token }))` on the builder. */
export function bridgePush(options: BridgeOptions): PushAdapter {
  let url: URL;
  try {
    url = new URL(options?.url);
  } catch {
    throw new TypeError('bridgePush needs the bridge\'s http(s) url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('bridgePush needs the bridge\'s http(s) url');
  if (url.protocol === 'http:' && !isLoopback(url)) throw new TypeError(`bridgePush: the bridge token would cross the network in clear; give an https url (plain http only on loopback), not ${url.origin}`);
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('bridgePush needs the bridge\'s token');
  return {
    name: 'bridge',
    config: (host) => configDriver(host, 'bridge', (events) => bridgeConfigSource(host.context, options, events), options),
    naming: (host) => namingDriver(host, 'bridge', (events) => bridgeNamingSource(host.context, options, events), options),
  };
}

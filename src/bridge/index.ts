/**
 * `nacos-edge/bridge`: push for browsers and Workers, which cannot open a Nacos gRPC stream. The bridge holds the gRPC
 * connections to Nacos (one for config, one for naming, shared by every client) and serves each client a gRPC-web
 * watch stream of what changed; clients plug it in with `bridgePush()` from `nacos-edge/grpc-web`. It takes its own
 * token: Nacos credentials never leave it. Runs on Node ≥ 20, Bun and Deno; `npx nacos-edge bridge` starts one.
 *
 * @example
 * import { createBridge } from 'nacos-edge/bridge';
 * const bridge = createBridge({ config: createClientConfig({ serverAddresses: '127.0.0.1:8848', username, password }), token: process.env.BRIDGE_TOKEN });
 * Deno.serve(bridge.fetch); // or Bun.serve({ fetch: bridge.fetch }), or serveBridge(bridge, { port: 8080 }) on Node
 *
 * @module
 */
import type { ClientConfig } from '../client-config.js';
import type { GrpcOptions } from '../grpc/channel.js';
import { grpcConfigSource } from '../grpc/config-source.js';
import { grpcNamingSource } from '../grpc/naming-source.js';
import { leveledLogger } from '../logger.js';
import { Transport } from '../transport/http.js';
import { BridgeHub } from './hub.js';
import { bridgeHandler, type BridgeServerOptions } from './server.js';

export { nodeHandler, serveBridge, type ServeOptions } from './node.js';
export type { BridgeServerOptions } from './server.js';

export interface BridgeOptions extends BridgeServerOptions {
  /** The upstream Nacos: servers, namespace, credentials (they stay in the bridge). */
  config: ClientConfig;
  /** Options of the gRPC connections to Nacos (port offset, TLS). */
  grpc?: GrpcOptions;
}

/** A bridge: serve `fetch`, and `close()` it to end every watch stream and the connections to Nacos. */
export interface Bridge {
  /** The fetch handler (`Deno.serve(bridge.fetch)`, `Bun.serve({ fetch: bridge.fetch })`). */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Watch streams open now. */
  readonly sessions: number;
  close(): Promise<void>;
}

/** Makes a bridge. Connects to nothing until the first client listens or subscribes. */
export function createBridge(options: BridgeOptions): Bridge {
  const { config, grpc = {} } = options;
  const transport = new Transport(config, leveledLogger(config.logger, config.logLevel));
  const hub = new BridgeHub({
    config: (events) => grpcConfigSource(transport, grpc, events),
    naming: (events) => grpcNamingSource(transport, grpc, events),
  });
  const handler = bridgeHandler(hub, config.namespaceId, options);
  return {
    fetch: (request) => handler.fetch(request),
    get sessions() {
      return hub.sessions;
    },
    async close() {
      handler.close();
      await hub.shutdown();
      transport.close();
    },
  };
}

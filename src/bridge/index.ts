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
import { verifiedGrpcOptions, type GrpcOptions } from '../grpc/channel.js';
import { grpcConfigSource } from '../grpc/config-source.js';
import { grpcNamingSource } from '../grpc/naming-source.js';
import { leveledLogger } from '../logger.js';
import { Transport } from '../transport/http.js';
import { BridgeHub } from './hub.js';
import { bridgeHandler, type BridgeServerOptions, type ConnectionInfo } from './server.js';

export { nodeHandler, serveBridge, type ServeOptions } from './node.js';
export type { BridgeServerOptions, ConnectionInfo } from './server.js';
export type { HubLimits } from './hub.js';

export interface BridgeOptions extends BridgeServerOptions {
  /** The upstream Nacos: servers, namespace, credentials (they stay in the bridge). */
  config: ClientConfig;
  /** Options of the gRPC connections to Nacos (port offset, TLS). */
  grpc?: GrpcOptions;
}

/** A bridge: serve `fetch`, and `close()` it to end every watch stream and the connections to Nacos. */
export interface Bridge {
  /**
   * The fetch handler (`Deno.serve(bridge.fetch)`, `Bun.serve({ fetch: bridge.fetch })`); the second argument, which
   * those servers pass, gives the peer's address for the per-client stream limit.
   */
  readonly fetch: (request: Request, info?: ConnectionInfo) => Promise<Response>;
  /** Watch streams open now. */
  readonly sessions: number;
  close(): Promise<void>;
}

/** Makes a bridge. Connects to nothing until the first client listens or subscribes. */
export function createBridge(options: BridgeOptions): Bridge {
  const { config } = options;
  const grpc = verifiedGrpcOptions(options.grpc ?? {}, 'createBridge');
  const log = leveledLogger(config.logger, config.logLevel);
  const transport = new Transport(config, log);
  const hub = new BridgeHub(
    {
      config: (events) => grpcConfigSource(transport, grpc, events),
      naming: (events) => grpcNamingSource(transport, grpc, events),
    },
    options,
  );
  const handler = bridgeHandler(hub, config.namespaceId, { log, ...options });
  return {
    fetch: (request, info) => handler.fetch(request, info),
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

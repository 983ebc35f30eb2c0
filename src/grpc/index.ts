/**
 * `nacos-edge/grpc`: changes pushed over Nacos's gRPC port (main port + 1000) instead of polled, for Node ≥ 20, Bun
 * and Deno (`node:http2`; browsers and Workers use the bridge, `nacos-edge/grpc-web`). Hand it to the builder; the
 * same listeners, `watch()` and subscriptions then get pushes, and naming registers ephemeral instances on the
 * connection (no heartbeats). After a reconnect (a server restart, a switch of server, a dropped stream) the client
 * listens, registers and subscribes again and reconciles by md5. A client whose first connection fails (no gRPC
 * port, blocked) follows changes over HTTP instead and logs it once.
 *
 * @example
 * import { grpcPush } from 'nacos-edge/grpc';
 * const config = new ClientConfigBuilder().serverAddress('127.0.0.1:8848').push(grpcPush()).build();
 *
 * @module
 */
import { configDriver } from '../push/config-driver.js';
import type { PushAdapter } from '../push/port.js';
import { verifiedGrpcOptions, type GrpcOptions } from './channel.js';
import { grpcConfigSource } from './config-source.js';
import { namingDriver } from '../push/naming-driver.js';
import { grpcNamingSource } from './naming-source.js';

export type { GrpcOptions } from './channel.js';
export type { PushAdapter } from '../push/port.js';

/** The gRPC push adapter: `.push(grpcPush())` on the builder. */
export function grpcPush(given: GrpcOptions = {}): PushAdapter {
  const options = verifiedGrpcOptions(given, 'grpcPush');
  return {
    name: 'gRPC',
    config: (host) => configDriver(host, 'gRPC', (events) => grpcConfigSource(host.context, options, events), options),
    naming: (host) => namingDriver(host, 'gRPC', (events) => grpcNamingSource(host.context, options, events), options),
  };
}

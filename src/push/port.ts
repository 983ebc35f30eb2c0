/**
 * The push port: how a change source the server pushes through (the gRPC adapter, `nacos-edge/grpc`; the bridge
 * client, `nacos-edge/grpc-web`) plugs into the services. The app hands an adapter to the builder
 * (`.push(grpcPush())`); the core never imports one, so an app without push ships none of it.
 *
 * The core is the host: it keeps the watched configs, registrations and subscriptions, and delivers. An adapter drives
 * them over its connection: it tells the host what changed, and when its connection was made anew it redoes the
 * listens, registrations and subscriptions the host holds and reconciles by md5. The drivers both adapters use for
 * that live in `src/push/` (one redo logic for every source), not in the core.
 *
 * @module
 */
import type { ClientConfig } from '../client-config.js';
import type { ConfigKey } from '../config/model.js';
import type { Logger } from '../logger.js';
import type { Instance } from '../naming/model.js';
import type { InstanceFields } from '../naming/protocol.js';
import type { ServerAddress } from '../transport/servers.js';

/** What every adapter gets from the client it serves (its transport). */
export interface PushContext {
  readonly config: ClientConfig;
  readonly log: Logger;
  /** The servers, preferred first (the address server's list where there is one). */
  resolvedServers(signal: AbortSignal | undefined): Promise<readonly ServerAddress[]> | readonly ServerAddress[];
  /**
   * The access token of the client's shared login (undefined without a username); `refused`, a token the server
   * refused, is forgotten first, so that a new login is made.
   */
  token(signal: AbortSignal, refused?: string): Promise<string | undefined>;
  /** A signal for work under the client's lifetime: aborted by shutdown(), or with `signal`. */
  scope(signal?: AbortSignal): { signal: AbortSignal; release: () => void };
}

/** The config side of the host: the watched configs and how they are brought up to date. */
export interface ConfigPushHost {
  readonly context: PushContext;
  /** Every watched config, by configId, with the md5 the host has (`''`: absent; undefined: not read yet). */
  readonly watched: ReadonlyMap<string, { readonly key: ConfigKey; readonly md5: string | undefined }>;
  /**
   * Brings `keys` up to date (a read of each through the client's read path: failover, snapshots) and delivers what
   * changed, once per md5: a push is a hint, so a duplicate or a stale one delivers nothing. Resolves how many changed.
   */
  refresh(keys: readonly ConfigKey[], signal: AbortSignal): Promise<number>;
  /** The adapter cannot serve (no gRPC port, blocked; the driver logs why): the host follows changes over HTTP until {@link resume}. */
  fallBack(): void;
  /** The adapter serves again after a fall-back: the host stops following over HTTP (the driver listens to everything again). */
  resume(): void;
}

/** What a config driver does for its host. */
export interface ConfigPushDriver {
  /** Watched configs were added or removed: listen to the new ones, stop following the old ones. */
  watchedChanged(): void;
  /** Ends the driver's work and connections. */
  close(): Promise<void>;
}

/** A service as naming sources address it. */
export interface ServiceKey {
  serviceName: string;
  groupName: string;
}

/** A subscription as the host keeps it: a service, and the clusters its subscribers want (empty: every cluster). */
export interface PushSubscription extends ServiceKey {
  readonly clusters: readonly string[];
}

/**
 * The naming side of the host. It hands the driver its own registry and subscriptions, so that the bookkeeping of
 * push (which instances a connection holds, which services it follows) ships with the adapter, not in every client.
 */
export interface NamingPushHost {
  readonly context: PushContext;
  /**
   * Every instance this client registered and has not deregistered, by instance key. The driver applies each
   * registration it makes here (and leaves it as it was when the server refuses one), and keeps the ephemeral ones
   * registered on every new connection.
   */
  readonly registered: Map<string, InstanceFields>;
  /** The subscriptions (what a new connection must subscribe again). */
  readonly subscriptions: ReadonlyMap<string, PushSubscription>;
  /** Hands `sub` a list the server pushed or answered (`hosts`: the instances of the clusters `sub` wants). */
  apply(sub: PushSubscription, hosts: Instance[]): void;
  /** The adapter cannot serve (the driver logs why): the host registers with heartbeats and polls lists over HTTP until {@link resume}. */
  fallBack(): void;
  /**
   * The adapter serves again after a fall-back, and has registered and subscribed everything on its connection: the
   * host stops polling, stops the heartbeats of its ephemeral instances and deregisters their HTTP registrations
   * (which are the server's, apart from the connection's).
   */
  resume(): void;
}

/** What a naming driver does for its host. */
export interface NamingPushDriver {
  /**
   * Whether the source registers instances (bound to its connection: no heartbeats). The bridge cannot: its host
   * then registers over HTTP.
   */
  readonly registers: boolean;
  /**
   * Registers `instances` (ephemeral; `remove`: deregisters them) together with the host's other instances of their
   * services, each service in one request, and records the change in the host's registry once the server took it.
   * Resolves false when the driver fell back to HTTP (before or meanwhile): the host then registers over HTTP.
   */
  register(instances: readonly InstanceFields[], remove: boolean, signal: AbortSignal | undefined): Promise<boolean>;
  /** Subscribes to the service of `sub` and hands `sub` its current list; false when the driver fell back to HTTP. */
  subscribe(sub: PushSubscription, signal: AbortSignal | undefined): Promise<boolean>;
  /** `sub` is gone from the host's subscriptions: unsubscribes its service unless another subscription follows it. */
  unsubscribe(sub: PushSubscription, signal: AbortSignal | undefined): Promise<void>;
  /**
   * Ends the driver's work and connections, and drops the instances it registered from the host's registry (the end of
   * the connection removes them from the server); `deregister` first removes them explicitly. (Each method above runs
   * under the client's lifetime and the caller's signal, when it gives one.)
   */
  close(deregister?: boolean): Promise<void>;
}

/** A push adapter: `grpcPush()` from `nacos-edge/grpc`, `bridgePush()` from `nacos-edge/grpc-web`. */
export interface PushAdapter {
  /** For log lines: `gRPC`, `bridge`. */
  readonly name: string;
  config?(host: ConfigPushHost): ConfigPushDriver;
  naming?(host: NamingPushHost): NamingPushDriver;
}

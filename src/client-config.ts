import * as z from 'zod/mini';
import type { Logger, LogLevel } from './logger.js';
import { NacosValidationError } from './errors.js';
import type { ConfigFilter } from './config/filter.js';
import type { ConfigParser } from './config/typed.js';
import type { PushAdapter } from './push/port.js';
import type { StoragePort } from './storage/port.js';
import type { AddressServerDiscovery } from './transport/endpoint.js';
import type { RequestSigner } from './transport/signing.js';
import type { HmacSha1 } from './util/crypto.js';
import { DEFAULT_CONTEXT_PATH, parseServerList, type ServerAddress } from './transport/servers.js';
import { atLeast, atMost, fn, integer, namespaceSchema, nonEmpty, oneOf, stringOrStrings, toIssues } from './validation.js';

/** AK/SK credentials for Spas signing (Alibaba Cloud MSE/ACM). */
export interface SigningCredentials {
  accessKey: string;
  secretKey: string;
  /** STS token, sent as `Spas-SecurityToken`. */
  securityToken?: string;
}

/** Called each time a request needs signing, so rotating credentials are picked up. */
export type CredentialsProvider = () => SigningCredentials | Promise<SigningCredentials>;

/** The `fetch` the client uses; inject one for proxies, custom TLS agents or tests. */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** A validated, frozen client configuration. Build one with {@link ClientConfigBuilder}. */
export interface ClientConfig {
  /** Static servers (empty when only `endpoint` is set). */
  readonly servers: readonly ServerAddress[];
  /** Address server `host[:port]` (or URL) serving `/nacos/serverlist`. */
  readonly endpoint: string | undefined;
  /** How often the address-server list is refreshed. Default 30 000 ms. */
  readonly endpointRefreshMs: number;
  readonly contextPath: string;
  /** `''` is the public namespace. */
  readonly namespaceId: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly accessKey: string | undefined;
  readonly secretKey: string | undefined;
  readonly credentialsProvider: CredentialsProvider | undefined;
  readonly appName: string | undefined;
  /** Timeout of one ordinary request. Default 3000 ms. */
  readonly timeoutMs: number;
  /** What the server is asked to hold a long poll for. Default 30 000 ms; the client waits 10 s longer. */
  readonly longPollTimeoutMs: number;
  /** Keys per long-poll request (server limit 10 000; seed clients use 3000). */
  readonly longPollBatchSize: number;
  /** Interval of md5 polling on servers without an HTTP listener (3.2+). Default 5000 ms. */
  readonly pollIntervalMs: number;
  /** How many md5-poll reads run at once. Default 8. */
  readonly pollConcurrency: number;
  /** `false`: no timers at all; changes are found only by `tick()` (Workers cron / alarms). Default true. */
  readonly backgroundSync: boolean;
  /**
   * After this client writes a config or an instance, its reads of that config or service wait (polling, backing
   * off) up to this long for the servers to show the write, which they apply asynchronously. 0 turns it off.
   */
  readonly readYourWritesMs: number;
  readonly logLevel: LogLevel;
  readonly logger: Logger;
  readonly fetch: FetchLike | undefined;
  readonly storage: StoragePort | undefined;
  /** Parsers for typed reads beyond the built-in JSON and text (`nacos-edge/yaml`, `nacos-edge/properties`). */
  readonly parsers: readonly ConfigParser[];
  /** HMAC-SHA1 for Spas signing where `crypto.subtle` is missing (`nacos-edge/noble`). */
  readonly hmacSha1: HmacSha1 | undefined;
  /** Signs requests when AK/SK are configured (`spasSigning` from `nacos-edge/signing`). */
  readonly signer: RequestSigner | undefined;
  /** Finds the servers through the `endpoint` (`addressServer` from `nacos-edge/address-server`). */
  readonly addressServer: AddressServerDiscovery | undefined;
  /** Changes pushed instead of polled: `grpcPush()` from `nacos-edge/grpc`, `bridgePush()` from `nacos-edge/grpc-web`. */
  readonly push: PushAdapter | undefined;
  /** Filters every publish and read runs through (encryption from `nacos-edge/encryption`, `nacos-edge/kms`). */
  readonly configFilters: readonly ConfigFilter[] | undefined;
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}

/** Adapters and filters carry a name. */
const named = (value: unknown) => typeof (value as { name?: unknown } | undefined)?.name === 'string';

const positiveInt = (max: number) => z.number().check(integer, atLeast(1), atMost(max));

const optionsSchema = z.strictObject({
  serverAddresses: z.optional(stringOrStrings),
  endpoint: z.optional(z.string().check(nonEmpty())),
  endpointRefreshMs: z.optional(z.number().check(integer, atLeast(1000))),
  contextPath: z.optional(z.string()),
  namespaceId: z.optional(namespaceSchema),
  username: z.optional(z.string().check(nonEmpty())),
  password: z.optional(z.string()),
  accessKey: z.optional(z.string().check(nonEmpty())),
  secretKey: z.optional(z.string().check(nonEmpty())),
  credentialsProvider: z.optional(fn<CredentialsProvider>()),
  appName: z.optional(z.string()),
  timeoutMs: z.optional(positiveInt(600_000)),
  longPollTimeoutMs: z.optional(z.number().check(integer, atLeast(10_000, 'must be at least 10000 (the server minimum)'), atMost(600_000, 'must be at most 600000'))),
  longPollBatchSize: z.optional(positiveInt(10_000)),
  pollIntervalMs: z.optional(z.number().check(integer, atLeast(100))),
  pollConcurrency: z.optional(positiveInt(256)),
  backgroundSync: z.optional(z.boolean()),
  readYourWritesMs: z.optional(z.number().check(integer, atLeast(0), atMost(60_000))),
  logLevel: z.optional(oneOf(['debug', 'info', 'warn', 'error', 'silent'])),
  logger: z.optional(z.custom<Logger>((v) => hasMethods(v, ['debug', 'info', 'warn', 'error']), 'must have debug, info, warn and error methods')),
  fetch: z.optional(fn<FetchLike>()),
  storage: z.optional(z.custom<StoragePort>((v) => hasMethods(v, ['get', 'set', 'delete', 'list']), 'must implement get, set, delete and list')),
  parsers: z.optional(
    z.custom<readonly ConfigParser[]>(
      (v) => Array.isArray(v) && v.every((p) => hasMethods(p, ['parse']) && typeof (p as { format?: unknown }).format === 'string'),
      "must be parsers ({ format, parse }), e.g. yaml from 'nacos-edge/yaml'",
    ),
  ),
  hmacSha1: z.optional(fn<HmacSha1>()),
  signer: z.optional(fn<RequestSigner>()),
  addressServer: z.optional(fn<AddressServerDiscovery>()),
  push: z.optional(z.custom<PushAdapter>(named, 'must be a push adapter')),
  configFilters: z.optional(z.custom<readonly ConfigFilter[]>((v) => Array.isArray(v) && v.every(named), 'must be config filters')),
});

/** The value of every option that has a default. */
const DEFAULTS = {
  endpointRefreshMs: 30_000,
  timeoutMs: 3000,
  longPollTimeoutMs: 30_000,
  longPollBatchSize: 3000,
  pollIntervalMs: 5000,
  pollConcurrency: 8,
  backgroundSync: true,
  readYourWritesMs: 5000,
  logLevel: 'info',
} as const;

/** Every option the builder (or {@link createClientConfig}) accepts. */
export type ClientConfigOptions = z.input<typeof optionsSchema>;

/**
 * Validates options into a {@link ClientConfig}. Throws {@link NacosValidationError} naming every bad option.
 */
export function createClientConfig(options: ClientConfigOptions): ClientConfig {
  const result = optionsSchema.safeParse(options);
  if (!result.success) throw new NacosValidationError(toIssues(result.error.issues), 'client config');
  const o = result.data;
  const contextPath = o.contextPath ?? DEFAULT_CONTEXT_PATH;
  const servers = o.serverAddresses === undefined ? [] : parseServerList(o.serverAddresses, contextPath);
  const issues = [];
  if (servers.length === 0 && o.endpoint === undefined) issues.push({ path: 'serverAddresses', message: 'give at least one server address or an endpoint' });
  if ((o.accessKey === undefined) !== (o.secretKey === undefined)) issues.push({ path: o.accessKey === undefined ? 'accessKey' : 'secretKey', message: 'accessKey and secretKey go together' });
  if (o.password !== undefined && o.username === undefined) issues.push({ path: 'username', message: 'a password needs a username' });
  // Opt-in features are imported by name; configuring one without it is refused here, not at the first request.
  if ((o.accessKey !== undefined || o.credentialsProvider !== undefined) && !o.signer) {
    issues.push({ path: 'signer', message: "AK/SK signing needs the signer: import { spasSigning } from 'nacos-edge/signing' and pass it to ClientConfigBuilder.signing(spasSigning)" });
  }
  if (o.endpoint !== undefined && !o.addressServer) {
    issues.push({ path: 'addressServer', message: "an endpoint needs address-server discovery: import { addressServer } from 'nacos-edge/address-server' and pass it to ClientConfigBuilder.addressServer(addressServer)" });
  }
  if (issues.length > 0) throw new NacosValidationError(issues, 'client config');
  // Options left out (or given as undefined) take the defaults; the rest are the validated options themselves.
  const { serverAddresses: _, ...given } = o;
  for (const key of Object.keys(given) as (keyof typeof given)[]) if (given[key] === undefined) delete given[key];
  return Object.freeze({
    ...DEFAULTS,
    logger: console,
    ...given,
    servers: Object.freeze(servers),
    contextPath,
    namespaceId: o.namespaceId === 'public' ? '' : (o.namespaceId ?? ''),
    parsers: Object.freeze([...(o.parsers ?? [])]),
  }) as ClientConfig;
}

/** Builder methods that set the option of their own name to their one argument. */
const SETTERS = [
  'endpoint',
  'endpointRefreshMs',
  'contextPath',
  'namespaceId',
  'username',
  'password',
  'accessKey',
  'secretKey',
  'credentialsProvider',
  'appName',
  'timeoutMs',
  'longPollTimeoutMs',
  'longPollBatchSize',
  'pollIntervalMs',
  'pollConcurrency',
  'backgroundSync',
  'readYourWritesMs',
  'logLevel',
  'logger',
  'fetch',
  'storage',
  'hmacSha1',
  'addressServer',
  'push',
] as const;

/** The setters of {@link ClientConfigBuilder} (one method per option; see {@link ClientConfigOptions}). */
export interface ClientConfigBuilder {
  /**
   * Address server (`host[:port]`); the server list is fetched from `http://{endpoint}/nacos/serverlist`. Needs the
   * discovery feature: `.addressServer(addressServer)` with `addressServer` from `nacos-edge/address-server`.
   */
  endpoint(endpoint: string): this;
  endpointRefreshMs(ms: number): this;
  /** Context path of the Nacos API, default `/nacos`; `''` for none. */
  contextPath(path: string): this;
  /** Namespace id; `''`, `'public'` or omitted = the public namespace. */
  namespaceId(namespaceId: string): this;
  username(username: string): this;
  password(password: string): this;
  accessKey(accessKey: string): this;
  secretKey(secretKey: string): this;
  credentialsProvider(provider: CredentialsProvider): this;
  appName(appName: string): this;
  timeoutMs(ms: number): this;
  longPollTimeoutMs(ms: number): this;
  longPollBatchSize(size: number): this;
  pollIntervalMs(ms: number): this;
  pollConcurrency(n: number): this;
  /** `false` for Workers: no background timers; call `tick()` from a Cron Trigger or Durable Object alarm. */
  backgroundSync(enabled: boolean): this;
  /** How long this client's reads wait for its own writes to show (default 5000 ms; 0 turns it off). */
  readYourWritesMs(ms: number): this;
  logLevel(level: LogLevel): this;
  logger(logger: Logger): this;
  fetch(fetchImpl: FetchLike): this;
  /** Storage for failover entries and snapshots; default in-memory. */
  storage(storage: StoragePort): this;
  /** HMAC-SHA1 for Spas signing on pages without `crypto.subtle` (plain http): `nobleHmacSha1` from `nacos-edge/noble`. */
  hmacSha1(hmacSha1: HmacSha1): this;
  /** Address-server discovery for `endpoint`: `addressServer` from `nacos-edge/address-server`. */
  addressServer(discovery: AddressServerDiscovery): this;
  /**
   * Changes pushed by the server instead of polled: `grpcPush()` from `nacos-edge/grpc` (Node, Bun, Deno), or
   * `bridgePush({ url })` from `nacos-edge/grpc-web` (browsers, Workers). Listeners, `watch()` and subscriptions keep
   * their semantics; a client whose push cannot connect follows changes over HTTP and says so once.
   */
  push(adapter: PushAdapter): this;
}

/**
 * Fluent builder for a {@link ClientConfig}, in the seed SDK's style: one method per option.
 *
 * @example
 * const clientConfig = new ClientConfigBuilder()
 *   .serverAddress('127.0.0.1:8848')
 *   .namespaceId('dev')
 *   .username('nacos').password('secret')
 *   .build();
 */
export class ClientConfigBuilder {
  readonly #options: Record<string, unknown> = {};

  static {
    // Made in a loop, not written out one by one: 23 look-alike methods cost every bundle ~0.3 kB gzip.
    for (const name of SETTERS) {
      (this.prototype as unknown as Record<string, (value: unknown) => ClientConfigBuilder>)[name] = function (this: ClientConfigBuilder, value: unknown) {
        this.#options[name] = value;
        return this;
      };
    }
  }

  /** Comma-separated `host[:port]` or `http(s)://host[:port][/context]` entries; IPv6 in brackets; default port 8848. */
  serverAddress(addresses: string | readonly string[]): this {
    this.#options['serverAddresses'] = typeof addresses === 'string' ? addresses : [...addresses];
    return this;
  }
  /**
   * Parsers for typed reads in more formats: JSON and text are built in; YAML and properties come from
   * `nacos-edge/yaml` and `nacos-edge/properties`, so apps that never read them never ship their parsers.
   *
   * @example
   * import { yaml } from 'nacos-edge/yaml';
   * new ClientConfigBuilder().serverAddress('127.0.0.1:8848').parsers(yaml).build();
   */
  parsers(...parsers: readonly ConfigParser[]): this {
    this.#options['parsers'] = parsers;
    return this;
  }
  /**
   * Request signing for AK/SK (`accessKey`/`secretKey` or `credentialsProvider`): `spasSigning` from
   * `nacos-edge/signing`. Apps without AK/SK never ship it.
   */
  signing(signer: RequestSigner): this {
    this.#options['signer'] = signer;
    return this;
  }
  /**
   * Filters every publish and read of configs runs through, e.g. encryption of `cipher-` dataIds. Publishes run them
   * in this order, reads in the reverse order.
   *
   * @example
   * import { aesEncryption } from 'nacos-edge/encryption';
   * new ClientConfigBuilder().serverAddress('127.0.0.1:8848').configFilters(aesEncryption()).build();
   */
  configFilters(...filters: readonly ConfigFilter[]): this {
    this.#options['configFilters'] = filters;
    return this;
  }
  /** Validates and freezes the options. Throws {@link NacosValidationError} naming each bad option. */
  build(): ClientConfig {
    return createClientConfig(this.#options as ClientConfigOptions);
  }
}

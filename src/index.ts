/**
 * nacos-edge: a fetch-only Nacos client for Cloudflare Workers, Deno, Bun, browsers and Node.
 *
 * @example
 * import { ClientConfigBuilder, NacosConfigService } from 'nacos-edge';
 * const config = await NacosConfigService.createConfigService(new ClientConfigBuilder().serverAddress('127.0.0.1:8848').build());
 * const content = await config.getConfig({ dataId: 'app.json' });
 *
 * An app that only reads (a Worker) ships less with `NacosConfigReader`; one that reads and listens, with
 * `NacosConfigWatcher`. YAML parsing (`nacos-edge/yaml`) and the
 * HMAC fallback for pages without WebCrypto (`nacos-edge/noble`) are imported by name and handed to the builder.
 *
 * @module
 */
export {
  ClientConfigBuilder,
  createClientConfig,
  type ClientConfig,
  type ClientConfigOptions,
  type CredentialsProvider,
  type FetchLike,
  type SigningCredentials,
} from './client-config.js';
export {
  NacosConfigReader,
  DEFAULT_GROUP,
  type GetConfigParams,
  type TypedConfigOptions,
  type ConfigFormat,
  type ConfigParser,
  type InferOutput,
  type StandardSchemaV1,
} from './config/config-reader.js';
// Each class from its own module, so an app that imports only the reader or the watcher does not pull in the
// module-level schemas of the others (esbuild keeps a module's top-level calls unless the module goes unused).
export { NacosConfigWatcher, type ConfigChange, type ConfigListener, type TickResult, type WatchParams } from './config/config-watcher.js';
export { NacosConfigService, type PublishConfigParams, type RemoveConfigParams } from './config/config-service.js';
export type { ConfigFilter, FilteredConfig, FilterResult } from './config/filter.js';
export type { HmacSha1 } from './util/crypto.js';
export {
  NacosError,
  NacosUnavailableError,
  NacosValidationError,
  isNacosError,
  isNacosValidationError,
  type NacosErrorCode,
  type NacosErrorOptions,
  type ValidationIssue,
} from './errors.js';
export type { Logger, LogLevel } from './logger.js';
export { storageKey, type StorageArea, type StoragePort } from './storage/port.js';
export { clearFailover, writeFailover, type FailoverTarget } from './storage/records.js';
export { configMd5Async as configMd5 } from './util/crypto.js';
export {
  NacosNamingService,
  type BatchRegisterParams,
  type DeregisterInstanceParams,
  type GetServiceParams,
  type Instance,
  type InstanceDiff,
  type ListInstancesParams,
  type ListServicesParams,
  type NamingShutdownOptions,
  type RegisterInstanceParams,
  type SelectInstanceParams,
  type ServiceInfo,
  type ServicePage,
  type SubscribeCallback,
  type SubscribeParams,
  type UnsubscribeParams,
} from './naming/naming-service.js';
export { pickWeighted } from './naming/model.js';
export {
  NacosClient,
  type ConfigWatchEvent,
  type ConfigWatcher,
  type NacosClientOptions,
  type NacosClientSettings,
  type NamingInstanceOptions,
  type SubscribeEvent,
  type SubscribeListener,
} from './compat/nacos-client.js';
export type { BeatAnswer } from './naming/naming-service.js';
export { checkLogin, pingServer, type PingResult } from './diagnostics.js';

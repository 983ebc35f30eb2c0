/**
 * nacos-edge: a fetch-only Nacos client for Cloudflare Workers, Deno, Bun, browsers and Node.
 *
 * @example
 * import { ClientConfigBuilder, NacosConfigService } from 'nacos-edge';
 * const config = await NacosConfigService.createConfigService(new ClientConfigBuilder().serverAddress('127.0.0.1:8848').build());
 * const content = await config.getConfig({ dataId: 'app.json' });
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
  NacosConfigService,
  DEFAULT_GROUP,
  type ConfigChange,
  type ConfigListener,
  type GetConfigParams,
  type PublishConfigParams,
  type RemoveConfigParams,
  type TickResult,
  type TypedConfigOptions,
  type WatchParams,
  type ConfigFormat,
  type InferOutput,
  type StandardSchemaV1,
} from './config/config-service.js';
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

// The one door from on-demand chunks (login and signing, discovery, typed configs, writes, the 3.2+ API)
// into the core. Bundlers that split by reachability, esbuild among them, give every distinct set of
// importers its own shared chunk; importing the core through one module keeps it in one chunk, which
// gzips ~1 kB smaller than five.
export { isNacosError, NacosError, type ValidationIssue } from './errors.js';
export { describeKey, NOT_FOUND, READ_RETRY, requireLogin, tenantParam, type CallOptions, type ConfigKey, type ConfigRead, type PublishFields } from './config/protocol.js';
export { describeNetworkError, errorForStatus, notNacos, snippet, type ApiGeneration, type NacosResponse } from './transport/classify.js';
export type { Transport } from './transport/http.js';
export { awaitShared } from './transport/shared.js';
export { parseAddressServerBody, type ServerAddress } from './transport/servers.js';
export { configMd5Async, hmacSha1Base64 } from './util/crypto.js';
export { dataIdSchema, groupSchema, matches, maxChars, oneOf, signalSchema } from './validation.js';

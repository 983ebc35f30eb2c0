// Spas signing with AK/SK (Alibaba Cloud MSE/ACM): config requests sign headers, naming requests sign parameters.
// An opt-in feature (`nacos-edge/signing`): apps without AK/SK never ship it.
import type { ClientConfig, SigningCredentials } from '../client-config.js';
import { NacosError } from '../errors.js';
import { hmacSha1Base64, type HmacSha1 } from '../util/crypto.js';

/** What a request asks to have signed: config requests by namespace and group, naming requests by service. */
export type SignTarget = { kind: 'config'; tenant?: string | undefined; group?: string | undefined } | { kind: 'naming'; groupedServiceName?: string | undefined };

/** Signs one request: headers and query parameters to add. Hand `spasSigning` from `nacos-edge/signing` to the builder. */
export type RequestSigner = (target: SignTarget, config: ClientConfig) => Promise<{ headers?: Record<string, string>; query?: Record<string, string> }>;

/** Resolves the AK/SK to sign with: the provider (called every time) or the static pair. */
export async function signingCredentials(config: ClientConfig): Promise<SigningCredentials | undefined> {
  if (config.credentialsProvider) {
    const credentials = await config.credentialsProvider();
    if (!credentials?.accessKey || !credentials.secretKey) throw new NacosError('AUTH', 'credentialsProvider returned no accessKey/secretKey');
    return credentials;
  }
  if (config.accessKey !== undefined && config.secretKey !== undefined) return { accessKey: config.accessKey, secretKey: config.secretKey };
  return undefined;
}

/**
 * Spas headers for a config request: `Spas-Signature = base64(HMAC-SHA1(sk, resource + '+' + ts))`
 * where resource is `tenant+group`, `group`, or nothing (then just the timestamp is signed).
 */
export async function configSignatureHeaders(
  credentials: SigningCredentials,
  resource: { tenant?: string | undefined; group?: string | undefined },
  timestamp: number,
  fallback?: HmacSha1,
): Promise<Record<string, string>> {
  const { tenant, group } = resource;
  const scope = tenant && group ? `${tenant}+${group}` : (group ?? '');
  const stringToSign = scope ? `${scope}+${timestamp}` : String(timestamp);
  const headers: Record<string, string> = {
    'Spas-AccessKey': credentials.accessKey,
    Timestamp: String(timestamp),
    'Spas-Signature': await hmacSha1Base64(credentials.secretKey, stringToSign, fallback),
  };
  if (credentials.securityToken) headers['Spas-SecurityToken'] = credentials.securityToken;
  return headers;
}

/**
 * Spas parameters for a naming request: `signature = base64(HMAC-SHA1(sk, data))` where
 * data is `ts@@group@@service` (or `ts` without a service).
 */
export async function namingSignatureParams(
  credentials: SigningCredentials,
  groupedServiceName: string | undefined,
  timestamp: number,
  fallback?: HmacSha1,
): Promise<Record<string, string>> {
  const data = groupedServiceName ? `${timestamp}@@${groupedServiceName}` : String(timestamp);
  const params: Record<string, string> = {
    ak: credentials.accessKey,
    data,
    signature: await hmacSha1Base64(credentials.secretKey, data, fallback),
  };
  if (credentials.securityToken) params['Spas-SecurityToken'] = credentials.securityToken;
  return params;
}

/** Spas signing: with the static AK/SK or the `credentialsProvider` (asked again for every request). */
export const spasSigning: RequestSigner = async (target, config) => {
  const credentials = await signingCredentials(config);
  if (!credentials) return {};
  const now = Date.now();
  if (target.kind === 'config') return { headers: await configSignatureHeaders(credentials, target, now, config.hmacSha1) };
  const query = await namingSignatureParams(credentials, target.groupedServiceName, now, config.hmacSha1);
  if (config.appName) query['app'] = config.appName;
  return { query };
};

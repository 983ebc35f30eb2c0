// The three KMS 2016-01-20 actions the encryption needs (GenerateDataKey, Encrypt, Decrypt), over fetch, signed with
// ACS3-HMAC-SHA256 as the Alibaba Cloud SDKs sign them: parameters in the query, an empty body.
import type { FetchLike } from '../client-config.js';
import { isNacosError, messageOf, NacosError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import { acs3Authorization, canonicalQuery, sha256Hex } from './signature.js';

const VERSION = '2016-01-20';
const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Where KMS is and who calls it. */
export interface KmsClientOptions {
  /** `https://kms.cn-hangzhou.aliyuncs.com`, or the host alone (then https). */
  endpoint: URL;
  accessKey: string;
  secretKey: string;
  /** STS token, for temporary credentials. */
  securityToken?: string | undefined;
  fetch: FetchLike;
  timeoutMs: number;
}

type Action = 'GenerateDataKey' | 'Encrypt' | 'Decrypt';

/** How an answer of KMS maps onto our error codes; `Decrypt` refusals are content we must not deliver. */
function kmsError(action: Action, status: number, code: string, message: string): NacosError {
  const what = `KMS ${action}: ${code || `HTTP ${status}`}${message ? ` (${message})` : ''}`;
  if (status >= 500 || status === 429 || /Throttling|ServiceUnavailable|InternalFailure/i.test(code)) return new NacosError('UNAVAILABLE', what, { status });
  if (status === 401 || status === 403 || /Forbidden|AccessKey|Signature|Unauthorized|SecurityToken/i.test(code)) return new NacosError('AUTH', what, { status });
  if (action === 'Decrypt') return new NacosError('INVALID_CONTENT', `${what}: KMS does not decrypt it (damaged, or encrypted under a key this account cannot use)`, { status });
  return new NacosError(status === 404 || /NotFound/i.test(code) ? 'NOT_FOUND' : 'SERVER', what, { status });
}

/** Calls `action` with `query`; resolves the answer's JSON. */
export async function callKms(options: KmsClientOptions, action: Action, query: Record<string, string>, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    host: options.endpoint.host,
    accept: 'application/json',
    'x-acs-action': action,
    'x-acs-version': VERSION,
    'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': toHex(crypto.getRandomValues(new Uint8Array(16))),
    'x-acs-content-sha256': EMPTY_BODY_SHA256,
    ...(options.securityToken ? { 'x-acs-security-token': options.securityToken } : {}),
  };
  const authorization = await acs3Authorization({ method: 'POST', path: '/', query, headers, bodyHash: EMPTY_BODY_SHA256 }, options.accessKey, options.secretKey);
  // fetch sets Host itself (to the same value); the secret and the signature never go into the URL.
  const { host: _, ...sent } = headers;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(new URL(`/?${canonicalQuery(query)}`, options.endpoint).href, {
      method: 'POST',
      headers: { ...sent, authorization },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw new NacosError('ABORTED', `KMS ${action} aborted`, { cause: error });
    if (isNacosError(error)) throw error;
    throw new NacosError(timeout.aborted ? 'TIMEOUT' : 'UNAVAILABLE', `KMS ${action} at ${options.endpoint.origin} failed: ${messageOf(error)}`, { cause: error });
  }
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  if (!response.ok || !body) throw kmsError(action, response.status, typeof body?.['Code'] === 'string' ? body['Code'] : '', typeof body?.['Message'] === 'string' ? body['Message'] : '');
  return body;
}

/** A string field of a KMS answer; SERVER when it is missing. */
export function field(body: Record<string, unknown>, action: Action, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new NacosError('SERVER', `KMS ${action}: the answer has no ${name}`);
  return value;
}

// The three KMS 2016-01-20 actions the encryption needs (GenerateDataKey, Encrypt, Decrypt), over fetch, signed with
// ACS3-HMAC-SHA256 as the Alibaba Cloud SDKs sign them. The parameters go in a form body (signed through its hash),
// not the query the SDKs use: Encrypt's parameter is the config itself, and URLs end up in proxy logs and errors.
import type { FetchLike } from '../client-config.js';
import { isNacosError, messageOf, NacosError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import { anySignal } from '../util/time.js';
import { acs3Authorization, canonicalQuery, sha256Hex } from './signature.js';

const VERSION = '2016-01-20';

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

/**
 * How an answer of KMS maps onto our error codes. Only KMS saying the ciphertext itself is bad is INVALID_CONTENT (a
 * listener is then not told of it, for good); anything else, a proxy's page included, is an error that is retried.
 */
function kmsError(action: Action, status: number, code: string | undefined, message: string | undefined): NacosError {
  const what = `KMS ${action}: ${code ?? `HTTP ${status}, not a KMS answer`}${message ? ` (${message})` : ''}`;
  if (code === undefined || status >= 500 || status === 429 || /Throttling|ServiceUnavailable|InternalFailure/i.test(code)) return new NacosError(code === undefined ? 'SERVER' : 'UNAVAILABLE', what, { status });
  if (action === 'Decrypt' && status === 400 && /^Invalid(Parameter|Ciphertext)/i.test(code)) return new NacosError('INVALID_CONTENT', `${what}: KMS does not decrypt it (damaged, or not a ciphertext of this KMS)`, { status });
  if (status === 401 || status === 403 || /Forbidden|AccessKey|Signature|Unauthorized|SecurityToken/i.test(code)) return new NacosError('AUTH', what, { status });
  return new NacosError(status === 404 || /NotFound/i.test(code) ? 'NOT_FOUND' : 'SERVER', what, { status });
}

/** Calls `action` with `query`; resolves the answer's JSON. */
export async function callKms(options: KmsClientOptions, action: Action, params: Record<string, string>, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
  const body = canonicalQuery(params);
  const bodyHash = await sha256Hex(body);
  const headers: Record<string, string> = {
    host: options.endpoint.host,
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
    'x-acs-action': action,
    'x-acs-version': VERSION,
    'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': toHex(crypto.getRandomValues(new Uint8Array(16))),
    'x-acs-content-sha256': bodyHash,
    ...(options.securityToken ? { 'x-acs-security-token': options.securityToken } : {}),
  };
  const authorization = await acs3Authorization({ method: 'POST', path: '/', query: {}, headers, bodyHash }, options.accessKey, options.secretKey);
  // fetch sets Host itself (to the same value).
  const { host: _, ...sent } = headers;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const { signal: both, release } = anySignal(signal, timeout);
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(new URL('/', options.endpoint).href, { method: 'POST', headers: { ...sent, authorization }, body, signal: both });
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw new NacosError('ABORTED', `KMS ${action} aborted`, { cause: error });
    if (isNacosError(error)) throw error;
    throw new NacosError(timeout.aborted ? 'TIMEOUT' : 'UNAVAILABLE', `KMS ${action} at ${options.endpoint.origin} failed: ${messageOf(error)}`, { cause: error });
  } finally {
    release();
  }
  let answer: Record<string, unknown> | undefined;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    answer = undefined;
  }
  const code = typeof answer?.['Code'] === 'string' ? answer['Code'] : undefined;
  if (!response.ok || !answer) throw kmsError(action, response.status, code, typeof answer?.['Message'] === 'string' ? answer['Message'] : undefined);
  return answer;
}

/** A string field of a KMS answer; SERVER when it is missing. */
export function field(body: Record<string, unknown>, action: Action, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw new NacosError('SERVER', `KMS ${action}: the answer has no ${name}`);
  return value;
}

// Config writes: the publish/remove schemas and requests, on v1 servers and through the 3.2+ admin API.
import * as z from 'zod/mini';
import { NacosError } from '../errors.js';
import { errorForStatus, type ApiGeneration, type NacosResponse } from '../transport/classify.js';
import { envelopeError, parseEnvelope } from '../transport/envelope.js';
import type { Transport } from '../transport/http.js';
import { dataIdSchema, groupSchema, matches, maxChars, nonEmpty, oneOf, signalSchema } from '../validation.js';
import { describeKey, requireLogin, tenantParam, type CallOptions, type ConfigKey, type PublishFields } from './model.js';

const MAX_CONTENT_CHARS = 10 * 1024 * 1024;

const keyFields = { dataId: dataIdSchema, group: z.optional(groupSchema), signal: signalSchema };

export const publishSchema = z.strictObject({
  ...keyFields,
  content: z.string().check(
    z.refine((s) => s.trim() !== '', 'must not be blank'),
    maxChars(MAX_CONTENT_CHARS),
  ),
  // The types Nacos knows; it stores any other as text without a word, so a typo ('yml') is refused here instead.
  type: z.optional(oneOf(['text', 'json', 'yaml', 'properties', 'xml', 'html', 'toml'])),
  tag: z.optional(z.string().check(maxChars(16))),
  appName: z.optional(z.string().check(maxChars(128))),
  betaIps: z.optional(z.string()),
  casMd5: z.optional(z.string().check(matches(/^([0-9a-f]{32})?$/, 'must be a lower-case hex md5 or empty'))),
  srcUser: z.optional(z.string()),
  encryptedDataKey: z.optional(z.string()),
  /** The KMS key a `cipher-kms-` config is encrypted under, when not the KMS filter's default (the seed's `kms_key_id`). */
  kmsKeyId: z.optional(z.string().check(nonEmpty())),
  desc: z.optional(z.string().check(maxChars(128))),
  configTags: z.optional(z.string()),
});

export const removeSchema = z.strictObject({ ...keyFields, tag: z.optional(z.string().check(maxChars(16))) });

/** Parameters of {@link NacosConfigService.publishConfig}. */
export type PublishConfigParams = z.input<typeof publishSchema>;
/** Parameters of {@link NacosConfigService.removeConfig}. */
export type RemoveConfigParams = z.input<typeof removeSchema>;

/** CAS conflicts come back as 500 on 2.x; they must not send the publish to the next server. */
export const isCasFailure = (body: string) => /cas publish fail|server md5 may have changed/i.test(body);

/** The publish form: the same fields on both APIs, under each one's names. */
function publishForm(generation: ApiGeneration, key: ConfigKey, fields: PublishFields): Record<string, string | undefined> {
  const v1 = generation === 'v1';
  return {
    dataId: key.dataId,
    [v1 ? 'group' : 'groupName']: key.group,
    [v1 ? 'tenant' : 'namespaceId']: tenantParam(key),
    content: fields.content,
    type: fields.type,
    tag: fields.tag,
    appName: fields.appName,
    [v1 ? 'src_user' : 'srcUser']: fields.srcUser,
    [v1 ? 'config_tags' : 'configTags']: fields.configTags,
    desc: fields.desc,
    encryptedDataKey: fields.encryptedDataKey,
  };
}

/** Publishes a config; resolves true or throws (CAS_CONFLICT for a lost compare-and-swap). */
export async function writeConfig(transport: Transport, generation: ApiGeneration, key: ConfigKey, fields: PublishFields, signal?: AbortSignal): Promise<true> {
  const what = `publish config ${describeKey(key)}`;
  const headers: Record<string, string> = {};
  if (fields.betaIps) headers['betaIps'] = fields.betaIps;
  if (fields.casMd5 !== undefined) headers['casMd5'] = fields.casMd5;
  const retryOn = (status: number, body: string) => status >= 500 && !isCasFailure(body);
  let res: NacosResponse;
  if (generation === 'v1') {
    res = await transport.request({
      method: 'POST',
      path: '/v1/cs/configs',
      form: publishForm('v1', key, fields),
      headers,
      sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
      signal,
      retryOn,
    });
    if (res.status === 200 && res.body.trim() === 'true') return true;
  } else {
    const answer = await v3Write(transport, key, fields, headers, retryOn, signal);
    if (answer === true) return true;
    res = answer;
  }
  if (fields.casMd5 !== undefined && (isCasFailure(res.body) || res.body.trim() === 'false')) throw casError(res, key);
  if (res.status === 403 && generation === 'v3') {
    throw new NacosError('AUTH', `${what}: Nacos 3.2+ publishes through the admin API, which needs an admin-capable user (HTTP 403)`, { status: 403, server: res.server.origin });
  }
  throw res.status === 200 ? new NacosError('SERVER', `${what}: unexpected answer ${JSON.stringify(res.body.slice(0, 100))}`, { status: 200, server: res.server.origin }) : errorForStatus(res, what);
}

/** Deletes a config (deleting an absent one succeeds). */
export async function deleteConfig(transport: Transport, generation: ApiGeneration, key: ConfigKey, options: CallOptions = {}): Promise<true> {
  if (generation === 'v3') return v3Delete(transport, key, options);
  const what = `remove config ${describeKey(key)}`;
  const res = await transport.request({
    method: 'DELETE',
    path: '/v1/cs/configs',
    query: { dataId: key.dataId, group: key.group, tenant: tenantParam(key), tag: options.tag },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
  });
  if (res.status === 200 && res.body.trim() === 'true') return true;
  throw errorForStatus(res, what);
}

export function casError(res: NacosResponse, key: ConfigKey): NacosError {
  return new NacosError('CAS_CONFLICT', `publish config ${describeKey(key)}: compare-and-swap failed, the config changed since casMd5 was read`, {
    status: res.status,
    server: res.server.origin,
  });
}

/** Publishes through the admin API: true, or the answer for the caller to turn into an error. */
async function v3Write(
  transport: Transport,
  key: ConfigKey,
  fields: PublishFields,
  headers: Record<string, string>,
  retryOn: (status: number, body: string) => boolean,
  signal: AbortSignal | undefined,
): Promise<true | NacosResponse> {
  const what = `publish config ${describeKey(key)}`;
  requireLogin(transport, what);
  const res = await transport.request({
    method: 'POST',
    path: '/v3/admin/cs/config',
    form: publishForm('v3', key, fields),
    headers,
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal,
    retryOn,
  });
  if (res.status !== 200) return res;
  const envelope = parseEnvelope(res, what);
  if (envelope.code === 0 && envelope.data === true) return true;
  if (fields.casMd5 !== undefined && isCasFailure(JSON.stringify(envelope))) throw casError(res, key);
  throw envelopeError(res, envelope, what);
}

/** Deletes through the admin API (deleting an absent config succeeds). */
async function v3Delete(transport: Transport, key: ConfigKey, options: CallOptions): Promise<true> {
  const what = `remove config ${describeKey(key)}`;
  requireLogin(transport, what);
  const res = await transport.request({
    method: 'DELETE',
    path: '/v3/admin/cs/config',
    query: { dataId: key.dataId, groupName: key.group, namespaceId: tenantParam(key), tag: options.tag },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
  });
  const envelope = parseEnvelope(res, what);
  if (envelope.code === 0) return true;
  throw envelopeError(res, envelope, what);
}

// Config writes: the publish/remove schemas and requests. A chunk of its own, loaded on the first write,
// so apps that only read and listen (most edge apps) never ship it.
import * as z from 'zod/mini';
import {
  dataIdSchema,
  describeKey,
  errorForStatus,
  groupSchema,
  matches,
  maxChars,
  NacosError,
  oneOf,
  signalSchema,
  tenantParam,
  type ApiGeneration,
  type CallOptions,
  type ConfigKey,
  type NacosResponse,
  type PublishFields,
  type Transport,
} from '../on-demand.js';

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
  desc: z.optional(z.string().check(maxChars(128))),
  configTags: z.optional(z.string()),
});

export const removeSchema = z.strictObject({ ...keyFields, tag: z.optional(z.string().check(maxChars(16))) });

/** Parameters of {@link NacosConfigService.publishConfig}. */
export type PublishConfigParams = z.input<typeof publishSchema>;
/** Parameters of {@link NacosConfigService.removeConfig}. */
export type RemoveConfigParams = z.input<typeof removeSchema>;

const v3 = () => import('./protocol-v3.js');

/** CAS conflicts come back as 500 on 2.x; they must not send the publish to the next server. */
export const isCasFailure = (body: string) => /cas publish fail|server md5 may have changed/i.test(body);

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
      form: {
        dataId: key.dataId,
        group: key.group,
        tenant: tenantParam(key),
        content: fields.content,
        type: fields.type,
        tag: fields.tag,
        appName: fields.appName,
        src_user: fields.srcUser,
        config_tags: fields.configTags,
        desc: fields.desc,
        encryptedDataKey: fields.encryptedDataKey,
      },
      headers,
      sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
      signal,
      retryOn,
    });
    if (res.status === 200 && res.body.trim() === 'true') return true;
  } else {
    const answer = await (await v3()).v3Write(transport, key, fields, headers, retryOn, signal);
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
  if (generation === 'v3') return (await v3()).v3Delete(transport, key, options);
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

// Config writes of the admin client: publish (formal or beta, with metadata and compare-and-swap) and delete, on the
// 2.x v1 API and the 3.x admin API. Rollback and beta release publish through here too.
import { NacosError } from '../errors.js';
import type { NacosResponse } from '../transport/classify.js';
import { describeKey, keyParams, type Json } from './config-shared.js';
import { statusError, type AdminContext } from './context.js';
import type { ConfigKey, ConfigPublish } from './model.js';

/**
 * A lost compare-and-swap: 2.x answers HTTP 500 `Cas publish fail, server md5 may have changed.`, 3.x HTTP 500 with
 * code 20005 and the same text. Such an answer must not go to the next server (it would lose there too).
 */
const isCasFailure = (body: string) => /cas publish fail|server md5 may have changed/i.test(body);

/** Publishes `input` (already validated); `betaIps` makes it a beta release for those clients only. */
export async function publish(context: AdminContext, input: ConfigPublish, betaIps: string[] | undefined, signal: AbortSignal | undefined): Promise<void> {
  const generation = await context.generation(signal);
  const what = `${betaIps ? 'publish beta of' : 'publish'} config ${describeKey(input)}`;
  const headers: Record<string, string> = {};
  if (input.casMd5 !== undefined) headers['casMd5'] = input.casMd5;
  if (betaIps) headers['betaIps'] = betaIps.join(',');
  const tags = input.tags?.join(',');
  const v3 = generation === 'v3';
  const res = await context.send({
    method: 'POST',
    path: v3 ? '/v3/admin/cs/config' : '/v1/cs/configs',
    form: {
      ...keyParams(generation, input),
      content: input.content,
      type: input.type,
      desc: input.description,
      [v3 ? 'configTags' : 'config_tags']: tags,
      appName: input.appName,
    },
    headers,
    signal,
    retryOn: (status, body) => status >= 500 && status <= 504 && status !== 501 && !isCasFailure(body),
    what,
  });
  if (input.casMd5 !== undefined && isCasFailure(res.body)) {
    throw new NacosError('CAS_CONFLICT', `${what}: compare-and-swap failed, the config changed since casMd5 was read`, { status: res.status, server: res.server.origin });
  }
  if (res.status !== 200) throw statusError(res, what);
  const ok = v3 ? envelopeData(res, what) === true : res.body.trim() === 'true';
  if (!ok) throw new NacosError('SERVER', `${what}: the server did not publish (answered ${JSON.stringify(res.body.slice(0, 100))})`, { status: res.status, server: res.server.origin });
}

/** Deletes one config; deleting an absent one succeeds (as on the servers). */
export async function remove(context: AdminContext, key: ConfigKey, signal: AbortSignal | undefined): Promise<void> {
  const generation = await context.generation(signal);
  const what = `delete config ${describeKey(key)}`;
  if (generation === 'v3') {
    const ok = await context.data({ method: 'DELETE', path: '/v3/admin/cs/config', query: keyParams(generation, key), signal, what });
    if (ok !== true) throw new NacosError('SERVER', `${what}: the server did not delete (answered ${JSON.stringify(ok)})`);
    return;
  }
  const body = await context.text({ method: 'DELETE', path: '/v1/cs/configs', query: keyParams(generation, key), signal, what });
  if (body.trim() !== 'true') throw new NacosError('SERVER', `${what}: the server did not delete (answered ${JSON.stringify(body.slice(0, 100))})`);
}

/**
 * `data` of a 2xx `{ code, message, data }` answer (code 0, or 200 in 2.x's console-style answers), `null` kept;
 * for calls that read the answer themselves because some error statuses mean something else there.
 */
export function envelopeData(res: NacosResponse, what: string): unknown {
  let body: Json | null = null;
  try {
    const parsed: unknown = JSON.parse(res.body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Json;
  } catch {
    // not JSON: reported below
  }
  if (typeof body?.['code'] !== 'number') throw new NacosError('SERVER', `${what}: unexpected answer ${JSON.stringify(res.body.slice(0, 100))}`, { status: res.status, server: res.server.origin });
  if (body['code'] !== 0 && body['code'] !== 200) throw statusError({ ...res, status: 500 }, what);
  return body['data'] ?? null;
}

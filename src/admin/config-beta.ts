// Beta (gray) release of a config: content only the clients at some IPs get. 2.x: `/v1/cs/configs` with `beta=true`
// (answers `{ code: 200, data }`, data null when there is none); 3.x: `/v3/admin/cs/config/beta` (404 when none),
// whose answer carries the IPs inside its gray rule (`{"type":"beta","expr":"ip1,ip2",…}`).
import { isNacosError, NacosError } from '../errors.js';
import { asObject, asString, describeKey, keyParams, type Json } from './config-shared.js';
import type { AdminContext } from './context.js';
import type { ConfigBeta, ConfigKey } from './model.js';

const splitIps = (v: string): string[] =>
  v
    .split(',')
    .map((ip) => ip.trim())
    .filter((ip) => ip !== '');

/** The config's beta release, or undefined when it has none. */
export async function getBeta(context: AdminContext, key: ConfigKey, signal: AbortSignal | undefined): Promise<ConfigBeta | undefined> {
  const generation = await context.generation(signal);
  const what = `read beta of config ${describeKey(key)}`;
  let data: unknown;
  try {
    data = await context.data({
      method: 'GET',
      path: generation === 'v3' ? '/v3/admin/cs/config/beta' : '/v1/cs/configs',
      query: generation === 'v3' ? keyParams(generation, key) : { ...keyParams(generation, key), beta: true },
      signal,
      what,
    });
  } catch (error) {
    if (generation === 'v3' && isNacosError(error, 'NOT_FOUND')) return undefined;
    throw error;
  }
  if (data === null || data === undefined) return undefined;
  const beta = asObject(data, what);
  return { content: asString(beta['content']), md5: asString(beta['md5']), betaIps: splitIps(betaIpsOf(beta)) };
}

/** 2.x answers `betaIps`; 3.x the gray rule as JSON text. */
function betaIpsOf(beta: Json): string {
  if (typeof beta['betaIps'] === 'string') return beta['betaIps'];
  if (typeof beta['grayRule'] === 'string') {
    try {
      const rule = JSON.parse(beta['grayRule']) as { expr?: unknown } | null;
      if (typeof rule?.expr === 'string') return rule.expr;
    } catch {
      // not JSON: no IPs known
    }
  }
  return '';
}

/** Ends the beta release (the clients at its IPs get the formal content again); ending none succeeds (the servers fail it). */
export async function stopBeta(context: AdminContext, key: ConfigKey, signal: AbortSignal | undefined): Promise<void> {
  const generation = await context.generation(signal);
  const what = `stop beta of config ${describeKey(key)}`;
  let ok: unknown;
  try {
    ok = await context.data({
      method: 'DELETE',
      path: generation === 'v3' ? '/v3/admin/cs/config/beta' : '/v1/cs/configs',
      query: generation === 'v3' ? keyParams(generation, key) : { ...keyParams(generation, key), beta: true },
      signal,
      what,
    });
  } catch (error) {
    // Both generations fail ("remove beta data error": code 500 on 2.x, 30000 on 3.x) when there is no beta to remove.
    if (isNacosError(error, 'SERVER') && (await getBeta(context, key, signal)) === undefined) return;
    throw error;
  }
  if (ok !== true) throw new NacosError('SERVER', `${what}: the server did not stop it (answered ${JSON.stringify(ok)})`);
}

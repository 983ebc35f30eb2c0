import * as z from 'zod/mini';
import { isNacosError } from '../errors.js';
import { isWebPage, notNacos } from '../transport/classify.js';
import { parseOrThrow, signalSchema } from '../validation.js';
import { statusError, type AdminContext } from './context.js';
import type { CallOptions, ClusterMember, ServerHealth } from './model.js';

const optionsSchema = z.optional(z.object({ signal: signalSchema }));
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/**
 * Admin calls for the cluster: its members with their state, the server's state and naming switches, and the
 * liveness and readiness probes. On 2.x `/v1/core/cluster/nodes`, `/v1/console/server/state`,
 * `/v1/ns/operator/switches`, `/v1/console/health/*`; on 3.x `/v3/admin/core/cluster/node/list`,
 * `/v3/admin/core/state`, `/v3/admin/ns/ops/switches`, `/v3/admin/core/state/*`.
 */
export class AdminCluster {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }

  /** The members of the cluster as the server that answers sees them (a standalone server lists itself). */
  async members(options: CallOptions = {}): Promise<ClusterMember[]> {
    const { signal } = parseOrThrow(optionsSchema, options, 'cluster.members') ?? {};
    const v3 = (await this.#context.generation(signal)) === 'v3';
    const data = await this.#context.data({ method: 'GET', path: v3 ? '/v3/admin/core/cluster/node/list' : '/v1/core/cluster/nodes', signal, what: 'list cluster members' });
    return Array.isArray(data) ? data.map(member) : [];
  }

  /**
   * The server's state: `version`, `startup_mode` (`standalone`/`cluster`), `auth_enabled`, `function_mode`, quotas…
   * as the server answers it (string values; some are null). No login is needed for it on either generation.
   */
  async state(options: CallOptions = {}): Promise<Record<string, unknown>> {
    const { signal } = parseOrThrow(optionsSchema, options, 'cluster.state') ?? {};
    const what = 'read server state';
    if ((await this.#context.generation(signal)) === 'v3') return record(await this.#context.data({ method: 'GET', path: '/v3/admin/core/state', signal, what }));
    return record(await this.#context.json({ method: 'GET', path: '/v1/console/server/state', signal, what }));
  }

  /** The naming module's switches (health checks, push, distro, default ephemeral…), read-only. */
  async switches(options: CallOptions = {}): Promise<Record<string, unknown>> {
    const { signal } = parseOrThrow(optionsSchema, options, 'cluster.switches') ?? {};
    const what = 'read naming switches';
    if ((await this.#context.generation(signal)) === 'v3') return record(await this.#context.data({ method: 'GET', path: '/v3/admin/ns/ops/switches', signal, what }));
    return record(await this.#context.json({ method: 'GET', path: '/v1/ns/operator/switches', signal, what }));
  }

  /**
   * Whether the server is live and ready (its probes answer 2xx; a server starting up or without its database answers
   * readiness with 500). A server that cannot be reached throws (`NETWORK`, `UNAVAILABLE`…), as does a refused token.
   */
  async health(options: CallOptions = {}): Promise<ServerHealth> {
    const { signal } = parseOrThrow(optionsSchema, options, 'cluster.health') ?? {};
    const base = (await this.#context.generation(signal)) === 'v3' ? '/v3/admin/core/state' : '/v1/console/health';
    const [live, ready] = await Promise.all(['liveness', 'readiness'].map((probe) => this.#probe(`${base}/${probe}`, probe, signal)));
    return { live: live!, ready: ready! };
  }

  async #probe(path: string, probe: string, signal: AbortSignal | undefined): Promise<boolean> {
    const what = `server ${probe}`;
    // A failing probe is an answer, not a reason to try another server: no retry on 5xx.
    const res = await this.#context.send({ method: 'GET', path, signal, what, retryOn: () => false });
    if (isWebPage(res)) throw notNacos(res, what);
    if (res.status >= 200 && res.status < 300) return true;
    const error = statusError(res, what);
    if (isNacosError(error, 'AUTH') || isNacosError(error, 'NOT_FOUND') || isNacosError(error, 'UNSUPPORTED')) throw error;
    return false;
  }
}

function member(raw: unknown): ClusterMember {
  const m = record(raw);
  const ip = String(m['ip'] ?? '');
  const port = Number(m['port'] ?? 0);
  return { address: typeof m['address'] === 'string' ? m['address'] : `${ip}:${port}`, ip, port, state: String(m['state'] ?? 'UNKNOWN'), extendInfo: record(m['extendInfo']) };
}

import type { ClientConfig } from './client-config.js';
import { NacosError } from './errors.js';
import { leveledLogger } from './logger.js';
import { login, LOGIN_TIMEOUT_MS } from './transport/auth.js';
import type { ApiGeneration } from './transport/classify.js';
import { Transport } from './transport/http.js';

/** What {@link pingServer} found out. */
export interface PingResult {
  /** The server that answered (`http://host:port`). */
  server: string;
  /** Which HTTP API generation it offers. */
  generation: ApiGeneration;
  /** The version it reports, when it reports one (official 1.x/2.x: `/v1/console/server/state`; 3.x `/v3/admin/core/state`). */
  version: string | undefined;
  /** Readiness endpoint answer: true on 200. */
  ready: boolean;
  /** Round trip of the readiness request. */
  latencyMs: number;
}

/** Checks that a server answers: its API generation, version (when reported) and readiness. Sends no credentials it does not need. */
export async function pingServer(config: ClientConfig, options: { signal?: AbortSignal } = {}): Promise<PingResult> {
  const transport = new Transport(config, leveledLogger(config.logger, config.logLevel));
  try {
    const { server, generation } = await transport.preferredGeneration(options.signal);
    // 1.x/2.x: /v1/console/health/readiness and /v1/console/server/state; 3.x (no v1): /v3/admin/core/state/…,
    // which answer without a token even where the admin API needs one.
    const paths = generation === 'v1' ? { ready: '/v1/console/health/readiness', state: '/v1/console/server/state' } : { ready: '/v3/admin/core/state/readiness', state: '/v3/admin/core/state' };
    const started = Date.now();
    const readiness = await transport.request({ method: 'GET', path: paths.ready, server, signal: options.signal, retryOn: () => false, auth: false });
    const latencyMs = Date.now() - started;
    let version: string | undefined;
    const state = await transport.request({ method: 'GET', path: paths.state, server, signal: options.signal, retryOn: () => false }).catch(() => undefined);
    if (state?.status === 200) {
      try {
        const parsed = JSON.parse(state.body) as { version?: unknown; data?: { version?: unknown } };
        const reported = parsed.data?.version ?? parsed.version;
        if (typeof reported === 'string') version = reported;
      } catch {
        // not JSON: no version
      }
    }
    return { server: server.origin, generation, version, ready: readiness.status === 200 || readiness.status === 403, latencyMs };
  } finally {
    transport.close();
  }
}

/** Logs in with the configured username and password; resolves the token's lifetime. The token itself is never returned. */
export async function checkLogin(config: ClientConfig, options: { signal?: AbortSignal } = {}): Promise<{ tokenTtlSeconds: number }> {
  if (config.username === undefined) throw new NacosError('VALIDATION', 'no username configured to log in with');
  const log = leveledLogger(config.logger, config.logLevel);
  const transport = new Transport(config, log);
  try {
    const answer = await login(transport, log, config.username, config.password ?? '', options.signal, Math.max(config.timeoutMs, LOGIN_TIMEOUT_MS));
    return { tokenTtlSeconds: answer.tokenTtl };
  } finally {
    transport.close();
  }
}

import { createClientConfig, type ClientConfigOptions } from '../client-config.js';
import { NacosError } from '../errors.js';
import { LOGIN_TIMEOUT_MS } from '../transport/auth.js';
import { notNacos, snippet } from '../transport/classify.js';
import { AdminAuth } from './auth.js';
import { AdminCluster } from './cluster.js';
import { AdminConfigs } from './configs.js';
import { AdminContext, type AdminGeneration, type TokenSource } from './context.js';
import { AdminInstances } from './instances.js';
import { AdminNamespaces } from './namespaces.js';
import { AdminServices } from './services.js';

/** Options of {@link NacosAdminClient}: the core client options, plus a token source for callers that keep only a token. */
export interface AdminClientOptions extends ClientConfigOptions {
  /**
   * The access token to send, asked before every request, instead of logging in with `username`/`password`
   * (a dashboard that keeps the token of one login and never the password). Answer undefined to send none.
   */
  accessToken?: TokenSource;
}

/** What a login answered: the token and who it belongs to. */
export interface AdminLogin {
  accessToken: string;
  /** Seconds the token lives. */
  tokenTtl: number;
  username: string;
  /** Whether the user has the admin role (3.x answers it; 2.x answers it as `globalAdmin` too). */
  globalAdmin: boolean | undefined;
}

/**
 * A typed client for operating Nacos: namespaces, configs (search, history, rollback, gray release, listeners),
 * services and instances, cluster state, users, roles and permissions. It adapts to the server: the v1 console and
 * v1/v2 open APIs on Nacos 1.x/2.x, `/v3/admin/*` and `/v3/auth/*` on 3.x (probed once). It runs wherever `fetch`
 * does, a browser included (through a same-origin proxy: Nacos sends no CORS headers). Every call takes `{ signal }`.
 *
 * @example
 * ```ts
 * const admin = new NacosAdminClient({ serverAddresses: '127.0.0.1:8848', username: 'nacos', password });
 * for await (const config of admin.configs.search({ dataId: '*order*' })) console.log(config.dataId);
 * ```
 */
export class NacosAdminClient {
  readonly namespaces: AdminNamespaces;
  readonly configs: AdminConfigs;
  readonly services: AdminServices;
  readonly instances: AdminInstances;
  readonly cluster: AdminCluster;
  readonly auth: AdminAuth;
  readonly #context: AdminContext;

  constructor(options: AdminClientOptions) {
    const { accessToken, ...rest } = options;
    if (accessToken !== undefined && typeof accessToken !== 'function') throw new NacosError('VALIDATION', 'accessToken must be a function answering the token');
    const context = new AdminContext(createClientConfig(rest), accessToken);
    this.#context = context;
    this.namespaces = new AdminNamespaces(context);
    this.configs = new AdminConfigs(context);
    this.services = new AdminServices(context);
    this.instances = new AdminInstances(context);
    this.cluster = new AdminCluster(context);
    this.auth = new AdminAuth(context);
  }

  /** The server's admin surface: `v2` (Nacos 1.x/2.x) or `v3` (3.x); probed once and cached. */
  generation(options: { signal?: AbortSignal } = {}): Promise<AdminGeneration> {
    return this.#context.generation(options.signal);
  }

  /**
   * Logs in with `username` and `password` (form body, never the URL) and answers the token, for callers that keep
   * the token and not the password (pass it back through `accessToken`). Throws `AUTH` when refused.
   */
  async login(username: string, password: string, options: { signal?: AbortSignal } = {}): Promise<AdminLogin> {
    if (typeof username !== 'string' || username === '') throw new NacosError('VALIDATION', 'login: username must not be empty');
    if (typeof password !== 'string' || password === '') throw new NacosError('VALIDATION', 'login: password must not be empty');
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new NacosError('VALIDATION', 'login: signal must be an AbortSignal');
    const context = this.#context;
    // The generation picks the one login path the server has (3.2 has no /v1/auth/login), so a refusal is one answer.
    const v3 = (await context.generation(signal)) === 'v3';
    const what = `login as "${username}"`;
    const res = await context.transport.request({
      method: 'POST',
      path: v3 ? '/v3/auth/user/login' : '/v1/auth/login',
      form: { username, password },
      auth: false,
      signal,
      timeoutMs: Math.max(context.transport.config.timeoutMs, LOGIN_TIMEOUT_MS),
      // A 500 is a refusal, not a server to move away from: 3.x answers a wrong password with a bare 500, 2.x an
      // unknown user with "caused: User x not found" in a 500.
      retryOn: (status: number) => status >= 502 && status <= 504,
    });
    if (res.status !== 200) {
      const why = res.status === 500 ? `refused (HTTP 500: Nacos ${v3 ? '3.x on a wrong password' : '2.x on an unknown user'})` : `refused (HTTP ${res.status})`;
      throw new NacosError('AUTH', `${what} ${why}: ${snippet(res.body)}`, { status: res.status, server: res.server.origin });
    }
    type Answer = { accessToken?: unknown; tokenTtl?: unknown; globalAdmin?: unknown; username?: unknown } | null;
    let answer: Answer = null;
    try {
      answer = JSON.parse(res.body) as Answer;
    } catch {
      // below: not a login answer
    }
    if (typeof answer?.accessToken !== 'string' || answer.accessToken === '') throw notNacos(res, what);
    context.log.debug(`logged in as "${username}" on ${res.server.origin}`);
    return {
      accessToken: answer.accessToken,
      tokenTtl: Number(answer.tokenTtl ?? 18_000),
      username: typeof answer.username === 'string' ? answer.username : username,
      globalAdmin: typeof answer.globalAdmin === 'boolean' ? answer.globalAdmin : undefined,
    };
  }

  /** Ends every call in flight (they fail with `ABORTED`); the client makes no request afterwards. */
  shutdown(): void {
    this.#context.close();
  }
}

import { createClientConfig, type ClientConfigOptions } from '../client-config.js';
import { NacosError } from '../errors.js';
import { login } from '../transport/auth.js';
import { LOGIN_TIMEOUT_MS } from '../transport/auth.js';
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
    if (typeof username !== 'string' || username === '') throw new NacosError('VALIDATION', 'username must not be empty');
    if (typeof password !== 'string') throw new NacosError('VALIDATION', 'password must be a string');
    const context = this.#context;
    const answer = await login(context.transport, context.log, username, password, options.signal, Math.max(context.transport.config.timeoutMs, LOGIN_TIMEOUT_MS));
    const extra = answer as { globalAdmin?: unknown; username?: unknown };
    return { accessToken: answer.accessToken, tokenTtl: answer.tokenTtl, username: typeof extra.username === 'string' ? extra.username : username, globalAdmin: typeof extra.globalAdmin === 'boolean' ? extra.globalAdmin : undefined };
  }

  /** Ends every call in flight (they fail with `ABORTED`); the client makes no request afterwards. */
  shutdown(): void {
    this.#context.close();
  }
}

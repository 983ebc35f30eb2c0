import type { ClientConfig, FetchLike } from '../client-config.js';
import { abortError, isNacosError, NacosError, NacosUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TokenManager } from './auth.js';
import { ServerList, type ServerAddress } from './servers.js';


type Params = Record<string, string | number | boolean | undefined>;

/** One logical request; the transport picks the server. */
export interface NacosRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path after the context path, e.g. `/v1/cs/configs`. */
  path: string;
  query?: Params;
  /** Form fields, sent as `application/x-www-form-urlencoded`. */
  form?: Params;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Overrides the configured request timeout (long polls). */
  timeoutMs?: number;
  /** Spas signing: config requests sign headers, naming requests sign parameters. */
  sign?: { kind: 'config'; tenant?: string | undefined; group?: string | undefined } | { kind: 'naming'; groupedServiceName?: string | undefined };
  /** Send the access token (default true). */
  auth?: boolean;
  /** Statuses that move on to the next server. Default: 500, 502, 503, 504. */
  retryOn?: (status: number, body: string) => boolean;
  /** Only this server (no rotation). */
  server?: ServerAddress | undefined;
}

/** A server's answer. */
export interface NacosResponse {
  status: number;
  headers: Headers;
  body: string;
  server: ServerAddress;
}

/** Which HTTP API generation a server offers (see the protocol notes' "three generations"). */
export type ApiGeneration =
  /** v1 config/naming and the v1 long-poll listener: 1.x, 2.x, and 3.0/3.1 with compatibility on. */
  | 'v1'
  /** Only the v3 client + admin APIs, no HTTP listener: 3.2+ (or 3.x with compatibility off). */
  | 'v3';

const DEFAULT_RETRY = (status: number) => status === 500 || status === 502 || status === 503 || status === 504;
const PROBE_DATA_ID = 'nacos-edge.probe';

/**
 * Sends requests to the cluster: server rotation, timeouts, token login and refresh, Spas signing,
 * address-server discovery and the per-server API-generation probe. Everything above it speaks in
 * logical requests and never sees a URL with a secret in it.
 */
export class Transport {
  readonly servers: ServerList;
  readonly #config: ClientConfig;
  readonly #log: Logger;
  /** Loaded with the auth module on the first request when a username is configured. */
  #tokens: Promise<TokenManager> | undefined;
  readonly #fetch: FetchLike;
  /**
   * One AbortController per operation in flight, made in the operation's own context: Cloudflare Workers
   * forbid using an I/O object (an AbortSignal among them) from one request in another, so there is no
   * client-wide signal that every request would share.
   */
  readonly #scopes = new Set<AbortController>();
  #closed = false;
  readonly #generations = new Map<ServerAddress, Promise<ApiGeneration>>();
  readonly #known = new Map<ServerAddress, ApiGeneration>();
  #endpointRefreshedAt = 0;
  #endpointRefresh: Promise<void> | undefined;

  constructor(config: ClientConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.servers = new ServerList(config.servers);
    // The platform's fetch, looked up per client (not at import) so test doubles and polyfills installed later count.
    this.#fetch = config.fetch ?? ((input, init) => fetch(input, init));
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A signal for one operation (a request, a loop, a tick): it aborts when `signal` does or when the
   * client shuts down. Call `release()` when the operation ends.
   */
  scope(signal?: AbortSignal): { signal: AbortSignal; abort: () => void; release: () => void } {
    const controller = new AbortController();
    let unfollow: (() => void) | undefined;
    if (this.#closed) controller.abort(shutdownReason());
    else if (signal?.aborted) controller.abort(signal.reason);
    else if (signal) unfollow = follow(signal, controller);
    this.#scopes.add(controller);
    return {
      signal: controller.signal,
      abort: () => controller.abort(new NacosError('TIMEOUT', 'timed out')),
      release: () => {
        this.#scopes.delete(controller);
        unfollow?.();
      },
    };
  }

  /** Aborts every operation in flight; later ones fail at once with `ABORTED`. */
  close(): void {
    this.#closed = true;
    for (const controller of this.#scopes) {
      try {
        controller.abort(shutdownReason());
      } catch {
        // An operation of another Workers request: it ends with that request.
      }
    }
    this.#scopes.clear();
  }

  get config(): ClientConfig {
    return this.#config;
  }

  /** Sends `req` to the preferred server, moving on to the next on network errors, timeouts and retryable statuses. */
  async request(req: NacosRequest): Promise<NacosResponse> {
    const signal = req.signal;
    if (signal?.aborted) throw abortError(signal, `${req.method} ${req.path}`);
    if (this.#closed) throw shutdownReason();
    await this.#maybeRefreshEndpoint(signal);
    const candidates = req.server ? [req.server] : this.servers.ordered();
    if (candidates.length === 0) throw new NacosError('UNAVAILABLE', 'the server list is empty (the address server returned no servers)');
    const retryOn = req.retryOn ?? DEFAULT_RETRY;
    const failures: NacosError[] = [];
    for (const server of candidates) {
      let res: NacosResponse;
      try {
        res = await this.#sendAuthenticated(server, req);
      } catch (error) {
        if (signal?.aborted) throw abortError(signal, `${req.method} ${req.path}`);
        if (this.#closed) throw shutdownReason();
        if (isNacosError(error) && (error.code === 'NETWORK' || error.code === 'TIMEOUT')) {
          failures.push(error);
          continue;
        }
        throw error;
      }
      if (retryOn(res.status, res.body)) {
        failures.push(new NacosError('SERVER', `HTTP ${res.status}: ${snippet(res.body)}`, { status: res.status, server: server.origin }));
        continue;
      }
      if (this.servers.markGood(server)) this.#log.info(`now using server ${server.origin}`);
      return res;
    }
    throw new NacosUnavailableError(`no server answered ${req.method} ${req.path}`, failures);
  }

  /** The API generation of `server`, probed once and cached (a failed probe is not cached). */
  generation(server: ServerAddress, signal?: AbortSignal): Promise<ApiGeneration> {
    let probe = this.#generations.get(server);
    if (!probe) {
      probe = this.#probe(server, signal);
      this.#generations.set(server, probe);
      probe.catch(() => this.#generations.delete(server));
    }
    return probe;
  }

  /** The generation of the preferred server when it is already known (no request); undefined otherwise. */
  knownPreferredGeneration(): ApiGeneration | undefined {
    const server = this.servers.ordered()[0];
    return server ? this.#known.get(server) : undefined;
  }

  /**
   * Records what a v1 answer of `res.server` showed about its generation, so a read can double as the probe
   * (a cold Worker isolate then pays one round trip for its first getConfig, not two).
   */
  learnGeneration(res: NacosResponse): ApiGeneration {
    const generation = generationFromV1Answer(res);
    this.#known.set(res.server, generation);
    if (!this.#generations.has(res.server)) this.#generations.set(res.server, Promise.resolve(generation));
    return generation;
  }

  /** The generation of the preferred server (the one the next request goes to first), probing the list in order. */
  async preferredGeneration(signal?: AbortSignal): Promise<{ server: ServerAddress; generation: ApiGeneration }> {
    await this.#maybeRefreshEndpoint(signal);
    const failures: NacosError[] = [];
    for (const server of this.servers.ordered()) {
      try {
        const generation = await this.generation(server, signal);
        return { server, generation };
      } catch (error) {
        if (signal?.aborted) throw abortError(signal);
        if (isNacosError(error) && error.code !== 'UNAVAILABLE' && error.code !== 'NETWORK' && error.code !== 'TIMEOUT') throw error;
        if (error instanceof NacosUnavailableError) failures.push(...error.causes);
        else failures.push(isNacosError(error) ? error : new NacosError('NETWORK', String(error), { cause: error }));
      }
    }
    throw new NacosUnavailableError('no server answered the API probe', failures);
  }

  /** Logs in now (a fresh token) and returns its lifetime in seconds; throws `AUTH` on bad credentials. */
  async login(signal?: AbortSignal): Promise<{ tokenTtlSeconds: number }> {
    if (this.#config.username === undefined) throw new NacosError('VALIDATION', 'no username configured to log in with');
    const { login } = await import('./auth.js');
    const answer = await login(this, this.#log, this.#config.username, this.#config.password ?? '', signal);
    return { tokenTtlSeconds: answer.tokenTtl };
  }

  /** True when requests carry a login token (username configured). */
  get hasLogin(): boolean {
    return this.#config.username !== undefined;
  }

  /**
   * The token manager, made on first use: token login and Spas signing are a separate chunk that apps
   * without credentials never load.
   */
  #tokenManager(): Promise<TokenManager> | undefined {
    const { username, password } = this.#config;
    if (username === undefined) return undefined;
    this.#tokens ??= import('./auth.js').then(
      ({ login, TokenManager }) => new TokenManager(username, password ?? '', (u, p, signal) => login(this, this.#log, u, p, signal)),
      (error: unknown) => {
        // A chunk that failed to load (a browser offline for a moment) is tried again on the next request.
        this.#tokens = undefined;
        throw error;
      },
    );
    return this.#tokens;
  }

  async #probe(server: ServerAddress, signal: AbortSignal | undefined): Promise<ApiGeneration> {
    // A v1 server answers this read with 200/404 "config data not exist" (or 403 from its auth filter);
    // a server without v1 answers 404 from the framework (no handler) or 410 (compatibility switched off).
    const res = await this.request({
      method: 'GET',
      path: '/v1/cs/configs',
      query: { dataId: PROBE_DATA_ID, group: 'DEFAULT_GROUP' },
      server,
      signal,
      retryOn: () => false,
    });
    const generation = this.learnGeneration(res);
    this.#log.debug(`server ${server.origin} offers the ${generation} HTTP API (probe answered ${res.status})`);
    return generation;
  }

  async #sendAuthenticated(server: ServerAddress, req: NacosRequest): Promise<NacosResponse> {
    const pending = req.auth === false ? undefined : this.#tokenManager();
    if (!pending) return this.#send(server, req, undefined);
    const tokens = await pending;
    const token = await tokens.token(req.signal);
    const res = await this.#send(server, req, token);
    if (res.status !== 403) return res;
    // An expired or revoked token: log in again and retry once.
    tokens.invalidate(token);
    this.#log.debug(`server ${server.origin} refused the access token; logging in again`);
    return this.#send(server, req, await tokens.token(req.signal));
  }

  async #send(server: ServerAddress, req: NacosRequest, token: string | undefined): Promise<NacosResponse> {
    // Plain strings and a plain header record: on the hot path (getConfig) a URL and a Headers object per
    // request cost measurably more in undici than the request itself (bench/results).
    const query = { ...req.query };
    const headers: Record<string, string> = { ...req.headers };
    if (this.#config.appName) headers['Client-AppName'] = this.#config.appName;
    if (token !== undefined) headers['accessToken'] = token;
    if (req.sign && (this.#config.accessKey !== undefined || this.#config.credentialsProvider)) await this.#sign(req.sign, headers, query);
    const search = formEncode(query);
    const url = `${server.origin}${server.contextPath}${req.path}${search ? `?${search}` : ''}`;
    let body: string | undefined;
    if (req.form) {
      body = formEncode(req.form);
      headers['Content-Type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    const scope = this.scope(req.signal);
    const timeoutMs = req.timeoutMs ?? this.#config.timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      scope.abort();
    }, timeoutMs);
    try {
      const init: RequestInit = { method: req.method, headers, signal: scope.signal };
      if (body !== undefined) init.body = body;
      const response = await this.#fetch(url, init);
      return { status: response.status, headers: response.headers, body: await response.text(), server };
    } catch (error) {
      if (req.signal?.aborted) throw abortError(req.signal, `${req.method} ${req.path}`);
      if (this.#closed) throw shutdownReason();
      if (timedOut) throw new NacosError('TIMEOUT', `${req.method} ${req.path} timed out after ${timeoutMs} ms`, { cause: error, server: server.origin });
      throw new NacosError('NETWORK', `${req.method} ${req.path} failed: ${describeNetworkError(error)}`, { cause: error, server: server.origin });
    } finally {
      clearTimeout(timer);
      scope.release();
    }
  }

  async #sign(sign: NonNullable<NacosRequest['sign']>, headers: Record<string, string>, query: Params): Promise<void> {
    const { configSignatureHeaders, namingSignatureParams, signingCredentials } = await import('./auth.js');
    const credentials = await signingCredentials(this.#config);
    if (!credentials) return;
    const now = Date.now();
    if (sign.kind === 'config') {
      Object.assign(headers, await configSignatureHeaders(credentials, sign, now));
    } else {
      Object.assign(query, await namingSignatureParams(credentials, sign.groupedServiceName, now));
      if (this.#config.appName) query['app'] = this.#config.appName;
    }
  }

  async #maybeRefreshEndpoint(signal: AbortSignal | undefined): Promise<void> {
    const endpoint = this.#config.endpoint;
    if (endpoint === undefined) return;
    const due = Date.now() - this.#endpointRefreshedAt >= this.#config.endpointRefreshMs;
    if (!due) return;
    this.#endpointRefresh ??= this.#refreshEndpoint(endpoint, signal).finally(() => {
      this.#endpointRefresh = undefined;
    });
    if (this.servers.size === 0) await this.#endpointRefresh;
    else this.#endpointRefresh.catch(() => undefined);
  }

  async #refreshEndpoint(endpoint: string, signal: AbortSignal | undefined): Promise<void> {
    const scope = this.scope(signal);
    const timer = setTimeout(() => scope.abort(), this.#config.timeoutMs);
    try {
      // Address-server discovery is a chunk of its own: only apps configured with an endpoint load it.
      const { fetchServerList } = await import('./endpoint.js');
      const servers = await fetchServerList(this.#fetch, endpoint, this.#config, scope.signal);
      this.servers.replace(servers);
      this.#endpointRefreshedAt = Date.now();
      this.#log.debug(`address server listed ${servers.length} server(s)`);
    } catch (error) {
      if (this.servers.size === 0) throw error;
      this.#log.warn(`could not refresh the server list from the address server; keeping the old one (${error instanceof Error ? error.message : String(error)})`);
    } finally {
      clearTimeout(timer);
      scope.release();
    }
  }
}

/** The scopes following each caller signal: one abort listener per signal, however many requests share it. */
const followers = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Aborts `child` when `parent` aborts; returns the undo. A listener per request on one shared signal (a loop's,
 * or a caller's passed to 100 concurrent calls) would pile up and make Node warn of a leak past 10.
 */
function follow(parent: AbortSignal, child: AbortController): () => void {
  let children = followers.get(parent);
  if (!children) {
    const set = new Set<AbortController>();
    children = set;
    followers.set(parent, set);
    parent.addEventListener(
      'abort',
      () => {
        for (const c of set) c.abort(parent.reason);
        set.clear();
        followers.delete(parent);
      },
      { once: true },
    );
  }
  children.add(child);
  const set = children;
  return () => set.delete(child);
}

/**
 * What a `GET /v1/cs/configs` answer says about the server: a v1 server answers 200, 404 "config data not
 * exist", or 403 from its auth filter; a server without v1 answers a framework 404 (no handler) or 410
 * (compatibility switched off).
 */
export function generationFromV1Answer(res: NacosResponse): ApiGeneration {
  const v1 = res.status === 200 || res.status === 403 || (res.status === 404 && /config data not exist/i.test(res.body));
  return v1 ? 'v1' : 'v3';
}

/** `application/x-www-form-urlencoded` of the defined values (URLSearchParams' encoding, without building one). */
export function formEncode(params: Params): string {
  let out = '';
  for (const key in params) {
    const value = params[key];
    if (value === undefined) continue;
    out += `${out ? '&' : ''}${encodeForm(key)}=${encodeForm(String(value))}`;
  }
  return out;
}

function encodeForm(text: string): string {
  // encodeURIComponent, then the form-encoding differences: space as '+', and !'()~ escaped like URLSearchParams does.
  return encodeURIComponent(text).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function shutdownReason(): NacosError {
  return new NacosError('ABORTED', 'client shut down');
}

/** A short, single-line excerpt of a response body for error messages. */
export function snippet(body: string): string {
  const text = body.trim().replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || '(empty body)';
}

/** A network failure's message with undici's underlying reason (ECONNREFUSED, …) when it has one. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici puts the reason one level down: TypeError('fetch failed', { cause: Error('connect ECONNREFUSED …') }).
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}

/** Turns a non-2xx answer into the matching NacosError. */
export function errorForStatus(res: NacosResponse, what: string): NacosError {
  const options = { status: res.status, server: res.server.origin };
  const detail = snippet(res.body);
  if (res.status === 401 || res.status === 403) return new NacosError('AUTH', `${what}: access denied (HTTP ${res.status}): ${detail}`, options);
  if (res.status === 404) return new NacosError('NOT_FOUND', `${what}: not found: ${detail}`, options);
  if (res.status === 410 || res.status === 501) return new NacosError('UNSUPPORTED', `${what}: the server does not offer this API (HTTP ${res.status}): ${detail}`, options);
  return new NacosError('SERVER', `${what}: HTTP ${res.status}: ${detail}`, options);
}

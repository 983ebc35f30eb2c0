import type { ClientConfig, FetchLike } from '../client-config.js';
import { abortError, isNacosError, NacosError, NacosUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { onAbort } from '../util/abort.js';
import { login, LOGIN_TIMEOUT_MS, TokenManager } from './auth.js';
import { contradictsGeneration, describeNetworkError, generationFromV1Answer, isWebPage, notNacos, refusesToken, snippet, type ApiGeneration, type NacosResponse } from './classify.js';
import type { PushContext } from '../push/port.js';
import type { ServerDiscovery } from './endpoint.js';
import { serverKey, ServerList, type ServerAddress } from './servers.js';
import { awaitShared } from './shared.js';
import type { SignTarget } from './signing.js';

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
  /** Spas signing (when the client has a signer): config requests sign headers, naming requests sign parameters. */
  sign?: SignTarget;
  /** Send the access token (default true). */
  auth?: boolean;
  /**
   * Answers that move on to the next server. Default: 500, 502, 503, 504. A 2xx it refuses is no Nacos answer
   * (a middlebox's, another service's) and is reported as such.
   */
  retryOn?: (status: number, body: string, headers: Headers) => boolean;
  /** Only this server (no rotation). */
  server?: ServerAddress | undefined;
}

const DEFAULT_RETRY = (status: number) => status >= 500 && status <= 504 && status !== 501;
/** The config the API probe and liveness checks read: a cheap answer from every generation (absent: 404 or 410). */
export const PROBE_QUERY = { dataId: 'nacos-edge.probe', group: 'DEFAULT_GROUP' };

/**
 * Sends requests to the cluster as a pipeline of small steps: resolve the servers (address-server refresh) →
 * for each in turn: authenticate (the shared login) → sign → send with the caller's signal and a timeout →
 * classify the answer (a Nacos answer, a reason to try the next server, or not Nacos at all) → rotate. Shared
 * work (login, the API-generation probe, the server-list refresh) runs once, under the client's lifetime; each
 * caller's signal ends only that caller's wait. Everything above speaks in logical requests and never sees a URL
 * with a secret in it.
 */
export class Transport implements PushContext {
  declare readonly servers: ServerList;
  declare readonly config: ClientConfig;
  declare readonly log: Logger;
  /** Made on the first request when a username is configured. */
  #tokens: TokenManager | undefined;
  readonly #fetch: FetchLike;
  /**
   * One AbortController per operation in flight, made in the operation's own context: Cloudflare Workers
   * forbid using an I/O object (an AbortSignal among them) from one request in another, so there is no
   * client-wide signal that every request would share.
   */
  readonly #scopes = new Set<AbortController>();
  #closed = false;
  /** Probes in flight or settled on a definitive answer, by serverKey. */
  readonly #generations = new Map<string, Promise<ApiGeneration>>();
  /** Generations known without waiting, by serverKey. */
  readonly #known = new Map<string, ApiGeneration>();
  /** Address-server discovery, when the client has an endpoint (and the feature handed in). */
  readonly #discovery: ServerDiscovery | undefined;

  constructor(config: ClientConfig, log: Logger) {
    this.config = config;
    this.log = log;
    this.servers = new ServerList(config.servers);
    // The platform's fetch, looked up per client (not at import) so test doubles and polyfills installed later count.
    this.#fetch = config.fetch ?? ((input, init) => fetch(input, init));
    const { endpoint, addressServer } = config;
    this.#discovery =
      endpoint !== undefined && addressServer
        ? addressServer({ endpoint, config, fetch: this.#fetch, servers: this.servers, log, shared: (work) => this.#shared(work), scope: (signal) => this.scope(signal) })
        : undefined;
  }

  /**
   * A signal for one operation (a request, a loop, a tick): it aborts when `signal` does or when the
   * client shuts down. Call `release()` when the operation ends. Without `signal`, the operation lives as
   * long as the client (shared work).
   */
  scope(signal?: AbortSignal): { signal: AbortSignal; abort: () => void; release: () => void } {
    const controller = new AbortController();
    let unfollow: (() => void) | undefined;
    if (this.#closed) controller.abort(shutdownReason());
    else if (signal?.aborted) controller.abort(signal.reason);
    else if (signal) unfollow = onAbort(signal, () => controller.abort(signal.reason));
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

  /** Sends `req` to the preferred server, moving on to the next on network errors, timeouts and retryable statuses. */
  async request(req: NacosRequest): Promise<NacosResponse> {
    const signal = req.signal;
    const what = describeRequest(req);
    this.#assertLive(signal, what);
    const candidates = req.server ? [req.server] : await this.resolvedServers(signal);
    if (candidates.length === 0) throw new NacosError('UNAVAILABLE', 'the address server listed no servers');
    const retryOn = req.retryOn ?? DEFAULT_RETRY;
    const failures: NacosError[] = [];
    for (const server of candidates) {
      let res: NacosResponse;
      try {
        res = await this.#authenticatedSend(server, req);
      } catch (error) {
        this.#assertLive(signal, what);
        if (isNacosError(error) && (error.code === 'NETWORK' || error.code === 'TIMEOUT')) {
          failures.push(error);
          continue;
        }
        throw error;
      }
      // A web page, or an answer retryOn refuses: a 2xx (or any web page) is no Nacos answer, the rest a server error.
      const webPage = isWebPage(res);
      if (webPage || retryOn(res.status, res.body, res.headers)) {
        failures.push(webPage || res.status < 300 ? notNacos(res, what) : new NacosError('SERVER', `HTTP ${res.status}: ${snippet(res.body)}`, { status: res.status, server: server.origin }));
        continue;
      }
      this.#noticeContradiction(res, req.path);
      if (this.servers.markGood(server)) this.log.info(`now using server ${server.origin}`);
      return res;
    }
    throw new NacosUnavailableError(`no server answered ${what}`, failures);
  }

  /** Throws when the operation must end now: the caller's signal aborted (`what` names it) or the client shut down. */
  #assertLive(signal: AbortSignal | undefined, what?: string): void {
    if (signal?.aborted) throw abortError(signal, what);
    if (this.#closed) throw shutdownReason();
  }

  // ---------------------------------------------------------------------------------- API generation

  /**
   * The API generation of `server`, probed once under the client's lifetime and cached on a definitive answer
   * (a failed or unclear probe is asked again next time). `signal` ends this caller's wait only.
   */
  generation(server: ServerAddress, signal?: AbortSignal): Promise<ApiGeneration> {
    const key = serverKey(server);
    let probe = this.#generations.get(key);
    if (!probe) {
      probe = this.#shared((lifetime) => this.#probe(server, lifetime));
      this.#generations.set(key, probe);
      probe.catch(() => {
        if (this.#generations.get(key) === probe) this.#generations.delete(key);
      });
    }
    return awaitShared(probe, signal, 'API probe');
  }

  /** The generation of the preferred server when it is already known (no request); undefined otherwise. */
  knownPreferredGeneration(): ApiGeneration | undefined {
    const server = this.servers.ordered()[0];
    return server ? this.#known.get(serverKey(server)) : undefined;
  }

  /**
   * Records what a v1 answer of `res.server` showed about its generation, so a read can double as the probe
   * (a cold Worker isolate then pays one round trip for its first getConfig, not two). Undefined when the answer
   * showed nothing definite (then nothing is recorded).
   */
  learnGeneration(res: NacosResponse): ApiGeneration | undefined {
    const generation = generationFromV1Answer(res);
    if (generation === undefined) return undefined;
    const key = serverKey(res.server);
    this.#known.set(key, generation);
    if (!this.#generations.has(key)) this.#generations.set(key, Promise.resolve(generation));
    return generation;
  }

  /** The generation of the preferred server (the one the next request goes to first), probing the list in order. */
  async preferredGeneration(signal?: AbortSignal): Promise<{ server: ServerAddress; generation: ApiGeneration }> {
    const failures: NacosError[] = [];
    for (const server of await this.resolvedServers(signal)) {
      try {
        const generation = await this.generation(server, signal);
        return { server, generation };
      } catch (error) {
        this.#assertLive(signal);
        if (isNacosError(error) && !['UNAVAILABLE', 'NETWORK', 'TIMEOUT', 'SERVER'].includes(error.code)) throw error;
        failures.push(...(error instanceof NacosUnavailableError ? error.causes : [isNacosError(error) ? error : new NacosError('NETWORK', String(error), { cause: error })]));
      }
    }
    throw new NacosUnavailableError('no server answered the API probe', failures);
  }

  async #probe(server: ServerAddress, signal: AbortSignal): Promise<ApiGeneration> {
    const res = await this.request({ method: 'GET', path: '/v1/cs/configs', query: PROBE_QUERY, server, signal });
    const generation = this.learnGeneration(res);
    if (generation === undefined) throw notNacos(res, 'API probe');
    this.log.debug(`server ${server.origin} speaks the ${generation} API (probe: HTTP ${res.status})`);
    return generation;
  }

  /** A path of a cached generation answered as only the other generation does: forget it, so it is probed again. */
  #noticeContradiction(res: NacosResponse, path: string): void {
    const key = serverKey(res.server);
    const known = this.#known.get(key);
    // Only a path of the known generation (`/v1/…`, `/v3/…`) can contradict it.
    if (!known || !path.startsWith(`/${known}/`) || !contradictsGeneration(res, known)) return;
    this.log.info(`server ${res.server.origin} lost its ${known} API (HTTP ${res.status} for ${path}); probing it again`);
    this.#known.delete(key);
    this.#generations.delete(key);
  }

  // ---------------------------------------------------------------------------------- authenticate, sign, send

  /** True when requests carry a login token (username configured). */
  get hasLogin(): boolean {
    return this.config.username !== undefined;
  }

  /** The token manager, made on first use; its logins run under the client's lifetime (shared work). */
  #tokenManager(): TokenManager | undefined {
    const { username, password } = this.config;
    if (username === undefined) return undefined;
    const timeoutMs = Math.max(this.config.timeoutMs, LOGIN_TIMEOUT_MS);
    this.#tokens ??= new TokenManager(() => this.#shared((lifetime) => login(this, this.log, username, password ?? '', lifetime, timeoutMs)));
    return this.#tokens;
  }

  async #authenticatedSend(server: ServerAddress, req: NacosRequest): Promise<NacosResponse> {
    const tokens = req.auth === false ? undefined : this.#tokenManager();
    if (!tokens) return this.#send(server, req, undefined);
    const token = await tokens.token(req.signal);
    const res = await this.#send(server, req, token);
    // A token the server no longer takes (expired early, revoked, a restarted server with a new key): log in again
    // once. A permission denial is final: a new login cannot cure it.
    if (!refusesToken(res)) return res;
    tokens.invalidate(token);
    this.log.debug(`server ${server.origin} refused the token; logging in again`);
    return this.#send(server, req, await tokens.token(req.signal));
  }

  async #send(server: ServerAddress, req: NacosRequest, token: string | undefined): Promise<NacosResponse> {
    // Plain strings and a plain header record: on the hot path (getConfig) a URL and a Headers object per
    // request cost measurably more in undici than the request itself (bench/results).
    const query = { ...req.query };
    const headers: Record<string, string> = { ...req.headers };
    if (this.config.appName) headers['Client-AppName'] = this.config.appName;
    if (token !== undefined) headers['accessToken'] = token;
    if (req.sign && this.config.signer) {
      const signed = await this.config.signer(req.sign, this.config);
      Object.assign(headers, signed.headers);
      Object.assign(query, signed.query);
    }
    const search = formEncode(query);
    const url = `${server.origin}${server.contextPath}${req.path}${search ? `?${search}` : ''}`;
    const init: RequestInit = { method: req.method, headers };
    if (req.form) {
      init.body = formEncode(req.form);
      headers['Content-Type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    const scope = this.scope(req.signal);
    init.signal = scope.signal;
    const timeoutMs = req.timeoutMs ?? this.config.timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      scope.abort();
    }, timeoutMs);
    try {
      const response = await this.#fetch(url, init);
      return { status: response.status, headers: response.headers, body: await response.text(), server };
    } catch (error) {
      const what = describeRequest(req);
      this.#assertLive(req.signal, what);
      if (timedOut) throw new NacosError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`, { cause: error, server: server.origin });
      throw new NacosError('NETWORK', `${what} failed: ${describeNetworkError(error)}`, { cause: error, server: server.origin });
    } finally {
      clearTimeout(timer);
      scope.release();
    }
  }

  /**
   * The access token of the shared login (undefined without a username), for push adapters' connections; `refused`,
   * a token a server refused, is forgotten first, so that a new login is made.
   */
  async token(signal: AbortSignal, refused?: string): Promise<string | undefined> {
    const tokens = this.#tokenManager();
    if (refused !== undefined) tokens?.invalidate(refused);
    return tokens?.token(signal);
  }

  // ---------------------------------------------------------------------------------- servers

  /** The servers to try, preferred first: the static list, or the address server's (refreshed in the background). */
  resolvedServers(signal: AbortSignal | undefined): Promise<readonly ServerAddress[]> | readonly ServerAddress[] {
    return this.#discovery ? this.#discovery.servers(signal) : this.servers.ordered();
  }

  /**
   * Runs shared work once under the client's lifetime (not any caller's signal): aborted by shutdown only.
   * Callers wait for it with {@link awaitShared}.
   */
  #shared<T>(work: (lifetime: AbortSignal) => Promise<T>): Promise<T> {
    const scope = this.scope();
    return work(scope.signal).finally(() => scope.release());
  }
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

const describeRequest = (req: NacosRequest) => `${req.method} ${req.path}`;

function shutdownReason(): NacosError {
  return new NacosError('ABORTED', 'client shut down');
}

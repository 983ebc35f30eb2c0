import type { Logger } from '../logger.js';
import { NacosError } from '../errors.js';
import { notNacos, snippet, type NacosResponse } from './classify.js';
import type { Transport } from './http.js';
import { awaitShared } from './shared.js';

/** A login answer. */
export interface AccessToken {
  readonly token: string;
  /** Epoch ms after which the client logs in again (before the server's expiry). */
  readonly refreshAt: number;
}

/** One login against some server; the transport runs it under the client's lifetime (shared work). */
export type LoginFn = () => Promise<{ accessToken: string; tokenTtl: number }>;

/**
 * Keeps one access token for the client. Logs in lazily, refreshes when 90 % of `tokenTtl` has passed, and
 * shares one login between concurrent callers: the login is the client's, not the first caller's, so one
 * caller's signal ends only that caller's wait. No timer: an idle client does nothing.
 */
export class TokenManager {
  #current: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(
    private readonly login: LoginFn,
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid token, logging in when there is none or it is due for refresh. */
  async token(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    if (current && this.now() < current.refreshAt) return current.token;
    this.#pending ??= this.#login().finally(() => {
      this.#pending = undefined;
    });
    return (await awaitShared(this.#pending, signal, 'login')).token;
  }

  /** Forgets `token` after the server refused it, so the next call logs in again. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #login(): Promise<AccessToken> {
    const answer = await this.login();
    if (typeof answer.accessToken !== 'string' || answer.accessToken === '') throw new NacosError('AUTH', 'login answered without an accessToken');
    const ttlMs = Math.max(1, Number(answer.tokenTtl) || 18_000) * 1000;
    this.#current = { token: answer.accessToken, refreshAt: this.now() + ttlMs * 0.9 };
    return this.#current;
  }
}

const V3_LOGIN_RETRY = (status: number) => status === 502 || status === 503 || status === 504;

/** Logs in on the cluster and returns the token with its lifetime in seconds; throws `AUTH` when refused. */
export async function login(transport: Transport, log: Logger, username: string, password: string, signal: AbortSignal | undefined): Promise<{ accessToken: string; tokenTtl: number }> {
  // Credentials travel in the form body, never in the URL. v1 login exists on 1.x–3.1; 3.2+ only has v3.
  const form = { username, password };
  // Once the client knows the server has no v1 API, it logs in on the v3 path straight away.
  let res: NacosResponse | undefined;
  if (transport.knownPreferredGeneration() !== 'v3') res = await transport.request({ method: 'POST', path: '/v1/auth/login', form, auth: false, signal });
  if (!res || res.status === 404 || res.status === 405 || res.status === 410) {
    // Nacos 3.x answers a wrong password for a known user with a bare HTTP 500 ("No message available"; an unknown
    // user gets 403), so on this path a 500 is a refusal, not a server to rotate away from.
    res = await transport.request({ method: 'POST', path: '/v3/auth/user/login', form, auth: false, signal, server: res?.server, retryOn: V3_LOGIN_RETRY });
    if (res.status === 500) {
      throw new NacosError('AUTH', `login as "${username}" refused (HTTP 500, how Nacos 3.x refuses a bad password): ${snippet(res.body)}`, { status: 500, server: res.server.origin });
    }
  }
  if (res.status !== 200) {
    throw new NacosError('AUTH', `login as "${username}" failed (HTTP ${res.status}): ${snippet(res.body)}`, { status: res.status, server: res.server.origin });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    throw notNacos(res, `login as "${username}"`);
  }
  const answer = (parsed ?? {}) as { accessToken?: unknown; tokenTtl?: unknown; data?: { accessToken?: unknown; tokenTtl?: unknown } };
  const source = typeof answer.accessToken === 'string' ? answer : (answer.data ?? {});
  // A 200 without a token is no Nacos login answer (another application on that port).
  if (typeof source.accessToken !== 'string' || source.accessToken === '') throw notNacos(res, `login as "${username}"`);
  log.debug(`logged in as "${username}" on ${res.server.origin}`);
  return { accessToken: String(source.accessToken ?? ''), tokenTtl: Number(source.tokenTtl ?? 18_000) };
}

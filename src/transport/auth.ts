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
  /** Epoch ms at which the server stops taking the token. */
  readonly expiresAt: number;
}

/** One login against some server; the transport runs it under the client's lifetime (shared work). */
export type LoginFn = () => Promise<{ accessToken: string; tokenTtl: number }>;

/** How long after a failed login its error is the answer, before the next login is tried. */
const LOGIN_PAUSE_MS = 2000;

/**
 * Keeps one access token for the client. Logs in lazily, refreshes when 90 % of `tokenTtl` has passed, and
 * shares one login between concurrent callers: the login is the client's, not the first caller's, so one
 * caller's signal ends only that caller's wait. No timer: an idle client does nothing.
 *
 * A failed login is not tried again at once: for 2 s callers get its error straight away (its loops
 * back off on their own). Nacos hashes the password (BCrypt, ~100 ms of CPU) on every login, so clients that
 * log in again on every request of every loop can keep a busy cluster from ever catching up (the fault suite's 100
 * clients did: three members at a load of 340, minutes after the clients were gone).
 */
export class TokenManager {
  #current: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;
  #failure: { error: unknown; until: number } | undefined;

  private declare readonly login: LoginFn;
  private declare readonly now: () => number;

  // Declared fields set here (no class-field definitions emitted before the assignments).
  constructor(login: LoginFn, now: () => number = Date.now) {
    this.login = login;
    this.now = now;
  }

  /** A valid token, logging in when there is none or it is due for refresh. */
  async token(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    const now = this.now();
    if (current && now < current.refreshAt) return current.token;
    // A token only due for refresh still serves while the refresh fails or pauses.
    const usable = current && now < current.expiresAt ? current.token : undefined;
    if (!this.#pending && this.#failure && now < this.#failure.until) {
      if (usable !== undefined) return usable;
      throw this.#failure.error;
    }
    this.#pending ??= this.#login().finally(() => {
      this.#pending = undefined;
    });
    try {
      return (await awaitShared(this.#pending, signal, 'login')).token;
    } catch (error) {
      if (usable === undefined || signal?.aborted) throw error;
      return usable;
    }
  }

  /** Forgets `token` after the server refused it, so the next call logs in again. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #login(): Promise<AccessToken> {
    let answer: Awaited<ReturnType<LoginFn>>;
    try {
      // login() answers a non-empty token or throws (an answer without one is not Nacos's).
      answer = await this.login();
    } catch (error) {
      this.#failure = { error, until: this.now() + LOGIN_PAUSE_MS };
      throw error;
    }
    this.#failure = undefined;
    const ttlMs = Math.max(1, Number(answer.tokenTtl) || 18_000) * 1000;
    const at = this.now();
    this.#current = { token: answer.accessToken, refreshAt: at + ttlMs * 0.9, expiresAt: at + ttlMs };
    return this.#current;
  }
}

const V3_LOGIN_RETRY = (status: number) => status >= 502 && status <= 504;

/**
 * How long a login is waited for, at least: the server hashes the password (BCrypt, ~100 ms of CPU each), so under
 * load logins queue for seconds, and one abandoned at the request timeout is work the server does for nothing
 * while the client asks the next member to do it again.
 */
export const LOGIN_TIMEOUT_MS = 10_000;

/** Logs in on the cluster and returns the token with its lifetime in seconds; throws `AUTH` when refused. */
export async function login(transport: Transport, log: Logger, username: string, password: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ accessToken: string; tokenTtl: number }> {
  // Credentials travel in the form body, never in the URL. v1 login exists on 1.x–3.1; 3.2+ only has v3.
  const form = { username, password };
  // Once the client knows the server has no v1 API, it logs in on the v3 path straight away.
  let res: NacosResponse | undefined;
  if (transport.knownPreferredGeneration() !== 'v3') res = await transport.request({ method: 'POST', path: '/v1/auth/login', form, auth: false, signal, timeoutMs });
  let v3 = false;
  if (!res || [404, 405, 410].includes(res.status)) {
    // Nacos 3.x answers a wrong password for a known user with a bare HTTP 500 ("No message available"; an unknown
    // user gets 403), so on this path a 500 is a refusal, not a server to rotate away from.
    res = await transport.request({ method: 'POST', path: '/v3/auth/user/login', form, auth: false, signal, timeoutMs, server: res?.server, retryOn: V3_LOGIN_RETRY });
    v3 = true;
  }
  if (res.status !== 200) {
    const why = v3 && res.status === 500 ? 'refused (HTTP 500: Nacos 3.x on a bad password)' : `failed (HTTP ${res.status})`;
    throw new NacosError('AUTH', `login as "${username}" ${why}: ${snippet(res.body)}`, { status: res.status, server: res.server.origin });
  }
  type Answer = { accessToken?: unknown; tokenTtl?: unknown; data?: Answer };
  let source: Answer | undefined;
  try {
    const answer = (JSON.parse(res.body) ?? {}) as Answer;
    source = typeof answer.accessToken === 'string' ? answer : answer.data;
  } catch {
    // not JSON: below
  }
  // Not JSON, or a 200 without a token: no Nacos login answer (another application on that port).
  if (typeof source?.accessToken !== 'string' || source.accessToken === '') throw notNacos(res, `login as "${username}"`);
  log.debug(`logged in as "${username}" on ${res.server.origin}`);
  return { accessToken: source.accessToken, tokenTtl: Number(source.tokenTtl ?? 18_000) };
}

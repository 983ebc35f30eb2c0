// What a server's answer means, decided in one place: whether it comes from Nacos at all, which API generation
// it shows, whether a refused token should be renewed, and which NacosError a failed answer becomes.
import { NacosError } from '../errors.js';
import { serverKey, type ServerAddress } from './servers.js';

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
  if (res.status === 410 || res.status === 501) return new NacosError('UNSUPPORTED', `${what}: the server has no such API (HTTP ${res.status}): ${detail}`, options);
  return new NacosError('SERVER', `${what}: HTTP ${res.status}: ${detail}`, options);
}

/** The error for an answer that no Nacos server gives (a web page, another service on the port). */
export function notNacos(res: NacosResponse, what: string): NacosError {
  const type = res.headers.get('content-type')?.split(';')[0];
  return new NacosError('SERVER', `${what}: not a Nacos server at ${serverKey(res.server)} (HTTP ${res.status}${type ? `, ${type}` : ''}: ${snippet(res.body)})`, {
    status: res.status,
    server: res.server.origin,
  });
}

/** Nacos's API never answers with a web page; anything that does is another server on that address. */
export const isWebPage = (res: NacosResponse): boolean => /^text\/html/i.test(res.headers.get('content-type') ?? '');

/** Whether the body is Spring's error document (`{"timestamp":…,"status":404,"error":"Not Found","path":…}`), which Nacos servers answer for unknown paths. */
function isSpringError(res: NacosResponse): boolean {
  try {
    const parsed = JSON.parse(res.body) as { status?: unknown; path?: unknown } | null;
    return typeof parsed?.status === 'number' && typeof parsed.path === 'string';
  } catch {
    return false;
  }
}

/**
 * What an answer to `GET /v1/cs/configs` says about the server, or undefined when it says nothing definite (a 5xx,
 * another server on the port). A v1 server answers 200 with the content and its `Content-MD5`, 404 "config data not
 * exist", or 403 from its auth filter; a server without v1 answers Spring's 404 (3.2: no handler) or 410 Gone (3.x
 * with the client compatibility switch off).
 */
export function generationFromV1Answer(res: NacosResponse): ApiGeneration | undefined {
  if (isWebPage(res)) return undefined;
  if (res.status === 200) return res.headers.has('Content-MD5') ? 'v1' : undefined;
  if (res.status === 404 && /config data not exist/i.test(res.body)) return 'v1';
  if (res.status === 403) return isNacosRefusal(res) ? 'v1' : undefined;
  if (res.status === 404 || res.status === 410) return isSpringError(res) ? 'v3' : undefined;
  return undefined;
}

/** A 403 of Nacos's auth filter (2.x: `user not found!`, `token invalid!`, `authorization failed!`; 3.x: the same as `Code: 401/403, …`). */
function isNacosRefusal(res: NacosResponse): boolean {
  return /user not found|token (invalid|expired)|authorization failed|Code: 40[13]|Invalid signature|unknown user/i.test(res.body);
}

/**
 * Whether a 403 says the token is the problem (missing, invalid, expired), so that a new login can help; a plain
 * permission denial (`authorization failed!`, 3.x `Code: 403`) cannot be cured by logging in again.
 */
export function refusesToken(res: NacosResponse): boolean {
  return res.status === 403 && !/authorization failed|Code: 403/i.test(res.body);
}

/** Whether an answer of a path of `generation` shows that the server no longer offers that generation. */
export function contradictsGeneration(res: NacosResponse, generation: ApiGeneration): boolean {
  // v1 paths: 410 Gone (compatibility off) or Spring's 404 (no handler). v3 paths on a v1 server: Spring's 404.
  return (res.status === 404 || (res.status === 410 && generation === 'v1')) && isSpringError(res);
}

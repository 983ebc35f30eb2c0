import type { ClientConfig } from '../client-config.js';
import { isNacosError, NacosError } from '../errors.js';
import { leveledLogger, type Logger } from '../logger.js';
import { errorForStatus, isWebPage, notNacos, snippet, type NacosResponse } from '../transport/classify.js';
import { Transport, type NacosRequest } from '../transport/http.js';
import { awaitShared } from '../transport/shared.js';

/**
 * Which admin surface a server has: `v2` is Nacos 1.x/2.x (the v1 console and open APIs, and the v2 open API),
 * `v3` is Nacos 3.x (`/v3/admin/*`, `/v3/auth/*`). Unlike the core's client-API generation, a 3.0/3.1 server with the
 * v1 client API switched on is still `v3` here: its admin operations live under `/v3/admin`.
 */
export type AdminGeneration = 'v2' | 'v3';

/** One admin request: a core request plus what it is, for error messages. */
export interface AdminRequest extends Omit<NacosRequest, 'sign'> {
  /** What the call does, for error messages (`list namespaces`). */
  what: string;
}

/** Where the admin client gets its token when it does not log in itself (a dashboard that keeps only the token). */
export type TokenSource = () => string | undefined;

/**
 * Codes of the v2/v3 `{ code, message, data }` envelope (Nacos' `ErrorCode`) by what they mean. "No such resource":
 * 20004 resource, 21003 instance, 21008 service, 22001 namespace, 50000/50001/50003 MCP server/version/endpoint.
 */
const NOT_FOUND_CODES = new Set([20004, 21003, 21008, 22001, 50000, 50001, 50003]);
/** 10001 access denied; 401/403 (2.x `RestResult`); 40301 (3.x console). */
const AUTH_CODES = new Set([401, 403, 10001, 40301]);
/** 40000 API deprecated, 40001 API function disabled; 410/501 (2.x `RestResult`). */
const UNSUPPORTED_CODES = new Set([410, 501, 40000, 40001]);
/**
 * The server refused a parameter: 10000 missing, 20001 tenant, 20002 validate error, 20003 media type, 20008 dataId,
 * 20009 mismatch, 20011–20013 gray rule, 21000–21002/21005/21006 service name/weight/metadata/selector, 21010
 * healthy missing, 22000 illegal namespace.
 */
const VALIDATION_CODES = new Set([10000, 20001, 20002, 20003, 20008, 20009, 20011, 20012, 20013, 21000, 21001, 21002, 21005, 21006, 21010, 22000]);

/**
 * The admin client's plumbing, shared by every area (namespaces, configs, services, …): the core transport (server
 * rotation, login, timeouts), the one-time probe of the admin generation, and the reading of answers into data or
 * typed errors. Areas hold one and speak in logical requests.
 */
export class AdminContext {
  readonly transport: Transport;
  readonly log: Logger;
  readonly #token: TokenSource | undefined;
  #generation: Promise<AdminGeneration> | undefined;

  constructor(config: ClientConfig, token?: TokenSource) {
    this.log = leveledLogger(config.logger, config.logLevel);
    this.transport = new Transport(config, this.log);
    this.#token = token;
  }

  /**
   * The admin generation of the cluster, probed once under the client's lifetime (`GET /v3/admin/core/state`: a 3.x
   * server answers 200, or 403 when the admin API wants a token; 2.x has no such path). `signal` ends only this caller's wait.
   */
  generation(signal?: AbortSignal): Promise<AdminGeneration> {
    if (!this.#generation) {
      const scope = this.transport.scope();
      const probe = this.#probe(scope.signal).finally(() => scope.release());
      this.#generation = probe;
      probe.catch(() => {
        if (this.#generation === probe) this.#generation = undefined;
      });
    }
    return awaitShared(this.#generation, signal, 'admin API probe');
  }

  async #probe(signal: AbortSignal): Promise<AdminGeneration> {
    const res = await this.send({ method: 'GET', path: '/v3/admin/core/state', signal, what: 'admin API probe' });
    if (isWebPage(res)) throw notNacos(res, 'admin API probe');
    let generation: AdminGeneration | undefined;
    if (res.status === 200 || res.status === 401 || res.status === 403) generation = /"?version"?|Code: 40[13]|token|auth/i.test(res.body) || res.status === 200 ? 'v3' : undefined;
    else if (res.status === 404 || res.status === 405) generation = 'v2';
    if (!generation) throw notNacos(res, 'admin API probe');
    this.log.debug(`admin API: ${generation === 'v3' ? 'Nacos 3.x (/v3/admin)' : 'Nacos 1.x/2.x (v1 console, v1/v2 open API)'}`);
    return generation;
  }

  /** Sends one request with the token (the configured login's, or the token source's); answers whatever came back. */
  send(req: AdminRequest): Promise<NacosResponse> {
    const token = this.#token?.();
    if (token === undefined) return this.transport.request(req);
    return this.transport.request({ ...req, auth: false, headers: { ...req.headers, accessToken: token } });
  }

  /** Sends and returns the parsed JSON body of a 2xx answer; other statuses become typed errors. */
  async json(req: AdminRequest): Promise<unknown> {
    const res = await this.send(req);
    if (res.status < 200 || res.status > 299) throw statusError(res, req.what);
    return parseJson(res, req.what);
  }

  /** Sends and returns the text of a 2xx answer. */
  async text(req: AdminRequest): Promise<string> {
    const res = await this.send(req);
    if (res.status < 200 || res.status > 299) throw statusError(res, req.what);
    return res.body;
  }

  /** Sends and returns `data` of a `{ code, message, data }` envelope with code 0 (v2 open API, every 3.x API). */
  async data(req: AdminRequest): Promise<unknown> {
    const res = await this.send(req);
    if (res.status < 200 || res.status > 299) throw statusError(res, req.what);
    return envelopeData(res, req.what);
  }

  /** Stops every request in flight; later calls fail with `ABORTED`. */
  close(): void {
    this.transport.close();
  }
}

/**
 * `data` of a 2xx answer's `{ code, message, data }` envelope with code 0 (3.x, the v2 open API) or 200 (the 2.x
 * auth and console APIs' `RestResult`); another code becomes its typed error.
 */
export function envelopeData(res: NacosResponse, what: string): unknown {
  const body = parseJson(res, what) as { code?: unknown; message?: unknown; data?: unknown } | null;
  if (typeof body?.code !== 'number') throw notNacos(res, what);
  if (body.code !== 0 && body.code !== 200) throw envelopeCodeError(res, body.code, body.message, body.data, what);
  return body.data;
}

function parseJson(res: NacosResponse, what: string): unknown {
  try {
    return JSON.parse(res.body);
  } catch {
    throw notNacos(res, what);
  }
}

/**
 * The error for a non-2xx admin answer. A 2xx/3xx envelope or JSON body in an error status carries the server's code
 * (`{"code":20004,…}`), which names "not found" better than the status does.
 */
export function statusError(res: NacosResponse, what: string): NacosError {
  try {
    const body = JSON.parse(res.body) as { code?: unknown; message?: unknown; data?: unknown } | null;
    if (typeof body?.code === 'number' && body.code !== res.status && res.status !== 401 && res.status !== 403) return envelopeCodeError(res, body.code, body.message, body.data, what);
  } catch {
    // not JSON: the status decides
  }
  return errorForStatus(res, what);
}

function envelopeCodeError(res: NacosResponse, code: number, message: unknown, data: unknown, what: string): NacosError {
  const detail = [message, data].filter((part) => typeof part === 'string' && part !== '').join(': ');
  const options = { status: res.status, server: res.server.origin };
  const text = `${what}: server code ${code}${detail ? `: ${snippet(detail)}` : ''}`;
  // A message that says "not exist" wins over a generic code (3.x answers 20002 for an unknown history id).
  if (NOT_FOUND_CODES.has(code) || /not ?exist|not found/i.test(detail)) return new NacosError('NOT_FOUND', text, options);
  if (AUTH_CODES.has(code)) return new NacosError('AUTH', text, options);
  if (UNSUPPORTED_CODES.has(code)) return new NacosError('UNSUPPORTED', text, options);
  if (VALIDATION_CODES.has(code) || (code >= 20000 && code < 30000 && /param|illegal|invalid|required|missing/i.test(detail))) return new NacosError('VALIDATION', text, options);
  return new NacosError('SERVER', text, options);
}

/** Whether `error` is the admin error for an absent resource. */
export const isNotFound = (error: unknown): boolean => isNacosError(error, 'NOT_FOUND');

/**
 * Every error nacos-edge throws is a {@link NacosError}. Tell them apart by `code` (stable, documented)
 * or with {@link isNacosError}; both work across realms (iframes, workerd isolates, duplicated bundles),
 * where `instanceof` does not.
 *
 * @module
 */

/** Stable error codes. */
export type NacosErrorCode =
  /** Bad input, rejected before any request. */
  | 'VALIDATION'
  /** Login failed, a token was refused, or the server said 403. */
  | 'AUTH'
  /** The server has no such resource (where "absent" is an error rather than an empty result). */
  | 'NOT_FOUND'
  /** A compare-and-swap publish lost: the config changed since `casMd5` was read. */
  | 'CAS_CONFLICT'
  /** A request took longer than its timeout. */
  | 'TIMEOUT'
  /** The server could not be reached (connection refused, DNS, reset). */
  | 'NETWORK'
  /** The server answered with an error status or a body we could not understand. */
  | 'SERVER'
  /** Every server in the list failed; `causes` holds each one's error. */
  | 'UNAVAILABLE'
  /** A typed read: the config's content did not parse in its format or did not match the schema. */
  | 'INVALID_CONTENT'
  /** The operation needs something the server or the configuration does not offer. */
  | 'UNSUPPORTED'
  /** The operation was cancelled through its AbortSignal or by shutdown(). */
  | 'ABORTED';

const BRAND = Symbol.for('nacos-edge.error');

/** Options shared by every error constructor. */
export interface NacosErrorOptions {
  /** HTTP status, when a server answered. */
  status?: number;
  /** The underlying error. */
  cause?: unknown;
  /** Which server answered or failed (`http://host:port`). */
  server?: string;
}

/** The base of the error family. */
export class NacosError extends Error {
  override name = 'NacosError';
  // Fields set in the constructor are `declare`d: no class-field definition (to undefined) is emitted before it
  // sets them, and the properties keep their order.
  declare readonly code: NacosErrorCode;
  declare readonly status: number | undefined;
  declare readonly server: string | undefined;
  declare readonly [BRAND]: true;

  constructor(code: NacosErrorCode, message: string, options: NacosErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.server = options.server;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** One issue found while validating input. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `dataId` or `serverAddresses.0`. */
  path: string;
  message: string;
}

/** `path: message; …` of `issues` (a path-less issue is its message alone), for error messages. */
export const summarizeIssues = (issues: readonly ValidationIssue[]): string => issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');

/** Bad input: thrown before any request is sent. `issues` names every offending field. */
export class NacosValidationError extends NacosError {
  override name = 'NacosValidationError';
  declare readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], context?: string) {
    const summary = summarizeIssues(issues);
    super('VALIDATION', context ? `${context}: ${summary}` : summary);
    this.issues = issues;
  }
}

/** Every server failed. `causes` lists one error per server, in the order they were tried. */
export class NacosUnavailableError extends NacosError {
  override name = 'NacosUnavailableError';
  declare readonly causes: readonly NacosError[];

  constructor(message: string, causes: readonly NacosError[]) {
    super('UNAVAILABLE', `${message}: ${causes.map((c) => `${c.server ?? '?'} → ${c.message}`).join('; ')}`, {
      cause: causes.at(-1),
    });
    this.causes = causes;
  }
}

/**
 * True when `value` is a nacos-edge error (from any realm or copy of the library), optionally with the given code.
 *
 * @example
 * if (isNacosError(e, 'CAS_CONFLICT')) retryWithFreshMd5();
 */
export function isNacosError(value: unknown, code?: NacosErrorCode): value is NacosError {
  // typeof null is 'object' too: `?.` covers it.
  return typeof value === 'object' && (value as { [BRAND]?: unknown } | null)?.[BRAND] === true && (code === undefined || (value as NacosError).code === code);
}

/** True when `value` is a {@link NacosValidationError} from any realm. */
export function isNacosValidationError(value: unknown): value is NacosValidationError {
  return isNacosError(value, 'VALIDATION') && Array.isArray((value as NacosValidationError).issues);
}

/** The AbortSignal's reason as a NacosError with code `ABORTED`. */
export function abortError(signal: AbortSignal | undefined, what = 'operation'): NacosError {
  const reason: unknown = signal?.reason;
  if (isNacosError(reason)) return reason;
  // AbortSignal.timeout() aborts with a TimeoutError: a deadline passed, not a cancellation.
  if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError') return new NacosError('TIMEOUT', `${what} timed out`, { cause: reason });
  return new NacosError('ABORTED', `${what} aborted`, { cause: reason });
}

/** The message of anything thrown, for log lines and wrapped errors. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

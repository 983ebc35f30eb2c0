import { NacosValidationError } from '../errors.js';

/** One Nacos server: where it is and under which context path its APIs live. */
export interface ServerAddress {
  /** `scheme://host:port`, no trailing slash. Used as the server's identity in errors and logs. */
  readonly origin: string;
  /** `''` or a path starting with `/` and without trailing slash, e.g. `/nacos`. */
  readonly contextPath: string;
}

/** The identity of a server in caches: origin and context path (address-server refreshes make new objects). */
export const serverKey = (server: ServerAddress): string => server.origin + server.contextPath;

export const DEFAULT_PORT = 8848;
export const DEFAULT_CONTEXT_PATH = '/nacos';

// scheme? host-or-[ipv6] :port? /path?
const ADDRESS = /^(?:(https?):\/\/)?(\[[0-9A-Fa-f:.]+\]|[^\s:/?#[\]@]+)(?::(\d{1,5}))?(\/[^\s?#]*)?$/;

/** Normalises a context path: blank or `/` → `''`, otherwise one leading `/` and no trailing `/`. */
export function normalizeContextPath(path: string): string {
  // Trailing slashes off, then a leading one onto anything left that lacks it.
  return path.trim().replace(/\/+$/, '').replace(/^(?=[^/])/, '/');
}

/**
 * Parses one entry of a server list: `host`, `host:port`, `[::1]:8848`, `http(s)://host[:port][/context]`.
 * A missing port is 8848 (Nacos' convention, also with a scheme); a missing context path is `defaultContextPath`.
 */
export function parseServerAddress(entry: string, defaultContextPath = DEFAULT_CONTEXT_PATH): ServerAddress {
  const text = entry.trim();
  const match = ADDRESS.exec(text);
  if (!match) {
    const hint = /^[0-9A-Fa-f]*:[0-9A-Fa-f]*:/.test(text) ? ' (IPv6 goes in brackets: [::1]:8848)' : '';
    throw new NacosValidationError([{ path: 'serverAddresses', message: `"${entry}" is not host[:port] or http(s)://host[:port][/path]${hint}` }]);
  }
  const [, scheme = 'http', host = '', portText, path] = match;
  // At most five digits: always an integer.
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (port < 1 || port > 65535) {
    throw new NacosValidationError([{ path: 'serverAddresses', message: `"${entry}" has an invalid port` }]);
  }
  return {
    origin: `${scheme}://${host.toLowerCase()}:${port}`,
    contextPath: normalizeContextPath(path === undefined || path === '/' ? defaultContextPath : path),
  };
}

/** Parses a comma- or semicolon-separated server list; duplicates are dropped, order is kept. */
export function parseServerList(list: string | readonly string[], defaultContextPath = DEFAULT_CONTEXT_PATH): ServerAddress[] {
  // By serverKey, first occurrence first (a Map keeps insertion order).
  const servers = new Map<string, ServerAddress>();
  for (const entry of [list].flat().flatMap((s) => s.split(/[,;]/).map((e) => e.trim()))) {
    if (entry === '') continue;
    const server = parseServerAddress(entry, defaultContextPath);
    if (!servers.has(serverKey(server))) servers.set(serverKey(server), server);
  }
  return [...servers.values()];
}

/**
 * The client's current view of the cluster: a list of servers and which one is preferred.
 * Requests try the preferred server first and move on in order; a server that fails stops being preferred.
 */
export class ServerList {
  #servers: readonly ServerAddress[];
  #preferred = 0;
  /** ordered() is on every request's path; the array is rebuilt only when the preference or the list changes. */
  #ordered: readonly ServerAddress[] | undefined;

  constructor(servers: readonly ServerAddress[]) {
    this.#servers = servers;
  }

  get size(): number {
    return this.#servers.length;
  }

  /** Every server, preferred first, then the rest in list order (wrapping around). */
  ordered(): readonly ServerAddress[] {
    const servers = this.#servers;
    this.#ordered ??= [...servers.slice(this.#preferred), ...servers.slice(0, this.#preferred)];
    return this.#ordered;
  }

  /** Records a success: this server becomes the preferred one. Returns true when that changed. */
  markGood(server: ServerAddress): boolean {
    const index = this.#servers.indexOf(server);
    if (index < 0 || index === this.#preferred) return false;
    this.#preferred = index;
    this.#ordered = undefined;
    return true;
  }

  /** Replaces the list (address-server refresh), keeping the preferred server when it is still listed. */
  replace(servers: readonly ServerAddress[]): void {
    if (servers.length === 0) return;
    const current = this.#servers[this.#preferred];
    this.#servers = servers;
    // Not listed (or no server before): the first one (findIndex's -1 becomes 0).
    this.#preferred = Math.max(0, servers.findIndex((s) => current !== undefined && serverKey(s) === serverKey(current)));
    this.#ordered = undefined;
  }
}

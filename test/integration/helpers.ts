import { createServer } from 'node:net';
import { inject } from 'vitest';
import { startServer } from '../../scripts/nacos-server.mjs';
import { ClientConfigBuilder, type ClientConfigOptions, createClientConfig, NacosConfigService } from '../../src/index.js';

export const nacos = () => inject('nacos');

/** True when the run is against the Nacos 3.2 surface (no v1 API, no long polling, admin API for writes). */
export const isV3 = () => nacos().generation === 'v3';

/**
 * Client options for the plain server. On 3.x config writes and the service list go through the admin API,
 * which needs the admin's login, so there the options carry it (as a 3.x user who publishes must).
 */
export function plainOptions(options: Partial<ClientConfigOptions> = {}): ClientConfigOptions {
  const { serverAddr, admin } = nacos();
  return { serverAddresses: serverAddr, logLevel: 'silent', ...(isV3() ? { username: admin.username, password: admin.password } : {}), ...options };
}

/**
 * The restartable server of this generation: a server of its own that files may stop and restart (outage tests)
 * without disturbing the shared ones. Started on first use, stopped by the global teardown.
 */
export async function restartableServer() {
  const base = isV3() ? 'v3' : 'v2';
  const state = await startServer({ profile: restartableProfile(), base });
  const options = (extra: Partial<ClientConfigOptions> = {}): ClientConfigOptions => ({
    serverAddresses: state.serverAddr,
    logLevel: 'silent',
    ...(isV3() ? { username: state.username, password: state.password } : {}),
    ...extra,
  });
  return { profile: restartableProfile(), serverAddr: state.serverAddr, options };
}

export const restartableProfile = () => `restartable-${isV3() ? 'v3' : 'v2'}`;

/** `http://host:port` of the plain (no-auth) server. */
export const plainUrl = () => `http://${nacos().serverAddr}`;
export const authUrl = () => `http://${nacos().auth.serverAddr}`;

let counter = 0;
/** A dataId/service name no other test (or earlier run against a reused server) uses. */
export function uniqueId(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Polls `check` until it returns a truthy value (or stops throwing); fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 25, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A logger that records everything (to assert on warnings and to prove secrets never reach it). */
/** A fetch that records the path of every HTTP request the client makes. */
export function recordingFetch() {
  const paths: string[] = [];
  /** Each call with its method and when it was made. */
  const calls: { method: string; path: string; at: number }[] = [];
  const fetchImpl = (input: Request | string | URL, init?: RequestInit) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    paths.push(path);
    calls.push({ method: init?.method ?? (input instanceof Request ? input.method : 'GET'), path, at: Date.now() });
    return fetch(input, init);
  };
  return { paths, calls, fetch: fetchImpl };
}

export function recordingLogger() {
  const lines: string[] = [];
  const push =
    (level: string) =>
    (message: string, ...details: unknown[]) =>
      lines.push(`${level} ${message} ${details.map((d) => (d instanceof Error ? d.message : JSON.stringify(d))).join(' ')}`);
  return { lines, logger: { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') } };
}

/** A config service against the plain server, quiet unless overridden. */
export async function plainConfigService(options: Partial<ClientConfigOptions> = {}) {
  const config = createClientConfig(plainOptions(options));
  return NacosConfigService.createConfigService(config);
}

/** A config service against the auth-enabled server, logged in as its admin. */
export async function authConfigService(options: Partial<ClientConfigOptions> = {}) {
  const { serverAddr, username, password } = nacos().auth;
  const config = new ClientConfigBuilder().serverAddress(serverAddr).username(username).password(password).logLevel('silent').build();
  return NacosConfigService.createConfigService(createClientConfig({ ...configToOptions(config), ...options }));
}

function configToOptions(config: ReturnType<ClientConfigBuilder['build']>): ClientConfigOptions {
  return {
    serverAddresses: config.servers.map((s) => `${s.origin}${s.contextPath}`),
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    logLevel: config.logLevel,
  };
}

/** A port on 127.0.0.1 that was free a moment ago (the OS handed it out and it was closed again), for a child server. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `127.0.0.1:<port>` where nothing listens: a port the OS just handed out and that was closed again, so
 * connections are refused (port 1 would be refused by fetch itself, as a "bad port", before any connection).
 */
export async function deadServerAddr(): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}

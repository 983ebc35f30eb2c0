// The dashboard's one admin client, and the session it runs under (the token of one login, never the password).
import { isNacosError, NacosAdminClient, type NacosError } from 'nacos-edge/admin';

export type { AdminInstance, ClusterMember, ConfigDetail, ConfigQuery, ConfigSummary, HistoryEntry, Namespace, Page, ServiceDetail, ServiceSummary } from 'nacos-edge/admin';
export { isNacosError };

const SESSION_KEY = 'nacos-edge.dashboard.session';

/** What the page keeps across reloads (sessionStorage: this tab only, gone when it closes). */
export interface Session {
  /** Undefined in "without sign-in" mode (a server with auth off). */
  token?: string;
  username: string;
  /** Epoch ms the token stops being valid (from the login's tokenTtl). */
  expiresAt?: number;
}

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Partial<Session>;
    if (typeof value.username !== 'string') return undefined;
    return { username: value.username, ...(typeof value.token === 'string' ? { token: value.token } : {}), ...(typeof value.expiresAt === 'number' ? { expiresAt: value.expiresAt } : {}) };
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session === undefined) sessionStorage.removeItem(SESSION_KEY);
  else sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

/**
 * The page's origin as a server address. An explicit port always: `parseServerAddress` takes a missing port as
 * Nacos's 8848, while a page on https://admin.example.com is on 443.
 */
export function pageServerAddress(): string {
  const port = location.port || (location.protocol === 'https:' ? '443' : '80');
  return `${location.protocol}//${location.hostname}:${port}`;
}

/** Every call goes to the same-origin proxy at /nacos/*, with the session's token (read on each request). */
export const admin = new NacosAdminClient({
  serverAddresses: pageServerAddress(),
  contextPath: '/nacos',
  accessToken: () => loadSession()?.token,
  logLevel: 'silent',
});

export const { configs, namespaces } = admin;

/** The error's code when it is a NacosError ('AUTH', 'NOT_FOUND', …), else undefined. */
export function errorCode(error: unknown): string | undefined {
  return isNacosError(error) ? (error as NacosError).code : undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The namespace id every call takes for the public namespace. */
export const PUBLIC = '';

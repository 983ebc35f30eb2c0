// App-wide state: the route (from location.hash, so a reload stays on the screen), the session, an auth problem
// (which turns any screen into the sign-in form until the user signs in again), the namespace and notices.
import { useEffect, useState } from 'preact/hooks';
import { loadSession, saveSession, errorCode, type Session } from './api.js';

type Listener = () => void;
/** A value components follow; set() re-renders every component that uses it. */
export class Store<T> {
  #value: T;
  readonly #listeners = new Set<Listener>();
  constructor(value: T) {
    this.#value = value;
  }
  get value(): T {
    return this.#value;
  }
  set(value: T): void {
    if (Object.is(value, this.#value)) return;
    this.#value = value;
    for (const listener of [...this.#listeners]) listener();
  }
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export function useStore<T>(store: Store<T>): T {
  const [, force] = useState(0);
  useEffect(() => store.subscribe(() => force((n) => n + 1)), [store]);
  return store.value;
}

// Route ---------------------------------------------------------------------------------------------------------
export interface Route {
  path: string;
  params: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#/, '') || '/configs';
  const [path = '/configs', query = ''] = text.split('?', 2);
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) params[k] = v;
  return { path, params };
}

/** `#/path?k=v`, params without empty values. */
export function href(path: string, params: Record<string, string | number | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
  const q = query.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}

export const route = new Store<Route>(parseHash(location.hash));
addEventListener('hashchange', () => route.set(parseHash(location.hash)));

export function navigate(path: string, params: Record<string, string | number | undefined> = {}, replace = false): void {
  const next = href(path, params);
  if (replace) history.replaceState(null, '', next);
  else location.hash = next;
  route.set(parseHash(next));
}

// Session -------------------------------------------------------------------------------------------------------
export const session = new Store<Session | undefined>(loadSession());

/** Why the user must sign in (again): shown as a banner above the sign-in form. */
export type AuthProblem = 'expired' | 'refused';
export const authProblem = new Store<AuthProblem | undefined>(undefined);

export function signIn(next: Session): void {
  saveSession(next);
  session.set(next);
  authProblem.set(undefined);
}

export function signOut(): void {
  saveSession(undefined);
  session.set(undefined);
  authProblem.set(undefined);
}

/**
 * Every failed call passes through here: an AUTH answer means the token expired or was refused, so the page asks
 * to sign in again (staying on the same route, which comes back once signed in). Answers whether it was one.
 */
export function noteError(error: unknown): boolean {
  if (errorCode(error) !== 'AUTH') return false;
  const current = session.value;
  const expired = current?.expiresAt !== undefined && Date.now() >= current.expiresAt;
  authProblem.set(expired || current?.token !== undefined ? 'expired' : 'refused');
  return true;
}

// Namespace -----------------------------------------------------------------------------------------------------
const NS_KEY = 'nacos-edge.dashboard.namespace';
export const namespace = new Store<string>(sessionStorage.getItem(NS_KEY) ?? '');
namespace.subscribe(() => sessionStorage.setItem(NS_KEY, namespace.value));

// Notices -------------------------------------------------------------------------------------------------------
export interface Notice {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}
export const notices = new Store<Notice[]>([]);
let noticeId = 0;
export function notify(text: string, kind: Notice['kind'] = 'ok'): void {
  const notice = { id: ++noticeId, kind, text };
  notices.set([...notices.value, notice]);
  setTimeout(() => notices.set(notices.value.filter((n) => n !== notice)), kind === 'ok' ? 4000 : 8000);
}

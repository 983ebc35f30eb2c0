/**
 * Scripted orderings for race tests, without sleeps: a fetch in front of another (usually the fake Nacos) that
 * records every request and holds the ones a test picks until the test releases them.
 */
type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A request as the test sees it. */
export interface SeenRequest {
  method: string;
  host: string;
  path: string;
  query: URLSearchParams;
  /** The form body's fields (empty for GET/DELETE). */
  form: URLSearchParams;
  headers: Headers;
}

interface Hold {
  match: (r: SeenRequest) => boolean;
  /** Take the inner answer first, then hold it (the answer reflects the server at request time). */
  answerFirst: boolean;
  arrived: Deferred;
  release: Deferred;
}

/** Settles with `work`, or rejects with the request signal's reason when it aborts first (as fetch does). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    work.then(resolve, reject);
  });
}

export function controlledFetch(inner: FetchLike) {
  const seen: SeenRequest[] = [];
  const holds: Hold[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.clone().text();
    const r: SeenRequest = { method: request.method, host: url.host, path: url.pathname, query: url.searchParams, form: new URLSearchParams(body), headers: request.headers };
    seen.push(r);
    const index = holds.findIndex((h) => h.match(r));
    if (index < 0) return inner(request);
    const [hold] = holds.splice(index, 1) as [Hold];
    if (hold.answerFirst) {
      const response = await inner(request);
      hold.arrived.resolve();
      await untilAborted(hold.release.promise, request.signal);
      return response;
    }
    hold.arrived.resolve();
    await untilAborted(hold.release.promise, request.signal);
    return inner(request);
  };
  return {
    fetch: fetchImpl,
    seen,
    /**
     * Holds the next request that matches: `arrived` resolves when it comes in, `release()` lets it through.
     * With `answerFirst`, the inner fetch answers at once and only the answer is held back.
     */
    hold(match: (r: SeenRequest) => boolean, options: { answerFirst?: boolean } = {}) {
      const hold: Hold = { match, answerFirst: options.answerFirst ?? false, arrived: deferred(), release: deferred() };
      holds.push(hold);
      return { arrived: hold.arrived.promise, release: () => hold.release.resolve() };
    },
    count: (match: (r: SeenRequest) => boolean) => seen.filter(match).length,
  };
}

/** Lets every pending promise callback and I/O callback run (a macrotask turn, not a timed sleep). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

// A client's watch stream to the bridge: opened with fetch (a streaming response body, which browsers, Workers, Deno,
// Bun and Node all read), opened anew with backoff whenever it ends, and the requests that name its session. Each new
// stream is a new session: the bridge forgot the old one's listens, so the driver is told `connected` and redoes them.
import { abortError, isNacosError, messageOf, NacosError } from '../errors.js';
import { CONTENT_TYPE, parseTrailers, PING_MS, REQUEST_PATH, STATUS, WATCH_PATH } from '../push/bridge-protocol.js';
import type { PushContext } from '../push/port.js';
import { decodePayload, encodePayload, frame, FrameReader, type NacosPayload } from '../push/wire.js';
import { onAbort } from '../util/abort.js';
import { anySignal, backoffMs, sleep } from '../util/time.js';

const decoder = new TextDecoder();

/** How long a silent watch stream is given: two of the bridge's pings and 5 s of slack. */
export const IDLE_TIMEOUT_MS = 2 * PING_MS + 5000;

export interface BridgeOptions {
  /** The bridge's URL, e.g. `https://push.example.com` (with its base path, if it has one). */
  url: string;
  /** The bridge's token (not a Nacos one). */
  token: string;
  /** How long the first stream may take before the client follows changes over HTTP instead. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** After falling back to HTTP, how long until the bridge is tried again; the wait doubles up to 5 min. Default 30,000 ms. */
  fallBackRetryMs?: number;
  /**
   * A watch stream silent this long is taken as lost and opened anew (a proxy or a sleeping laptop can leave a dead
   * stream that never ends). Default 35,000 ms: the bridge pings every 15 s, so less than that is refused.
   */
  idleTimeoutMs?: number;
  /** The fetch to use (the platform's by default). */
  fetch?: typeof fetch;
}

export interface StreamEvents {
  /** A new session (the first, or after the stream ended): the bridge follows nothing of this client. */
  connected(): void;
  message(payload: NacosPayload): void;
}

/** A failure the bridge answered with, as a NacosError. */
function statusError(status: number, message: string, what: string): NacosError {
  switch (status) {
    case STATUS.UNAUTHENTICATED:
      return new NacosError('AUTH', `${what}: the bridge refused the token: ${message}`);
    case STATUS.PERMISSION_DENIED:
      return new NacosError('AUTH', `${what}: Nacos refused the bridge's account: ${message}`);
    case STATUS.INVALID_ARGUMENT:
      return new NacosError('VALIDATION', `${what}: ${message}`);
    case STATUS.RESOURCE_EXHAUSTED:
      // A limit of the bridge (configs or services per session, streams per client): the driver follows over HTTP.
      return new NacosError('UNSUPPORTED', `${what}: the bridge's limit: ${message}`);
    case STATUS.NOT_FOUND:
      return new NacosError('NOT_FOUND', `${what}: ${message}`);
    default:
      return new NacosError('NETWORK', `${what}: the bridge answered gRPC status ${status}: ${message}`);
  }
}

export class BridgeStream {
  readonly #context: PushContext;
  readonly #options: BridgeOptions;
  readonly #events: StreamEvents;
  readonly #stop = new AbortController();
  readonly #life: { signal: AbortSignal; release: () => void };
  #session: string | undefined;
  /** Ends the current watch stream (its session is gone at the bridge). */
  #endWatch: AbortController | undefined;
  #waiters: { resolve: (session: string) => void; reject: (error: unknown) => void }[] = [];
  #loop: Promise<void> | undefined;
  #lastFailure: unknown;

  constructor(context: PushContext, options: BridgeOptions, events: StreamEvents) {
    this.#context = context;
    this.#options = options;
    this.#events = events;
    this.#life = context.scope(this.#stop.signal);
  }

  #url(path: string): string {
    return `${this.#options.url.replace(/\/+$/, '')}${path}`;
  }

  #fetch(path: string, payload: NacosPayload, signal: AbortSignal): Promise<Response> {
    const run = this.#options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
    return run(this.#url(path), {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPE, 'x-grpc-web': '1', authorization: `Bearer ${this.#options.token}` },
      body: frame(encodePayload(payload)),
      signal,
    });
  }

  /** The first session, or why none came within `connectTimeoutMs` (the caller then falls back to HTTP). */
  async start(): Promise<void> {
    this.#loop ??= this.#run();
    const scope = this.#context.scope(AbortSignal.timeout(this.#options.connectTimeoutMs ?? 5000));
    try {
      await this.#sessionId(scope.signal);
    } catch (error) {
      throw this.#lastFailure ?? error;
    } finally {
      scope.release();
    }
  }

  /** One request in the current session; one that meets an ended session is sent once more in the next. */
  async request(type: string, body: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.#sessionId(signal);
      try {
        return await this.#unary(type, session, body, signal);
      } catch (error) {
        if (attempt > 0 || signal.aborted || !isNacosError(error, 'NOT_FOUND')) throw error;
        // The bridge no longer knows this session (it ended the stream, which may not have reached us yet): the stream
        // is dropped and the request waits for the next session, whose redo the driver does on `connected`.
        if (this.#session === session) {
          this.#session = undefined;
          this.#endWatch?.abort(new NacosError('NOT_FOUND', 'the bridge no longer knows the session'));
        }
      }
    }
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#life.release();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new NacosError('ABORTED', 'the bridge stream closed'));
    await this.#loop?.catch(() => undefined);
  }

  async #unary(type: string, session: string, body: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const deadline = anySignal(signal, AbortSignal.timeout(this.#context.config.timeoutMs));
    const scope = this.#context.scope(deadline.signal);
    try {
      const response = await this.#fetch(REQUEST_PATH, { type, headers: { session }, body }, scope.signal);
      if (!response.ok) throw new NacosError('NETWORK', `${type}: the bridge answered HTTP ${response.status}`);
      const frames = new FrameReader().push(new Uint8Array(await response.arrayBuffer()));
      const trailers = frames.find((f) => f.flag === 0x80);
      const { status, message } = trailers ? parseTrailers(decoder.decode(trailers.message)) : { status: Number(response.headers.get('grpc-status') ?? STATUS.UNAVAILABLE), message: '' };
      if (status !== STATUS.OK) throw statusError(status, message, type);
      const answer = frames.find((f) => f.flag === 0);
      if (!answer) throw new NacosError('SERVER', `${type}: the bridge answered no message`);
      return decodePayload(answer.message).body;
    } catch (error) {
      if (scope.signal.aborted) throw abortError(scope.signal, `${type} to the bridge`);
      throw isNacosError(error) ? error : new NacosError('NETWORK', `${type} to the bridge failed: ${messageOf(error)}`, { cause: error });
    } finally {
      scope.release();
      deadline.release();
    }
  }

  #sessionId(signal: AbortSignal): Promise<string> {
    if (this.#session !== undefined) return Promise.resolve(this.#session);
    if (this.#life.signal.aborted) return Promise.reject(new NacosError('ABORTED', 'the bridge stream closed'));
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal, 'waiting for the bridge stream'));
      const waiter = {
        resolve: (session: string) => {
          unfollow();
          resolve(session);
        },
        reject: (error: unknown) => {
          unfollow();
          reject(error);
        },
      };
      const unfollow = onAbort(signal, () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(abortError(signal, 'waiting for the bridge stream'));
      });
      this.#waiters.push(waiter);
    });
  }

  /** Opens the watch stream, reads it to its end, and opens it again, with backoff while the bridge cannot be had. */
  async #run(): Promise<void> {
    const life = this.#life.signal;
    let failures = 0;
    let opened = false;
    while (!life.aborted) {
      const end = (this.#endWatch = new AbortController());
      const signal = anySignal(life, end.signal);
      try {
        await this.#watch(signal.signal, () => {
          if (failures > 0) this.#context.log.info(`bridge stream back after ${failures} failed attempt(s)`);
          failures = 0;
          opened = true;
        });
        failures++;
      } catch (thrown) {
        if (life.aborted) break;
        const error: unknown = end.signal.aborted ? end.signal.reason : thrown;
        this.#lastFailure = error;
        // A stream that never opened is the driver's to report (it warns once when it falls back, not at each retry).
        if (++failures === 1) {
          const line = `bridge stream lost; opening it again with backoff (${messageOf(error)})`;
          if (opened) this.#context.log.warn(line);
          else this.#context.log.debug(line);
        }
      } finally {
        signal.release();
      }
      this.#session = undefined;
      await sleep(Math.min(backoffMs(failures, 200, 5000), 5000), life).catch(() => undefined);
    }
  }

  /** One watch stream, until it ends (resolves) or fails (rejects), or stays silent past `idleTimeoutMs` (rejects). */
  async #watch(signal: AbortSignal, opened: () => void): Promise<void> {
    const idleMs = this.#options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    // From the request on: a bridge that never answers the watch is as dead as one that stops sending.
    const silent = () => {
      const error = new NacosError('NETWORK', `the bridge stream was silent for ${idleMs} ms`);
      this.#endWatch?.abort(error);
      void reader?.cancel(error).catch(() => undefined);
    };
    idle = setTimeout(silent, idleMs);
    try {
      const response = await this.#fetch(WATCH_PATH, { type: 'WatchRequest', headers: {}, body: {} }, signal);
      const status = Number(response.headers.get('grpc-status') ?? STATUS.OK);
      if (!response.ok || !response.body) throw new NacosError('NETWORK', `the bridge answered HTTP ${response.status} to a watch`);
      if (status !== STATUS.OK) throw statusError(status, decodeURIComponent(response.headers.get('grpc-message') ?? ''), 'watch');
      reader = response.body.getReader();
      await this.#read(reader, signal, opened, () => {
        clearTimeout(idle);
        idle = setTimeout(silent, idleMs);
      });
    } finally {
      clearTimeout(idle);
      void reader?.cancel().catch(() => undefined);
    }
  }

  /** Reads the watch stream's messages until its end; `heard` is called before each read. */
  async #read(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal, opened: () => void, heard: () => void): Promise<void> {
    const frames = new FrameReader();
    for (;;) {
      heard();
      const { done, value } = await reader.read();
      if (done) {
        // Cancelled by us (silent, or the session is gone): the reason is the stream's failure.
        if (signal.aborted) throw signal.reason;
        return;
      }
      for (const f of frames.push(value)) {
        if (f.flag === 0x80) {
          const t = parseTrailers(decoder.decode(f.message));
          if (t.status !== STATUS.OK) throw statusError(t.status, t.message, 'watch');
          return;
        }
        const payload = decodePayload(f.message);
        if (payload.type === 'SessionStarted' && typeof payload.body['session'] === 'string') {
          this.#session = payload.body['session'];
          opened();
          this.#events.connected();
          for (const waiter of this.#waiters.splice(0)) waiter.resolve(this.#session);
        } else if (payload.type === 'Reconnected') {
          this.#events.connected();
        } else if (payload.type !== 'Ping') {
          this.#events.message(payload);
        }
      }
    }
  }
}

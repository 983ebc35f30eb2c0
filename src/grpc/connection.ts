// One Nacos gRPC connection: one HTTP/2 session to a server's gRPC port (main port + 1000), which the server knows
// by the session's TCP address. The session is never re-dialled underneath: a Nacos connection id belongs to one TCP
// connection, so when the session ends, this connection is over and the caller makes a new one (and redoes its
// registrations, subscriptions and listens there). The protocol: ../../README.md "Push", and the protocol notes.
import { connect, type ClientHttp2Session, type ClientHttp2Stream, type SecureClientSessionOptions } from 'node:http2';
import { abortError, messageOf, NacosError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodePayload, encodePayload, frame, FrameReader, type NacosPayload } from '../push/wire.js';
import { awaitShared } from '../transport/shared.js';
import { onAbort } from '../util/abort.js';
import { anySignal, sleep } from '../util/time.js';

/** How a server push is answered: the ack's type, or none (SetupAckRequest is never acked). */
const ACK_TYPE: Record<string, string | undefined> = {
  ClientDetectionRequest: 'ClientDetectionResponse',
  ConnectResetRequest: 'ConnectResetResponse',
  ConfigChangeNotifyRequest: 'ConfigChangeNotifyResponse',
  ClientConfigMetricRequest: 'ClientConfigMetricResponse',
  NotifySubscriberRequest: 'NotifySubscriberResponse',
};

/** Nacos's answer codes that mean something to the connection (`errorCode` of an ErrorResponse). */
const UNREGISTERED = 301;
const SERVER_STARTING = 300;

/** What a connection is for: Nacos keeps config listens and naming registrations per connection and module. */
export interface ConnectionOptions {
  /** `host:port` of the server's gRPC port. */
  address: string;
  /** TLS: `true` for the system's CAs, or Node's options (ca, cert, key, servername…). Default: plaintext. */
  tls?: boolean | SecureClientSessionOptions;
  module: 'config' | 'naming';
  /** The namespace (Nacos pushes naming changes without one, so each namespace needs its own connection). */
  namespace: string;
  appName?: string | undefined;
  clientVersion: string;
  /** Headers for every request: the access token, signatures. */
  headers: (payload: NacosPayload, signal: AbortSignal) => Promise<Record<string, string>>;
  /**
   * A push from the server: `SetupAckRequest` aside, each is acked at once (before this runs), so a slow handler
   * never makes the server retry or drop the connection.
   */
  onPush: (payload: NacosPayload) => void;
  /** The connection is over (the server closed it, a health check failed, or close()). Called once. */
  onClose: (reason: NacosError) => void;
  /** How long a SetupAckRequest is waited for (Java: 5 s). */
  setupTimeoutMs?: number;
  /** Request timeout (Java: 3 s). */
  timeoutMs: number;
  log: Logger;
}

/** A request's answer: the response's type and body. */
export interface GrpcAnswer {
  type: string;
  body: Record<string, unknown>;
}

/** An answer whose resultCode is not 200, as a NacosError of the matching code. */
export function answerError(what: string, answer: GrpcAnswer, server: string): NacosError {
  const errorCode = Number(answer.body['errorCode'] ?? 0);
  const message = `${what}: ${answer.type} ${String(answer.body['resultCode'] ?? '')}/${errorCode}: ${String(answer.body['message'] ?? '')}`;
  const code = errorCode === 403 ? 'AUTH' : errorCode === 302 ? 'UNSUPPORTED' : errorCode === 400 ? 'VALIDATION' : 'SERVER';
  return new NacosError(code, message, { server, status: errorCode });
}

/** A Nacos gRPC connection, set up and registered; made by {@link GrpcConnection.open}. */
export class GrpcConnection {
  /** The id the server gave this connection (its time, and our address as it sees it). */
  readonly id: string;
  /** The server's gRPC `host:port`. */
  readonly address: string;
  /** The abilities the server announced in its SetupAck (empty for servers without ability negotiation). */
  readonly abilities: Readonly<Record<string, boolean>>;
  readonly #session: ClientHttp2Session;
  readonly #stream: ClientHttp2Stream;
  readonly #options: ConnectionOptions;
  #closed: NacosError | undefined;
  #lastActive = Date.now();
  #health: ReturnType<typeof setInterval> | undefined;

  private constructor(session: ClientHttp2Session, stream: ClientHttp2Stream, id: string, abilities: Record<string, boolean>, options: ConnectionOptions) {
    this.#session = session;
    this.#stream = stream;
    this.id = id;
    this.address = options.address;
    this.abilities = abilities;
    this.#options = options;
  }

  /**
   * Dials the server, checks it (ServerCheckRequest), opens the bi-stream and registers (ConnectionSetupRequest),
   * waiting for the server's SetupAck where it negotiates abilities. Rejects with NETWORK, TIMEOUT or SERVER when
   * the server cannot be had; nothing is left open then.
   */
  static async open(options: ConnectionOptions, signal: AbortSignal): Promise<GrpcConnection> {
    const scheme = options.tls ? 'https' : 'http';
    const session = connect(`${scheme}://${options.address}`, typeof options.tls === 'object' ? options.tls : {});
    // A failed dial is reported through the 'error' event; until the connection takes over, it is ours to catch.
    let dialError: unknown;
    session.on('error', (error) => void (dialError = error));
    const fail = (error: unknown): never => {
      session.destroy();
      if (signal.aborted) throw abortError(signal, 'gRPC connect');
      if (error instanceof NacosError) throw error;
      throw new NacosError('NETWORK', `gRPC connect to ${options.address} failed: ${messageOf(error)}`, { cause: error, server: options.address });
    };
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          session.once('connect', () => resolve());
          session.once('error', reject);
          session.once('close', () => reject(dialError ?? new Error('the session closed')));
        }),
        options.timeoutMs,
        `gRPC connect to ${options.address}`,
        signal,
      );
      const check = await unary(session, { type: 'ServerCheckRequest', headers: {}, body: { headers: {}, module: 'internal' } }, options.timeoutMs, signal);
      if (check.type !== 'ServerCheckResponse') {
        const starting = Number(check.body['errorCode']) === SERVER_STARTING;
        throw new NacosError('SERVER', `${options.address} ${starting ? 'is starting' : `answered ${check.type}`} to the server check`, { server: options.address });
      }
      const id = String(check.body['connectionId'] ?? '');
      const negotiates = check.body['supportAbilityNegotiation'] === true;
      const stream = session.request({ ':method': 'POST', ':path': '/BiRequestStream/requestBiStream', 'content-type': 'application/grpc', te: 'trailers' });
      const setup = { type: 'ConnectionSetupRequest', headers: {}, body: {} as Record<string, unknown> };
      setup.body = {
        headers: {},
        clientVersion: options.clientVersion,
        tenant: options.namespace,
        labels: { source: 'sdk', module: options.module, ...(options.appName ? { AppName: options.appName } : {}) },
        abilityTable: {},
        module: 'internal',
      };
      setup.headers = await options.headers(setup, signal);
      let connection: GrpcConnection | undefined;
      let acked: (abilities: Record<string, boolean>) => void = () => {};
      let broken: (error: NacosError) => void = () => {};
      const setupAck = new Promise<Record<string, boolean>>((resolve, reject) => {
        acked = resolve;
        broken = reject;
      });
      // Until the setup is done, the stream's end or a broken frame fails the open (the server refused the setup).
      stream.on('close', () => broken(new NacosError('NETWORK', `${options.address} closed the stream during set-up`, { server: options.address })));
      const reader = new FrameReader();
      const early: NacosPayload[] = [];
      stream.on('data', (chunk: Uint8Array) => {
        let frames;
        try {
          frames = reader.push(chunk);
        } catch (error) {
          const failure = new NacosError('SERVER', `${options.address} sent a broken gRPC stream: ${messageOf(error)}`, { server: options.address });
          if (connection) connection.#close(failure);
          else broken(failure);
          return;
        }
        for (const { message } of frames) {
          let payload: NacosPayload;
          try {
            payload = decodePayload(message);
          } catch (error) {
            options.log.warn(`ignoring a push from ${options.address} that is no Nacos payload: ${messageOf(error)}`);
            continue;
          }
          if (payload.type === 'SetupAckRequest') {
            const table = payload.body['abilityTable'];
            acked(typeof table === 'object' && table !== null ? (table as Record<string, boolean>) : {});
            continue;
          }
          if (connection) connection.#receive(payload);
          else early.push(payload);
        }
      });
      stream.write(frame(encodePayload(setup)));
      const abilities = negotiates
        ? await withTimeout(setupAck, options.setupTimeoutMs ?? 5000, `waiting for ${options.address} to register the connection (SetupAck)`, signal)
        : // A server without ability negotiation (r-nacos) sends no SetupAck: give it a moment to register us, as the SDKs do.
          await sleep(100, signal).then(() => ({}));
      connection = new GrpcConnection(session, stream, id, abilities, options);
      connection.#watch();
      for (const payload of early) connection.#receive(payload);
      return connection;
    } catch (error) {
      return fail(dialError ?? error);
    }
  }

  /** Whether the connection is still up. */
  get open(): boolean {
    return this.#closed === undefined;
  }

  /**
   * One request: its answer, or a NacosError (NETWORK/TIMEOUT when the connection failed under it, which then closes).
   * An answer saying this connection is unregistered (the server forgot it) closes it too. Other non-200 answers
   * come back as answers: their meaning is the caller's.
   */
  async request(type: string, body: Record<string, unknown>, signal: AbortSignal, timeoutMs = this.#options.timeoutMs): Promise<GrpcAnswer> {
    if (this.#closed) throw this.#closed;
    const payload: NacosPayload = { type, headers: {}, body: { headers: {}, ...body } };
    payload.headers = await this.#options.headers(payload, signal);
    let answer: GrpcAnswer;
    try {
      answer = await unary(this.#session, payload, timeoutMs, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = error instanceof NacosError ? error : new NacosError('NETWORK', `${type} failed: ${messageOf(error)}`, { cause: error, server: this.#options.address });
      // A request that timed out on a live session says nothing of the connection; one that failed on the wire does.
      if (failure.code === 'NETWORK') this.#close(failure);
      throw failure;
    }
    this.#lastActive = Date.now();
    if (answer.type === 'ErrorResponse' && Number(answer.body['errorCode']) === UNREGISTERED) {
      const failure = new NacosError('NETWORK', `${this.#options.address} no longer knows this connection (301)`, { server: this.#options.address });
      this.#close(failure);
      throw failure;
    }
    return answer;
  }

  /** Closes the bi-stream and the session; `onClose` runs with `reason`. */
  close(reason = new NacosError('ABORTED', 'connection closed')): void {
    this.#close(reason);
  }

  #receive(payload: NacosPayload): void {
    this.#lastActive = Date.now();
    const ack = ACK_TYPE[payload.type];
    if (ack) {
      const body: Record<string, unknown> = { resultCode: 200, errorCode: 0, requestId: payload.body['requestId'] };
      if (payload.type === 'ClientConfigMetricRequest') body['metrics'] = {};
      this.#stream.write(frame(encodePayload({ type: ack, headers: {}, body })));
    }
    try {
      this.#options.onPush(payload);
    } catch (error) {
      this.#options.log.error(`handling a ${payload.type} failed`, error);
    }
  }

  /** Ends the connection when the stream or session ends, and checks an idle one's health every 5 s (as the SDKs do). */
  #watch(): void {
    const lost = (what: string) => () => this.#close(new NacosError('NETWORK', `${this.#options.address}: ${what}`, { server: this.#options.address }));
    this.#stream.on('end', lost('the server ended the stream'));
    this.#stream.on('close', lost('the stream closed'));
    this.#stream.on('error', (error) => lost(`stream error: ${messageOf(error)}`)());
    this.#session.on('close', lost('the session closed'));
    this.#session.on('goaway', lost('the server sent GOAWAY'));
    this.#session.on('error', (error) => lost(`session error: ${messageOf(error)}`)());
    this.#health = setInterval(() => {
      if (Date.now() - this.#lastActive < 5000) return;
      const scope = new AbortController();
      this.request('HealthCheckRequest', { module: 'internal' }, scope.signal, Math.min(3000, this.#options.timeoutMs)).catch((error: unknown) => {
        this.#close(new NacosError('NETWORK', `${this.#options.address} failed its health check: ${messageOf(error)}`, { server: this.#options.address }));
      });
    }, 5000);
  }

  #close(reason: NacosError): void {
    if (this.#closed) return;
    this.#closed = reason;
    clearInterval(this.#health);
    this.#stream.close();
    this.#session.close();
    // A session with streams still open closes once they end; a server that never ends them is not waited for.
    // The timer goes as soon as the session is closed: Deno's timers have no unref, and would hold the process.
    const giveUp = setTimeout(() => this.#session.destroy(), 1000);
    giveUp.unref?.();
    if (this.#session.destroyed) clearTimeout(giveUp);
    else this.#session.once('close', () => clearTimeout(giveUp));
    this.#options.onClose(reason);
  }
}

/** One unary call on the session: `/Request/request` with `payload`, its answer decoded. */
function unary(session: ClientHttp2Session, payload: NacosPayload, timeoutMs: number, signal: AbortSignal): Promise<GrpcAnswer> {
  return new Promise<GrpcAnswer>((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal, payload.type));
    let stream: ClientHttp2Stream;
    try {
      stream = session.request({ ':method': 'POST', ':path': '/Request/request', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': `${timeoutMs}m` });
    } catch (error) {
      return reject(new NacosError('NETWORK', `${payload.type} failed: ${messageOf(error)}`, { cause: error }));
    }
    const reader = new FrameReader();
    let message: Uint8Array | undefined;
    let status: string | undefined;
    let statusMessage = '';
    let settled = false;
    const done = (error?: NacosError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      undo();
      if (!error && message === undefined) {
        error = status && status !== '0' ? new NacosError('SERVER', `${payload.type}: gRPC status ${status} ${decodeURIComponent(statusMessage)}`) : new NacosError('NETWORK', `${payload.type}: the stream ended without an answer`);
      }
      if (error) {
        stream.close();
        return reject(error);
      }
      try {
        const answer = decodePayload(message!);
        resolve({ type: answer.type, body: answer.body });
      } catch (cause) {
        reject(new NacosError('SERVER', `${payload.type}: the answer is no Nacos payload: ${messageOf(cause)}`, { cause }));
      }
    };
    const undo = onAbort(signal, () => done(abortError(signal, payload.type)));
    const timer = setTimeout(() => done(new NacosError('TIMEOUT', `${payload.type} timed out after ${timeoutMs} ms`)), timeoutMs);
    const readStatus = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined) statusMessage = String(headers['grpc-message']);
    };
    stream.on('response', readStatus);
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Uint8Array) => {
      try {
        for (const f of reader.push(chunk)) message ??= f.message;
      } catch (error) {
        done(new NacosError('SERVER', `${payload.type}: ${messageOf(error)}`));
      }
    });
    stream.on('end', () => done());
    stream.on('close', () => done());
    stream.on('error', (error) => done(new NacosError('NETWORK', `${payload.type} failed: ${messageOf(error)}`, { cause: error })));
    stream.end(frame(encodePayload(payload)));
  });
}

/** `work`, or a TIMEOUT NacosError after `ms`, or ABORTED when `signal` aborts. */
async function withTimeout<T>(work: Promise<T>, ms: number, what: string, signal: AbortSignal): Promise<T> {
  const deadline = anySignal(signal, AbortSignal.timeout(ms));
  try {
    return await awaitShared(work, deadline.signal, what);
  } finally {
    deadline.release();
  }
}

// A logical gRPC connection to the cluster for one module: one GrpcConnection at a time, made again on another (or
// the same) server whenever it ends, with backoff while none can be had. Requests wait for a connection; each new
// connection is announced (`connected`), so that the driver above redoes what the server forgot.
import type { SecureClientSessionOptions } from 'node:http2';
import { abortError, isNacosError, messageOf, NacosError, NacosUnavailableError, NacosValidationError } from '../errors.js';
import { groupedName } from '../naming/model.js';
import type { PushContext } from '../push/port.js';
import type { NacosPayload } from '../push/wire.js';
import type { ServerAddress } from '../transport/servers.js';
import { onAbort } from '../util/abort.js';
import { backoffMs, sleep } from '../util/time.js';
import { answerError, GrpcConnection, type GrpcAnswer } from './connection.js';

/** The adapter's options (see grpcPush). */
export interface GrpcOptions {
  /** The gRPC port is the server's port plus this. Default 1000, as Nacos does. */
  portOffset?: number;
  /**
   * TLS on the gRPC port: `true` (system CAs) or Node's TLS options (ca, cert, key, servername). Default: TLS where
   * the server address is https. Verification stays on; there is no option to turn it off.
   */
  tls?: boolean | SecureClientSessionOptions;
  /** How long a first connection may take before the client follows changes over HTTP instead. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** After falling back to HTTP, how long until gRPC is tried again; the wait doubles up to 5 min. Default 30,000 ms. */
  fallBackRetryMs?: number;
}

/**
 * `options`, once it is certain they keep TLS verification on: `rejectUnauthorized: false` or a `checkServerIdentity`
 * that accepts anything would let whoever sits on the path read the Nacos token. `context` names the caller.
 */
export function verifiedGrpcOptions<T extends GrpcOptions>(options: T, context: string): T {
  const tls = options.tls;
  if (typeof tls === 'object' && tls !== null) {
    if (tls.rejectUnauthorized === false) {
      throw new NacosValidationError([{ path: 'tls.rejectUnauthorized', message: 'must not be false: give the server\'s CA as tls.ca instead' }], context);
    }
    if (tls.checkServerIdentity !== undefined) {
      throw new NacosValidationError([{ path: 'tls.checkServerIdentity', message: 'is not taken: give tls.servername for a server known by another name' }], context);
    }
  }
  return options;
}

/** The client version a connection announces (shown in the server's client lists). */
export const CLIENT_VERSION = 'nacos-edge:v0.1.0';

export interface ChannelEvents {
  /** A server push (acked already). */
  push(payload: NacosPayload): void;
  /** A connection was made (the first or a new one): the server knows nothing of this client's listens or instances. */
  connected(): void;
}

export class GrpcChannel {
  readonly #context: PushContext;
  readonly #module: 'config' | 'naming';
  readonly #options: GrpcOptions;
  readonly #events: ChannelEvents;
  /** Aborted by close(); the channel's lifetime also ends with the client's (shutdown). */
  readonly #stop = new AbortController();
  readonly #life: { signal: AbortSignal; release: () => void };
  #current: GrpcConnection | undefined;
  /** Waiters for the next connection. */
  #waiters: { resolve: (connection: GrpcConnection) => void; reject: (error: NacosError) => void }[] = [];
  #loop: Promise<void> | undefined;
  /** Where ConnectResetRequest asked the client to move. */
  #movedTo: string | undefined;
  #lastFailure: NacosError | undefined;
  #everConnected = false;
  /** The token the headers carried last (to renew it when refused). */
  #token: string | undefined;
  /** A token the server refused: the next headers ask for a new one. */
  #refused: string | undefined;
  /** Resolves when the current connection closes. */
  #onClosed: () => void = () => {};

  constructor(context: PushContext, module: 'config' | 'naming', options: GrpcOptions, events: ChannelEvents) {
    this.#context = context;
    this.#module = module;
    this.#options = options;
    this.#events = events;
    this.#life = context.scope(this.#stop.signal);
    this.#life.signal.addEventListener('abort', () => {
      for (const waiter of this.#waiters.splice(0)) waiter.reject(new NacosError('ABORTED', `the gRPC ${module} channel closed`));
    });
  }

  /**
   * The first connection, or the error that kept every server from giving one within `connectTimeoutMs` (the
   * caller then falls back to HTTP). Later connections are made in the background, without end, until close().
   */
  async start(): Promise<void> {
    this.#loop ??= this.#run();
    const timeoutMs = this.#options.connectTimeoutMs ?? 5000;
    const scope = this.#context.scope(AbortSignal.timeout(timeoutMs));
    try {
      await this.#connection(scope.signal);
    } catch (error) {
      throw this.#lastFailure ?? error;
    } finally {
      scope.release();
    }
  }

  /**
   * One request on the current connection (waiting for one under `signal`). Answered 403 with a token: the token is
   * renewed and the request sent once more. A connection that breaks under the request: sent once more on the next.
   * Resolves answers with resultCode 200; any other is a NacosError of its code.
   */
  async request(type: string, body: Record<string, unknown>, signal: AbortSignal): Promise<GrpcAnswer> {
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#connection(signal);
      let answer: GrpcAnswer;
      try {
        answer = await connection.request(type, body, signal);
      } catch (error) {
        if (attempt === 0 && isNacosError(error, 'NETWORK') && !signal.aborted) continue;
        throw error;
      }
      if (Number(answer.body['resultCode'] ?? 200) === 200) return answer;
      if (attempt === 0 && Number(answer.body['errorCode']) === 403 && this.#token !== undefined) {
        this.#refused = this.#token;
        continue;
      }
      throw answerError(type, answer, connection.address);
    }
  }

  /** Ends the current connection and stops making new ones. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#life.release();
    this.#current?.close();
    await this.#loop?.catch(() => undefined);
  }

  async #headers(payload: NacosPayload, signal: AbortSignal): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    const token = await this.#context.token(signal, this.#refused);
    this.#refused = undefined;
    this.#token = token;
    if (token !== undefined) headers['accessToken'] = token;
    const { config } = this.#context;
    if (config.signer) {
      const body = payload.body;
      const target =
        this.#module === 'config'
          ? { kind: 'config' as const, tenant: (body['tenant'] as string | undefined) || undefined, group: (body['group'] as string | undefined) || undefined }
          : { kind: 'naming' as const, groupedServiceName: body['serviceName'] ? groupedName(String(body['serviceName']), String(body['groupName'])) : undefined };
      const signed = await config.signer(target, config);
      Object.assign(headers, signed.headers, signed.query);
    }
    if (config.appName) headers[this.#module === 'config' ? 'Client-AppName' : 'app'] = config.appName;
    return headers;
  }

  #connection(signal: AbortSignal): Promise<GrpcConnection> {
    const current = this.#current;
    if (current?.open) return Promise.resolve(current);
    if (this.#life.signal.aborted) return Promise.reject(new NacosError('ABORTED', `the gRPC ${this.#module} channel closed`));
    return new Promise<GrpcConnection>((resolve, reject) => {
      let undo = () => {};
      const giveUp = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(abortError(signal, `waiting for a gRPC ${this.#module} connection`));
      };
      const waiter = {
        resolve: (connection: GrpcConnection) => {
          undo();
          resolve(connection);
        },
        reject: (error: NacosError) => {
          undo();
          reject(error);
        },
      };
      if (signal.aborted) return giveUp();
      undo = onAbort(signal, giveUp);
      this.#waiters.push(waiter);
    });
  }

  /** Makes connections, one after the other, for as long as the client lives. */
  async #run(): Promise<void> {
    const life = this.#life.signal;
    let failures = 0;
    while (!life.aborted) {
      let connection: GrpcConnection | undefined;
      try {
        connection = await this.#dial(life);
      } catch (error) {
        if (life.aborted) return;
        this.#lastFailure = isNacosError(error) ? error : new NacosError('NETWORK', messageOf(error), { cause: error });
        failures++;
        if (failures === 1 && this.#everConnected) this.#context.log.warn(`gRPC ${this.#module} connection lost; connecting again with backoff (${messageOf(error)})`);
        await sleep(Math.min(backoffMs(failures, 200, 5000), 5000), life).catch(() => undefined);
        continue;
      }
      if (failures > 0 && this.#everConnected) this.#context.log.info(`gRPC ${this.#module} connection back after ${failures} failed attempt(s)`);
      failures = 0;
      this.#context.log.debug(`gRPC ${this.#module} connected to ${connection.address}`);
      this.#everConnected = true;
      this.#current = connection;
      const closed = new Promise<void>((resolve) => (this.#onClosed = resolve));
      for (const waiter of this.#waiters.splice(0)) waiter.resolve(connection);
      try {
        this.#events.connected();
      } catch (error) {
        this.#context.log.error('a gRPC connection event handler threw', error);
      }
      await closed;
      this.#current = undefined;
    }
  }

  /** One connection: to the server ConnectResetRequest named, else to each server in turn until one takes it. */
  async #dial(signal: AbortSignal): Promise<GrpcConnection> {
    const servers = await this.#context.resolvedServers(signal);
    const moved = this.#movedTo;
    this.#movedTo = undefined;
    const ordered = moved ? [...servers].sort((a, b) => Number(grpcAddress(b, this.#options) === moved) - Number(grpcAddress(a, this.#options) === moved)) : servers;
    const failures: NacosError[] = [];
    for (const server of ordered) {
      const address = grpcAddress(server, this.#options);
      try {
        return await GrpcConnection.open(
          {
            address,
            tls: this.#options.tls ?? server.origin.startsWith('https:'),
            module: this.#module,
            namespace: this.#context.config.namespaceId,
            appName: this.#context.config.appName,
            clientVersion: CLIENT_VERSION,
            timeoutMs: this.#context.config.timeoutMs,
            log: this.#context.log,
            headers: (payload, s) => this.#headers(payload, s),
            onPush: (payload) => this.#push(payload, servers),
            onClose: (reason) => {
              if (!signal.aborted) this.#context.log.debug(`gRPC ${this.#module} connection to ${address} closed: ${reason.message}`);
              this.#onClosed();
            },
          },
          signal,
        );
      } catch (error) {
        if (signal.aborted) throw error;
        failures.push(isNacosError(error) ? error : new NacosError('NETWORK', messageOf(error), { cause: error, server: address }));
      }
    }
    throw new NacosUnavailableError(`no server took a gRPC ${this.#module} connection`, failures);
  }

  #push(payload: NacosPayload, servers: readonly ServerAddress[]): void {
    if (payload.type === 'ConnectResetRequest') {
      // The server asks the client to move (rebalancing): to the named server when it is one of ours, else the next.
      const ip = payload.body['serverIp'];
      const port = Number(payload.body['serverPort']);
      const named = typeof ip === 'string' && ip !== '' ? servers.find((s) => grpcAddress(s, { portOffset: 0 }) === `${ip.includes(':') ? `[${ip}]` : ip}:${port}`) : undefined;
      this.#movedTo = named ? grpcAddress(named, this.#options) : undefined;
      this.#context.log.info(`the server asked this client to move its gRPC ${this.#module} connection${named ? ` to ${named.origin}` : ''}`);
      this.#current?.close(new NacosError('NETWORK', 'the server asked the client to reconnect (ConnectResetRequest)'));
      return;
    }
    this.#events.push(payload);
  }
}

/** A server's gRPC `host:port`: its HTTP port plus the offset (IPv6 hosts stay in brackets). */
export function grpcAddress(server: ServerAddress, options: GrpcOptions): string {
  const url = new URL(server.origin);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return `${url.hostname}:${port + (options.portOffset ?? 1000)}`;
}

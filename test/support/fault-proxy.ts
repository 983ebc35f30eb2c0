// A fault-injecting TCP proxy in front of one Nacos node, loopback only, for the fault suite (test/chaos). It passes
// bytes through untouched until told otherwise; each fault is a way real networks and servers fail.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the proxy does to the connections it accepts. */
export type Fault =
  /** Forward both ways, untouched. */
  | { kind: 'pass' }
  /** Forward, each chunk `ms` late in both directions. */
  | { kind: 'latency'; ms: number }
  /** Accept, then reset the connection at once (ECONNRESET on the client). */
  | { kind: 'reset' }
  /** Answer every request with this HTTP status and close, without asking the node (a 5xx storm). */
  | { kind: 'http-error'; status: number }
  /** Answer 200 with a body no Nacos sends (a broken middlebox, another service). */
  | { kind: 'malformed' }
  /** Forward, but cut the node's answer after `bytes` bytes and close. */
  | { kind: 'truncate'; bytes: number }
  /** Send a status line and headers promising a body, then nothing, forever (slowloris). */
  | { kind: 'stall' }
  /** Accept and read, never answer, never close. */
  | { kind: 'blackhole' };

const REQUEST_LINE = /(?:^|\r\n)(GET|POST|PUT|DELETE) [^ ]+ HTTP\/1\.[01]\r\n/g;
/** A login of either generation (`/v1/auth/login`, `/v3/auth/user/login`). */
const LOGIN_LINE = /(?:^|\r\n)POST [^ ]*\/auth\/(?:user\/)?login[ ?]/g;

export class FaultProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #fault: Fault = { kind: 'pass' };
  /** Connections accepted and request lines seen since the last {@link resetCounts}; logins since the proxy started. */
  readonly counts = { connections: 0, requests: 0, logins: 0 };

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
  }

  /** Starts a proxy on loopback `listenPort` (default: a free one) in front of `target` (`host:port`); rejects when the port is taken. */
  static async start(target: string, listenPort = 0): Promise<FaultProxy> {
    const [host = '127.0.0.1', port] = target.split(':');
    const server = createServer();
    const proxy = new FaultProxy(server, { host, port: Number(port) });
    server.on('connection', (client) => proxy.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** The loopback port the proxy listens on. */
  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** `127.0.0.1:port`, to put in a client's server list. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get fault(): Fault {
    return this.#fault;
  }

  /**
   * Switches the fault; open connections meet it at once. Silence (blackhole, stall) and latency reach the
   * connections already forwarding — a long poll held there goes quiet, as behind a dead link. The faults that
   * answer or cut (reset, errors, malformed, truncated) cut the open connections, so the next request meets them.
   */
  set(fault: Fault): void {
    this.#fault = fault;
    if (fault.kind === 'pass' || fault.kind === 'latency' || fault.kind === 'blackhole' || fault.kind === 'stall') return;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  resetCounts(): void {
    this.counts.connections = 0;
    this.counts.requests = 0;
  }

  /** Stops listening and cuts every connection (pooled keep-alive ones would hold the close for a minute). */
  async close(): Promise<void> {
    this.#fault = { kind: 'pass' };
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #accept(client: Socket): void {
    this.counts.connections++;
    this.#track(client);
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      this.counts.requests += text.match(REQUEST_LINE)?.length ?? 0;
      this.counts.logins += text.match(LOGIN_LINE)?.length ?? 0;
    });
    const fault = this.#fault;
    switch (fault.kind) {
      case 'reset':
        client.resetAndDestroy();
        return;
      case 'blackhole':
        client.resume();
        return;
      case 'stall':
        client.once('data', () => client.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n'));
        return;
      case 'http-error':
      case 'malformed':
        client.on('data', () => {
          const [status, body] = fault.kind === 'malformed' ? [200, '<<not nacos>>\x00{"code":'] : [fault.status, 'fault injected'];
          client.end(`HTTP/1.1 ${status} Fault\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        });
        return;
      default:
        this.#forward(client, fault);
    }
  }

  #forward(client: Socket, fault: Extract<Fault, { kind: 'pass' | 'latency' | 'truncate' }>): void {
    const upstream = connect(this.#target.port, this.#target.host);
    this.#track(upstream);
    // Chunks keep their order: each waits for the one before it. The fault of the moment decides each chunk's fate:
    // a connection that was forwarding goes silent under a blackhole or stall, and slow under latency.
    const relay = (from: Socket, to: Socket) => {
      let queue = Promise.resolve();
      from.on('data', (chunk: Buffer) => {
        queue = queue.then(async () => {
          const now = this.#fault;
          if (now.kind === 'blackhole' || now.kind === 'stall') return;
          if (now.kind === 'latency') await new Promise((r) => setTimeout(r, now.ms));
          if (!to.destroyed) to.write(chunk);
        });
      });
      from.on('end', () => void queue.then(() => to.end()));
      from.on('close', () => void queue.then(() => to.destroy()));
    };
    relay(client, upstream);
    if (fault.kind === 'truncate') {
      let sent = 0;
      upstream.on('data', (chunk: Buffer) => {
        const room = fault.bytes - sent;
        if (room > 0) client.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= fault.bytes) {
          client.destroy();
          upstream.destroy();
        }
      });
      upstream.on('close', () => client.destroy());
    } else {
      relay(upstream, client);
    }
  }
}

// A proxy in front of one Nacos server that can lose the server's pushes: HTTP passes through a TCP relay on port P,
// gRPC through an HTTP/2 proxy on P + 1000 that reads the bi-stream's messages and drops the pushes it is told to.
// A dropped push never reaches the client, so it is never acked either: the server sees an unacked push, and what it
// does then (retry, or give up) is the official server's own behaviour. Loopback only; tests only.
import { connect as h2connect, createServer as h2server, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session } from 'node:http2';
import { decodePayload, FrameReader, type NacosPayload } from '../../src/push/wire.js';
import { FaultProxy } from './fault-proxy.js';

const GRPC_PORT_OFFSET = 1000;
const HOP_BY_HOP = new Set([':method', ':path', ':scheme', ':authority', ':status']);

/** A rule for the pushes to lose: the next `count` pushes that `match` accepts. */
interface DropRule {
  match: (push: NacosPayload) => boolean;
  count: number;
}

export class GrpcPushProxy {
  /** Every push the server sent on a bi-stream, in order, with whether it was dropped. */
  readonly pushes: { type: string; body: Record<string, unknown>; dropped: boolean; at: number }[] = [];
  /** Every unary request a client sent, once the server has answered it (so what it asked is in effect). */
  readonly answered: { type: string; body: Record<string, unknown>; at: number }[] = [];
  readonly #rules: DropRule[] = [];
  readonly #sessions = new Set<ServerHttp2Session | ClientHttp2Session>();
  #refusing = false;

  private constructor(
    private readonly http: FaultProxy,
    private readonly grpc: Http2Server,
  ) {}

  /** Starts the proxy in front of `member` (`host:port`, its gRPC port at + 1000). */
  static async start(member: string): Promise<GrpcPushProxy> {
    const [host = '127.0.0.1', port] = member.split(':');
    const upstream = `http://${host}:${Number(port) + GRPC_PORT_OFFSET}`;
    for (let attempt = 1; ; attempt++) {
      const http = await FaultProxy.start(member);
      const grpc = h2server();
      const proxy = new GrpcPushProxy(http, grpc);
      grpc.on('session', (session) => proxy.#accept(session, upstream));
      try {
        await new Promise<void>((resolve, reject) => {
          grpc.once('error', reject);
          grpc.listen(http.port + GRPC_PORT_OFFSET, '127.0.0.1', () => resolve());
        });
        return proxy;
      } catch (error) {
        // The port 1000 above the free one was taken: try another pair.
        await http.close();
        if (attempt === 10) throw error;
      }
    }
  }

  /** `127.0.0.1:port`, to put in a client's server list. */
  get address(): string {
    return this.http.address;
  }

  /** While on, every new gRPC connection is closed as it opens (the port as a firewall that resets it would leave it). */
  refuse(on: boolean): void {
    this.#refusing = on;
  }

  /** Loses the next `count` pushes that `match` accepts. */
  drop(match: (push: NacosPayload) => boolean, count = 1): void {
    this.#rules.push({ match, count });
  }

  async close(): Promise<void> {
    for (const session of this.#sessions) session.destroy();
    await Promise.all([this.http.close(), new Promise<void>((resolve) => this.grpc.close(() => resolve()))]);
  }

  /** One downstream session gets one upstream session: Nacos knows a connection by its TCP connection. */
  #accept(session: ServerHttp2Session, upstream: string): void {
    if (this.#refusing) return void session.destroy();
    const up = h2connect(upstream);
    this.#sessions.add(session).add(up);
    const end = () => {
      this.#sessions.delete(session);
      this.#sessions.delete(up);
      session.destroy();
      up.destroy();
    };
    session.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
    session.on('stream', (down, headers) => {
      const request: OutgoingHttpHeaders = { ':method': 'POST', ':path': headers[':path'] };
      for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) request[name] = value;
      const call = up.request(request);
      const bi = headers[':path'] === '/BiRequestStream/requestBiStream';
      down.pipe(call);
      const asked: NacosPayload[] = [];
      if (!bi) {
        const requests = new FrameReader();
        down.on('data', (chunk: Buffer) => {
          for (const { message } of requests.push(chunk)) asked.push(decodePayload(message));
        });
        call.on('end', () => {
          for (const r of asked) this.answered.push({ type: r.type, body: r.body, at: Date.now() });
        });
      }
      let trailers: IncomingHttpHeaders | undefined;
      call.on('response', (answer) => {
        const response: OutgoingHttpHeaders = { ':status': answer[':status'] ?? 200 };
        for (const [name, value] of Object.entries(answer)) if (!HOP_BY_HOP.has(name)) response[name] = value;
        down.respond(response, { waitForTrailers: true });
      });
      call.on('trailers', (t) => (trailers = t));
      down.on('wantTrailers', () => {
        const out: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(trailers ?? { 'grpc-status': '0' })) if (!HOP_BY_HOP.has(name)) out[name] = value;
        down.sendTrailers(out);
      });
      const reader = new FrameReader();
      call.on('data', (chunk: Buffer) => {
        if (!bi) return void down.write(chunk);
        // The bi-stream: message by message, so that a push can be left out whole.
        for (const { flag, message } of reader.push(chunk)) {
          const push = decodePayload(message);
          const rule = this.#rules.find((r) => r.count > 0 && r.match(push));
          if (rule) rule.count--;
          this.pushes.push({ type: push.type, body: push.body, dropped: rule !== undefined, at: Date.now() });
          if (rule) continue;
          const header = new Uint8Array(5);
          header[0] = flag;
          new DataView(header.buffer).setUint32(1, message.length);
          down.write(header);
          down.write(message);
        }
      });
      call.on('end', () => down.end());
      call.on('error', () => down.destroy());
      down.on('error', () => call.destroy());
      down.on('close', () => call.close());
    });
  }
}

// Serves a bridge's fetch handler with node:http (Bun and Deno serve fetch handlers themselves). A watch stream ends
// when its client goes away: the response's close cancels the stream, and the hub stops following what it followed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServeOptions {
  port?: number;
  /** Default 127.0.0.1: put the bridge behind your TLS terminator, or give a host to listen on. */
  host?: string;
}

function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    signal,
    ...(hasBody ? { body: req as unknown as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

/** Writes a web `Response` to a Node response, streaming its body and waiting for a slow reader (also used by nacos-edge/dashboard/node). */
export async function respond(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) break;
    // A client that reads slowly is waited for, so what it has not read stays in the stream's queue, where the
    // bridge bounds it (and cuts the client off), not in this response's memory.
    if (!res.write(value) && !(await drained(res))) break;
  }
  res.end();
}

/** Resolves true once `res` can take more, false when it closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (more: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(more);
    };
    const onDrain = settle(true);
    const onClose = settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * A node:http request handler for `bridge`, to mount in an app's own server (requests for other paths get the
 * bridge's 404: route only the bridge's paths to it).
 */
export function nodeHandler(bridge: { fetch(request: Request, info?: { remoteAddress?: string | undefined }): Promise<Response> }): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const origin = `http://${req.headers.host ?? 'localhost'}`;
    bridge
      .fetch(toRequest(req, origin, gone.signal), { remoteAddress: req.socket.remoteAddress })
      .then((response) => respond(response, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}

/** Serves `bridge` on node:http; resolves the listening server and its `http://host:port`. */
export async function serveBridge(bridge: Parameters<typeof nodeHandler>[0], options: ServeOptions = {}): Promise<{ server: Server; url: string }> {
  const server = createServer(nodeHandler(bridge));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return { server, url: `http://${address.includes(':') ? `[${address}]` : address}:${port}` };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';

/**
 * A same-origin proxy for browser tests: the page's own origin forwards `/nacos/*` to the Nacos the
 * harness started (process.env.NACOS_PROXY_TARGET, set by the global setup), since Nacos 3.x and
 * r-nacos send no CORS headers. `/dead/nacos/*` goes nowhere (502), to show outage behaviour.
 */
export function nacosProxy(): Plugin {
  return {
    name: 'nacos-edge-test-proxy',
    configureServer(server) {
      server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
        const url = req.url ?? '';
        if (url.startsWith('/dead/nacos/')) {
          res.writeHead(502).end('upstream down');
          return;
        }
        if (!url.startsWith('/nacos/')) return next();
        const target = process.env.NACOS_PROXY_TARGET;
        if (!target) {
          res.writeHead(503).end('NACOS_PROXY_TARGET is not set');
          return;
        }
        const chunks: Buffer[] = [];
        // A page that gives up on a held long poll must not leave the upstream request hanging.
        const upstreamAbort = new AbortController();
        res.on('close', () => {
          if (!res.writableEnded) upstreamAbort.abort();
        });
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(req.headers)) {
            if (typeof v === 'string' && !['host', 'connection', 'content-length', 'origin', 'referer'].includes(k)) headers.set(k, v);
          }
          try {
            const upstream = await fetch(target + url, {
              method: req.method ?? 'GET',
              headers,
              signal: upstreamAbort.signal,
              ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
            });
            const body = Buffer.from(await upstream.arrayBuffer());
            const out: Record<string, string> = {};
            upstream.headers.forEach((v, k) => {
              if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
            });
            res.writeHead(upstream.status, out).end(body);
          } catch (error) {
            if (!res.headersSent && !upstreamAbort.signal.aborted) res.writeHead(502).end(String(error));
          }
        });
      });
    },
  };
}

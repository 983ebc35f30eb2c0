// A same-origin proxy for pages that talk to Nacos: the page's own server forwards `/nacos/*` to Nacos.
// Nacos 3.x (API port) and r-nacos send no CORS headers, and 2.x reflects any origin only for its
// console; a same-origin path sidesteps both. Plain node:http; no dependencies.

/**
 * Returns a `(req, res) => boolean` handler: true when it took the request (a `/nacos/` path).
 * @param {() => string | undefined} target  base URL of Nacos, e.g. `http://127.0.0.1:8848`; read per request
 */
export function nacosProxyHandler(target) {
  return (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith('/nacos/')) return false;
    const base = target();
    if (!base) {
      res.writeHead(503).end('no Nacos address configured for the proxy');
      return true;
    }
    const chunks = [];
    // A page that gives up on a held long poll must not leave the upstream request hanging.
    const upstreamAbort = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) upstreamAbort.abort();
    });
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length', 'origin', 'referer', 'cookie'].includes(k)) headers.set(k, v);
      }
      try {
        const upstream = await fetch(base + url, {
          method: req.method ?? 'GET',
          headers,
          signal: upstreamAbort.signal,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        });
        const body = Buffer.from(await upstream.arrayBuffer());
        const out = {};
        upstream.headers.forEach((v, k) => {
          if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
        });
        res.writeHead(upstream.status, out).end(body);
      } catch (error) {
        if (!res.headersSent && !upstreamAbort.signal.aborted) res.writeHead(502).end(String(error));
      }
    });
    return true;
  };
}

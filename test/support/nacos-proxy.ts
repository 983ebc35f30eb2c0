import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { nacosProxyHandler } from '../../examples/browser/proxy.mjs';

/**
 * The browser example's same-origin proxy, mounted in the vitest browser server: `/nacos/*` goes to the
 * Nacos the harness started (process.env.NACOS_PROXY_TARGET, set by the global setup), and
 * `/dead/nacos/*` goes nowhere (502), to show outage behaviour.
 */
export function nacosProxy(): Plugin {
  const forward = nacosProxyHandler(() => process.env.NACOS_PROXY_TARGET) as (req: IncomingMessage, res: ServerResponse) => boolean;
  return {
    name: 'nacos-edge-test-proxy',
    configureServer(server) {
      server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
        if ((req.url ?? '').startsWith('/dead/nacos/')) {
          res.writeHead(502).end('upstream down');
          return;
        }
        if (!forward(req, res)) next();
      });
    },
  };
}

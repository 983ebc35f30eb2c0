// The admin dashboard on Cloudflare: the built page from Workers static assets, and its `/nacos/v1|v2|v3/*` API calls
// proxied, same-origin, to the one Nacos server NACOS_URL names (nacos-edge/dashboard: header allowlists, cross-site
// refusals, security headers, no secrets in the log). `npx wrangler deploy` from this folder, after building the page.
import { createDashboardProxy } from 'nacos-edge/dashboard';

export interface Env {
  /** The Workers static assets binding: the built dashboard (index.html, assets/). */
  ASSETS: { fetch(request: Request): Promise<Response> };
  /** The Nacos server, e.g. `https://nacos.internal.example.com` or `http://10.0.0.5:8848`; comma-separated for failover. */
  NACOS_URL: string;
  /** Origins besides the Worker's own whose pages may call the API (comma-separated), e.g. a custom domain's. */
  ALLOWED_ORIGINS?: string;
  /** `1` logs each proxied request (method, path, status) to the Worker's logs. */
  LOG_REQUESTS?: string;
}

type Handler = (request: Request) => Promise<Response>;
/** One handler per isolate and configuration: parsing the target once, not per request. */
let cached: { key: string; handle: Handler } | undefined;

function handlerFor(env: Env): Handler {
  const key = `${env.NACOS_URL}\n${env.ALLOWED_ORIGINS ?? ''}\n${env.LOG_REQUESTS ?? ''}`;
  if (cached?.key !== key) {
    const allowedOrigins = (env.ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '');
    const quiet = () => undefined;
    cached = {
      key,
      handle: createDashboardProxy({
        target: env.NACOS_URL,
        assets: (request) => env.ASSETS.fetch(request),
        allowedOrigins,
        logger: { info: env.LOG_REQUESTS === '1' ? (m) => console.log(m) : quiet, warn: (m) => console.warn(m) },
      }),
    };
  }
  return cached.handle;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (!env.NACOS_URL) return new Response('set NACOS_URL to the Nacos server (wrangler.toml [vars] or a secret)\n', { status: 500 });
    return handlerFor(env)(request);
  },
};

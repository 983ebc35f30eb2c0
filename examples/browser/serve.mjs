#!/usr/bin/env node
// Serves the browser example, forwards /nacos/* to Nacos (NACOS_SERVER_ADDR), same origin, and mounts a bridge
// (nacos-edge/bridge) at /push, whose token it hands the page; the bridge logs in to Nacos with NACOS_USERNAME and
// NACOS_PASSWORD when they are set.
//   npm run build && node examples/browser/serve.mjs      → http://127.0.0.1:8090/?configs=a.json&services=orders
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createBridge, nodeHandler } from '../../dist/bridge/index.js';
import { createClientConfig } from '../../dist/index.js';
import { nacosProxyHandler } from './proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** Bundles app.ts (against the built package in dist/) and starts the server; resolves its URL. */
export async function serveExample({ port = Number(process.env.PORT ?? 8090), nacos = process.env.NACOS_SERVER_ADDR ?? '127.0.0.1:8848' } = {}) {
  const bundle = await build({
    entryPoints: [join(here, 'app.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'error',
    alias: {
      'nacos-edge': join(root, 'dist', 'index.js'),
      'nacos-edge/storage/indexeddb': join(root, 'dist', 'storage', 'indexeddb.js'),
      'nacos-edge/grpc-web': join(root, 'dist', 'grpc-web', 'index.js'),
    },
  });
  const appJs = bundle.outputFiles[0].contents;
  // A token per start, handed to the page in a meta tag: an app would hand it out after its own login.
  const token = randomBytes(24).toString('base64url');
  const indexHtml = (await readFile(join(here, 'index.html'), 'utf8')).replace('<head>', `<head>\n    <meta name="bridge-token" content="${token}" />`);
  const { NACOS_USERNAME: username, NACOS_PASSWORD: password } = process.env;
  const bridge = createBridge({
    config: createClientConfig({ serverAddresses: nacos, logLevel: 'warn', ...(username ? { username, password: password ?? '' } : {}) }),
    token,
    basePath: '/push',
  });
  const toBridge = nodeHandler(bridge);
  const proxy = nacosProxyHandler(() => `http://${nacos}`);
  const server = createServer((req, res) => {
    if (proxy(req, res)) return;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/push/')) return toBridge(req, res);
    if (path === '/' || path === '/index.html') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(indexHtml);
    else if (path === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(appJs);
    else res.writeHead(404).end('not found');
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const close = async () => {
    await bridge.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { url: `http://127.0.0.1:${server.address().port}`, bridge, close };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serveExample();
  console.log(`browser example at ${url}/?configs=browser-example.json&services=browser-example`);
}

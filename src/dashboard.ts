/**
 * `nacos-edge/dashboard`: the admin dashboard's same-origin proxy as a web-standard fetch handler, for a Cloudflare
 * Worker (with its static assets) or any server that takes `(Request) => Response`. On Node, Bun and Deno,
 * `nacos-edge/dashboard/node` serves the built dashboard with it.
 *
 * @module
 */
export { createDashboardProxy, DEFAULT_CSP, type DashboardLogger, type DashboardProxyOptions } from './dashboard/proxy.js';

/**
 * `nacos-edge dashboard`: serves the admin dashboard that ships in the package (dist/dashboard-app) and proxies its
 * `/nacos/*` API calls to a Nacos server, on this machine only unless told otherwise.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { NacosError } from '../errors.js';
import { bundledDashboardRoot, serveDashboard } from '../dashboard/node.js';
import { isLoopbackHost } from '../util/loopback.js';

interface DashboardFlags {
  nacos?: string;
  port: string;
  host: string;
  root?: string;
  open?: boolean;
  allowedHost?: string[];
  allowedOrigin?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Opens `url` in the desktop's browser; a machine without one just has the printed URL. */
function openBrowser(url: string): void {
  const [command, ...args] = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  try {
    const child = spawn(command!, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.error(`nacos-edge dashboard: could not open a browser; open ${url}`));
    child.unref();
  } catch {
    console.error(`nacos-edge dashboard: could not open a browser; open ${url}`);
  }
}

/** Adds the `dashboard` command to `program` (whose global --server and --context-path it uses). */
export function addDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('serve the admin dashboard and proxy its API calls to Nacos (http://127.0.0.1:8849, this machine only)')
    .addOption(new Option('--nacos <addresses>', 'the Nacos server(s): host:port or http(s)://host:port, comma-separated (default: --server)').env('NACOS_DASHBOARD_NACOS'))
    .addOption(new Option('--port <port>', 'port to listen on (0: any free one)').env('NACOS_DASHBOARD_PORT').default('8849'))
    .addOption(new Option('--host <address>', 'address to listen on; anything but loopback exposes the Nacos admin API over plain HTTP').env('NACOS_DASHBOARD_HOST').default('127.0.0.1'))
    .option('--allowed-host <name>', 'a Host name browsers may use besides the loopback ones (behind a reverse proxy); repeat for more', collect)
    .option('--allowed-origin <origin>', 'an origin whose pages may call the API besides the page\'s own (a TLS terminator\'s https:// origin); repeat for more', collect)
    .option('--root <dir>', 'serve these built files instead of the ones in the package')
    .option('--open', 'open the dashboard in the browser')
    .action(async (flags: DashboardFlags, command: Command) => {
      const g = command.optsWithGlobals<{ server?: string; contextPath?: string; verbose?: boolean }>();
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new NacosError('VALIDATION', `--port must be a whole number from 0 to 65535, not ${JSON.stringify(flags.port)}`);
      const root = flags.root ?? bundledDashboardRoot();
      if (!existsSync(`${root}/index.html`)) {
        throw new Error(
          flags.root
            ? `no index.html in ${root}: give --root the folder of a built dashboard`
            : `the dashboard's files are missing (${root}): run npm run build (it builds them into dist/dashboard-app)`,
        );
      }
      const nacos = flags.nacos ?? g.server ?? '127.0.0.1:8848';
      const quiet = () => undefined;
      const dashboard = await serveDashboard({
        nacos,
        root,
        port,
        host: flags.host,
        ...(g.contextPath !== undefined ? { contextPath: g.contextPath } : {}),
        ...(flags.allowedHost ? { allowedHosts: flags.allowedHost } : {}),
        ...(flags.allowedOrigin ? { allowedOrigins: flags.allowedOrigin } : {}),
        // Requests are logged (method and path only) with --verbose; refusals and upstream failures always.
        logger: { info: g.verbose ? (m) => console.error(`nacos-edge dashboard: ${m}`) : quiet, warn: (m) => console.error(`nacos-edge dashboard: ${m}`) },
      });
      // With --verbose the server has said where it listens already.
      if (!g.verbose) console.error(`nacos-edge dashboard on ${dashboard.url} for Nacos ${nacos}${isLoopbackHost(flags.host) ? ' (this machine only)' : ''}`);
      if (!isLoopbackHost(flags.host)) {
        console.error(`nacos-edge dashboard: warning: listening on ${flags.host} over plain HTTP: anyone who reaches it reaches the Nacos admin API; put TLS and an access check in front`);
      }
      if (flags.open) openBrowser(dashboard.url.replace('//127.0.0.1:', '//localhost:'));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await dashboard.close();
    });
}

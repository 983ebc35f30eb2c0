#!/usr/bin/env node
/**
 * `nacos-edge`: the command line. Runs on Node (`npx nacos-edge`), Deno (`deno run -A npm:nacos-edge`)
 * and Bun (`bunx nacos-edge`).
 *
 * Exit codes: 0 ok · 1 other error · 2 bad usage or input · 3 not found · 4 auth refused · 5 no server answered.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import {
  checkLogin,
  clearFailover,
  createClientConfig,
  isNacosError,
  NacosConfigService,
  NacosNamingService,
  pingServer,
  writeFailover,
  type ClientConfig,
  type ClientConfigOptions,
  type Instance,
  type PublishConfigParams,
  type StoragePort,
} from '../index.js';
import { createBridge, serveBridge } from '../bridge/index.js';
import { isLoopbackHost } from '../util/loopback.js';
import { messageOf } from '../errors.js';
import { createStorage } from '../storage/fs.js';
import { spasSigning } from '../transport/signing.js';
import { tlsFetch } from '../tls.js';
import { aesProvider, encryption, type EncryptionProvider } from '../encryption.js';
import { kmsProvider } from '../kms.js';
import { addDashboardCommand } from './dashboard.js';

const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, auth: 4, unavailable: 5 } as const;

interface GlobalOptions {
  server?: string;
  namespace?: string;
  username?: string;
  password?: string;
  accessKey?: string;
  secretKey?: string;
  contextPath?: string;
  timeout?: string;
  json?: boolean;
  verbose?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const program = new Command()
  .name('nacos-edge')
  .description('Read, write and watch Nacos configs and services.')
  .version('0.1.0')
  .addOption(new Option('-s, --server <addresses>', 'server list, comma-separated').env('NACOS_SERVER_ADDR').default('127.0.0.1:8848'))
  .addOption(new Option('-n, --namespace <id>', 'namespace id (default: public)').env('NACOS_NAMESPACE'))
  .addOption(new Option('-u, --username <name>', 'user to log in as').env('NACOS_USERNAME'))
  .addOption(new Option('--password <password>', 'password (prefer the NACOS_PASSWORD variable: flags show in process lists)').env('NACOS_PASSWORD'))
  .addOption(new Option('--access-key <ak>', 'AK for Spas signing').env('NACOS_ACCESS_KEY'))
  .addOption(new Option('--secret-key <sk>', 'SK for Spas signing').env('NACOS_SECRET_KEY'))
  .addOption(new Option('--context-path <path>', 'API context path (default /nacos)').env('NACOS_CONTEXT_PATH'))
  .addOption(new Option('--timeout <ms>', 'request timeout in ms').default('5000'))
  .addOption(new Option('--ca <file>', 'PEM file of the CA(s) that sign the servers\' certificates (https:// servers)').env('NACOS_TLS_CA'))
  .addOption(new Option('--cert <file>', 'PEM file of the client certificate, for servers that check one (with --key)').env('NACOS_TLS_CERT'))
  .addOption(new Option('--key <file>', 'PEM file of the client certificate\'s private key').env('NACOS_TLS_KEY'))
  .option('--json', 'machine-readable output (one JSON document, or one per line for watch)')
  .option('--verbose', 'log what the client does (stderr)')
  .addHelpText(
    'after',
    '\nEncrypted configs (cipher- dataIds): cipher-aes- in the AES plugin\'s format always (NACOS_AES_MASTER_KEY wraps its keys);\n' +
      'other cipher- through Aliyun KMS with NACOS_KMS_ENDPOINT, NACOS_KMS_ACCESS_KEY, NACOS_KMS_SECRET_KEY [, NACOS_KMS_KEY_ID, NACOS_KMS_SECURITY_TOKEN].',
  )
  .showHelpAfterError()
  .exitOverride();

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

function clientConfig(g: GlobalOptions, extra: Partial<ClientConfigOptions> = {}): ClientConfig {
  const timeout = Number(g.timeout);
  if (!Number.isInteger(timeout) || timeout <= 0) throw new CliError('--timeout must be a positive whole number of milliseconds', EXIT.usage);
  const tls = tlsOptions(g);
  return createClientConfig({
    serverAddresses: g.server ?? '127.0.0.1:8848',
    ...(g.namespace ? { namespaceId: g.namespace } : {}),
    ...(g.username ? { username: g.username, password: g.password ?? '' } : {}),
    ...(g.accessKey ? { accessKey: g.accessKey, signer: spasSigning } : {}),
    ...(g.secretKey ? { secretKey: g.secretKey } : {}),
    ...(g.contextPath !== undefined ? { contextPath: g.contextPath } : {}),
    ...tls,
    configFilters: [encryptionFromEnv(process.env, tls.fetch)],
    timeoutMs: timeout,
    // Warnings go to stderr: a value served from the snapshot because no server answered must not pass unseen.
    logLevel: g.verbose ? 'debug' : 'warn',
    logger: { debug: console.error, info: console.error, warn: console.error, error: console.error },
    ...extra,
  });
}

/**
 * Encrypted configs, as the environment configures them: `cipher-aes-` always (the AES plugin's format needs no secret;
 * `NACOS_AES_MASTER_KEY` wraps its keys), and every other `cipher-` through Aliyun KMS when `NACOS_KMS_ENDPOINT` is set
 * (`NACOS_KMS_ACCESS_KEY`, `NACOS_KMS_SECRET_KEY`, optional `NACOS_KMS_KEY_ID`, `NACOS_KMS_SECURITY_TOKEN`): secrets
 * stay out of flags, which show in process lists.
 */
function encryptionFromEnv(env: Record<string, string | undefined>, fetch: ClientConfigOptions['fetch']) {
  try {
    const providers: EncryptionProvider[] = [aesProvider({ masterKey: env['NACOS_AES_MASTER_KEY'] || undefined })];
    if (env['NACOS_KMS_ENDPOINT']) {
      providers.push(
        kmsProvider({
          endpoint: env['NACOS_KMS_ENDPOINT'],
          accessKey: env['NACOS_KMS_ACCESS_KEY'] ?? '',
          secretKey: env['NACOS_KMS_SECRET_KEY'] ?? '',
          keyId: env['NACOS_KMS_KEY_ID'] || undefined,
          securityToken: env['NACOS_KMS_SECURITY_TOKEN'] || undefined,
          // --ca and the client certificate count for a KMS endpoint behind the same private CA too.
          fetch,
        }),
      );
    }
    return encryption(...providers);
  } catch (error) {
    throw new CliError(`the encryption settings (NACOS_AES_MASTER_KEY, NACOS_KMS_*): ${messageOf(error)}`, EXIT.usage);
  }
}

/** The PEM texts of --ca, --cert and --key; undefined when none is given. */
function tlsFiles(g: GlobalOptions): { ca?: string; cert?: string; key?: string } | undefined {
  if (g.ca === undefined && g.cert === undefined && g.key === undefined) return undefined;
  const pem = (flag: string, file: string | undefined) => {
    if (file === undefined) return {};
    try {
      return { [flag]: readFileSync(file, 'utf8') };
    } catch (error) {
      throw new CliError(`--${flag} ${file}: ${messageOf(error)}`, EXIT.usage);
    }
  };
  return { ...pem('ca', g.ca), ...pem('cert', g.cert), ...pem('key', g.key) };
}

/** --ca, --cert, --key: a fetch that trusts the CA and presents the certificate (verification always on). */
function tlsOptions(g: GlobalOptions): Partial<ClientConfigOptions> {
  const files = tlsFiles(g);
  return files ? { fetch: tlsFetch(files) } : {};
}

function print(g: GlobalOptions, human: string, json: unknown): void {
  process.stdout.write(g.json ? `${JSON.stringify(json)}\n` : human.endsWith('\n') || human === '' ? human : `${human}\n`);
}

/** Aborts on Ctrl-C / SIGTERM, so `watch` commands end cleanly. */
function untilInterrupted(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}

async function readContent(options: { content?: string; file?: string }): Promise<string> {
  if (options.content !== undefined && options.file !== undefined) throw new CliError('give --content or --file, not both', EXIT.usage);
  if (options.content !== undefined) return options.content;
  if (options.file !== undefined) {
    try {
      return await readFile(options.file, 'utf8');
    } catch (error) {
      const reason = (error as { code?: string }).code === 'ENOENT' ? 'no such file' : messageOf(error);
      throw new CliError(`cannot read --file ${options.file}: ${reason}`, EXIT.usage);
    }
  }
  if (process.stdin.isTTY) throw new CliError('give --content, --file, or pipe the content on stdin', EXIT.usage);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port)) throw new CliError(`port must be a whole number, not ${JSON.stringify(text)}`, EXIT.usage);
  return port;
}

/**
 * An instance address: an IPv4 or IPv6 address, or a host name with a domain (or localhost). A single word like
 * `orders` or `not-an-ip` is far more often a slip (the service name twice, arguments swapped) than a host.
 */
function parseIp(text: string): string {
  const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(text);
  const ipv6 = text.includes(':') && /^[0-9A-Fa-f:.]+$/.test(text);
  const host = text === 'localhost' || /^(?=.{1,253}$)([0-9A-Za-z]([0-9A-Za-z-]{0,61}[0-9A-Za-z])?\.)+[A-Za-z][0-9A-Za-z-]{0,61}[0-9A-Za-z]$/.test(text);
  if (!ipv4 && !ipv6 && !host) throw new CliError(`${JSON.stringify(text)} is not an IP address or a host name with a domain (e.g. 10.0.0.5, app.internal)`, EXIT.usage);
  return text;
}

function parseMetadata(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--metadata takes key=value, not ${JSON.stringify(pair)}`, EXIT.usage);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The cache folder's storage. Without a folder named, the default (`~/nacos/cache`) when the home folder can be
 * found: Deno run with only net and env permissions cannot, and then reads go without a disk cache.
 */
function cacheStorage(dir: string | undefined): StoragePort | undefined {
  if (dir) return createStorage({ dir });
  try {
    return createStorage();
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` with a config service and always shuts it down. With `cacheDir` (or by default `~/nacos/cache`, the
 * folder `failover set` writes to) its snapshots and failover entries live on disk, as an application's would.
 */
async function withConfig<T>(g: GlobalOptions, fn: (service: NacosConfigService) => Promise<T>, cache?: { cacheDir?: string | undefined }): Promise<T> {
  const disk = cache ? cacheStorage(cache.cacheDir) : undefined;
  const storage = disk ? { storage: disk } : {};
  const service = await NacosConfigService.createConfigService(clientConfig(g, storage));
  try {
    return await fn(service);
  } finally {
    await service.shutdown();
  }
}

/** Runs `fn` with a naming service and always shuts it down. */
async function withNaming<T>(g: GlobalOptions, fn: (client: NacosNamingService) => Promise<T>): Promise<T> {
  const client = await NacosNamingService.createNamingService(clientConfig(g));
  try {
    return await fn(client);
  } finally {
    await client.shutdown();
  }
}
const describeInstance = (h: Instance) => `${h.ip}:${h.port}\tweight=${h.weight}\t${h.healthy ? 'healthy' : 'UNHEALTHY'}${h.enabled ? '' : '\tdisabled'}\tcluster=${h.clusterName}${Object.keys(h.metadata).length ? `\t${JSON.stringify(h.metadata)}` : ''}`;

// ---------------------------------------------------------------------------------------- config

const config = program.command('config').description('read, write and watch configs');

const cacheDirOption = () => new Option('--cache-dir <dir>', 'cache folder of the clients: snapshots and failover entries (default ~/nacos/cache)').env('NACOS_CACHE_DIR');

config
  .command('get <dataId>')
  .description('print a config (exit 3 when it does not exist); a failover entry in the cache folder wins, and its snapshot answers when no server does')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .addOption(cacheDirOption())
  .action(async (dataId: string, o: { group: string; cacheDir?: string }, command: Command) => {
    const g = globals(command);
    await withConfig(
      g,
      async (service) => {
        const content = await service.getConfig({ dataId, group: o.group });
        if (content === '') throw new CliError(`config ${o.group}/${dataId} does not exist`, EXIT.notFound);
        print(g, content, { dataId, group: o.group, namespace: g.namespace ?? '', content });
      },
      { cacheDir: o.cacheDir },
    );
  });

config
  .command('publish <dataId>')
  .description('create or overwrite a config from --content, --file or stdin')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .option('--content <text>', 'the content')
  .option('--file <path>', 'read the content from a file')
  .option('--type <type>', 'config type: text, json, yaml, properties, xml, html, toml')
  .option('--cas-md5 <md5>', 'publish only if the current content has this md5')
  .action(async (dataId: string, o: { group: string; content?: string; file?: string; type?: string; casMd5?: string }, command: Command) => {
    const g = globals(command);
    const content = await readContent(o);
    await withConfig(g, async (service) => {
      // The library refuses a type Nacos does not know (VALIDATION: exit 2).
      const type = o.type as NonNullable<PublishConfigParams['type']> | undefined;
      await service.publishConfig({ dataId, group: o.group, content, ...(type ? { type } : {}), ...(o.casMd5 ? { casMd5: o.casMd5 } : {}) });
      print(g, `published ${o.group}/${dataId}`, { ok: true, dataId, group: o.group });
    });
  });

config
  .command('remove <dataId>')
  .description('delete a config')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .action(async (dataId: string, o: { group: string }, command: Command) => {
    const g = globals(command);
    await withConfig(g, async (service) => {
      // Nacos answers "ok" for a config that is not there; say so instead of "removed".
      if ((await service.getConfig({ dataId, group: o.group, snapshot: false })) === '') throw new CliError(`config ${o.group}/${dataId} does not exist`, EXIT.notFound);
      await service.removeConfig({ dataId, group: o.group });
      print(g, `removed ${o.group}/${dataId}`, { ok: true, dataId, group: o.group });
    });
  });

config
  .command('watch <dataId>')
  .description('print the config, then every change, until Ctrl-C')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .action(async (dataId: string, o: { group: string }, command: Command) => {
    const g = globals(command);
    const signal = untilInterrupted();
    await withConfig(g, async (service) => {
      for await (const change of service.watch({ dataId, group: o.group, signal })) {
        const when = new Date().toISOString();
        print(g, `--- ${when} ${change.source}${change.md5 === '' ? ' (deleted)' : ''}\n${change.content}`, { time: when, dataId, group: o.group, ...change, value: undefined });
      }
    });
  });

// ---------------------------------------------------------------------------------------- naming

const naming = program.command('naming').description('register, list and watch service instances');

interface InstanceOptions {
  group: string;
  cluster?: string;
  weight?: string;
  metadata?: string[];
  persistent?: boolean;
  keepAlive?: boolean;
}

naming
  .command('register <service> <ip> <port>')
  .description('register an instance (ephemeral ones expire unless --keep-alive keeps beating)')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .option('--cluster <name>', 'cluster name')
  .option('--weight <n>', 'weight, 0–10000')
  .option('--metadata <key=value>', 'metadata entry (repeatable)', collect)
  .option('--persistent', 'a persistent instance (no heartbeats needed)')
  .option('--keep-alive', 'stay running and send heartbeats until Ctrl-C, then deregister')
  .action(async (service: string, ip: string, portText: string, o: InstanceOptions, command: Command) => {
    const g = globals(command);
    parseIp(ip);
    const port = parsePort(portText);
    const weight = o.weight === undefined ? undefined : Number(o.weight);
    if (weight !== undefined && !Number.isFinite(weight)) throw new CliError('--weight must be a number', EXIT.usage);
    const metadata = parseMetadata(o.metadata);
    const client = await NacosNamingService.createNamingService(clientConfig(g));
    const params = {
      serviceName: service,
      groupName: o.group,
      ip,
      port,
      ...(o.cluster ? { clusterName: o.cluster } : {}),
      ...(weight !== undefined ? { weight } : {}),
      ...(metadata ? { metadata } : {}),
      ephemeral: !o.persistent,
    };
    try {
      await client.registerInstance(params);
      print(g, `registered ${ip}:${port} in ${o.group}/${service}${!o.persistent && !o.keepAlive ? ' (ephemeral: it expires without heartbeats; see --keep-alive)' : ''}`, { ok: true, ...params });
      if (o.keepAlive) {
        const signal = untilInterrupted();
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        await client.shutdown({ deregister: true });
        print(g, `deregistered ${ip}:${port}`, { ok: true, deregistered: true });
      }
    } finally {
      await client.shutdown();
    }
  });

naming
  .command('deregister <service> <ip> <port>')
  .description('deregister an instance')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .option('--cluster <name>', 'cluster name')
  .option('--persistent', 'the instance is persistent')
  .action(async (service: string, ip: string, portText: string, o: InstanceOptions, command: Command) => {
    const g = globals(command);
    const port = parsePort(portText);
    const clusterName = o.cluster ?? 'DEFAULT';
    await withNaming(g, async (client) => {
      // Nacos answers "ok" for an instance or service that is not there; say so instead of "deregistered".
      const { hosts } = await client.getService({ serviceName: service, groupName: o.group, clusters: [clusterName] });
      if (!hosts.some((h) => h.ip === ip && h.port === port)) throw new CliError(`no instance ${ip}:${port} in cluster ${clusterName} of ${o.group}/${service}`, EXIT.notFound);
      await client.deregisterInstance({ serviceName: service, groupName: o.group, ip, port, clusterName, ephemeral: !o.persistent });
      print(g, `deregistered ${ip}:${portText} from ${o.group}/${service}`, { ok: true });
    });
  });

naming
  .command('list <service>')
  .description('list the instances of a service')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .option('--cluster <name>', 'only this cluster (repeatable)', collect)
  .option('--healthy', 'only healthy instances')
  .option('--unhealthy', 'only unhealthy instances')
  .action(async (service: string, o: { group: string; cluster?: string[]; healthy?: boolean; unhealthy?: boolean }, command: Command) => {
    const g = globals(command);
    if (o.healthy && o.unhealthy) throw new CliError('--healthy and --unhealthy exclude each other', EXIT.usage);
    await withNaming(g, async (client) => {
      const hosts = await client.listInstances({
        serviceName: service,
        groupName: o.group,
        ...(o.cluster ? { clusters: o.cluster } : {}),
        ...(o.healthy ? { healthyOnly: true } : o.unhealthy ? { healthyOnly: false } : {}),
      });
      print(g, hosts.length === 0 ? `no instances of ${o.group}/${service}` : hosts.map(describeInstance).join('\n'), hosts);
    });
  });

naming
  .command('services')
  .description('list the services of a group')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .option('--page <n>', 'page number', '1')
  .option('--page-size <n>', 'page size', '100')
  .action(async (o: { group: string; page: string; pageSize: string }, command: Command) => {
    const g = globals(command);
    await withNaming(g, async (client) => {
      const page = await client.listServices({ groupName: o.group, pageNo: Number(o.page), pageSize: Number(o.pageSize) });
      print(g, page.services.length === 0 ? `no services in ${o.group}` : `${page.services.join('\n')}\n(${page.count} in all)`, page);
    });
  });

naming
  .command('watch <service>')
  .description('print the instances, then every change, until Ctrl-C')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .option('--interval <ms>', 'poll interval (default: the server’s cacheMillis)')
  .action(async (service: string, o: { group: string; interval?: string }, command: Command) => {
    const g = globals(command);
    const signal = untilInterrupted();
    await withNaming(g, async (client) => {
      await client.subscribe({
        serviceName: service,
        groupName: o.group,
        allowEmptyPush: true,
        ...(o.interval ? { intervalMs: Number(o.interval) } : {}),
        subscribeCallback: (instances, diff) => {
          const when = new Date().toISOString();
          const lines = [
            `--- ${when} ${instances.length} instance(s)`,
            ...diff.added.map((h) => `+ ${describeInstance(h)}`),
            ...diff.modified.map((h) => `~ ${describeInstance(h)}`),
            ...diff.removed.map((h) => `- ${h.ip}:${h.port}`),
          ];
          print(g, lines.join('\n'), { time: when, instances, diff });
        },
      });
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    });
  });

// ---------------------------------------------------------------------------------------- failover

const failover = program.command('failover').description('operator overrides that win over the server (written to the local cache dir)');

failover
  .command('set <dataId>')
  .description('make getConfig return this content for the config, whatever the server says')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .option('--content <text>', 'the content')
  .option('--file <path>', 'read the content from a file')
  .addOption(cacheDirOption())
  .action(async (dataId: string, o: { group: string; content?: string; file?: string; cacheDir?: string }, command: Command) => {
    const g = globals(command);
    const content = await readContent(o);
    await writeFailover(createStorage(o.cacheDir ? { dir: o.cacheDir } : {}), { dataId, group: o.group, namespaceId: g.namespace ?? '' }, content);
    print(g, `failover set for ${o.group}/${dataId}`, { ok: true, dataId, group: o.group });
  });

failover
  .command('clear <dataId>')
  .description('remove the override; reads go to the server again')
  .option('-g, --group <group>', 'group', 'DEFAULT_GROUP')
  .addOption(cacheDirOption())
  .action(async (dataId: string, o: { group: string; cacheDir?: string }, command: Command) => {
    const g = globals(command);
    await clearFailover(createStorage(o.cacheDir ? { dir: o.cacheDir } : {}), { dataId, group: o.group, namespaceId: g.namespace ?? '' });
    print(g, `failover cleared for ${o.group}/${dataId}`, { ok: true, dataId, group: o.group });
  });

// ---------------------------------------------------------------------------------------- checks

program
  .command('login')
  .description('check that the username and password are accepted (the token is never printed)')
  .action(async (_o: unknown, command: Command) => {
    const g = globals(command);
    if (!g.username) throw new CliError('give --username (or NACOS_USERNAME) and NACOS_PASSWORD', EXIT.usage);
    const { tokenTtlSeconds } = await checkLogin(clientConfig(g));
    print(g, `logged in as ${g.username}; token valid for ${tokenTtlSeconds} s`, { ok: true, username: g.username, tokenTtlSeconds });
  });

program
  .command('ping')
  .description('check that a server answers: API generation, version, readiness')
  .action(async (_o: unknown, command: Command) => {
    const g = globals(command);
    const result = await pingServer(clientConfig(g));
    print(g, `${result.server}: ${result.ready ? 'ready' : 'NOT READY'}, ${result.generation} API${result.version ? `, version ${result.version}` : ''}, ${result.latencyMs} ms`, result);
    if (!result.ready) process.exitCode = EXIT.unavailable;
  });

// ---------------------------------------------------------------------------------------- bridge

program
  .command('bridge')
  .description('serve pushes to browsers and Workers (nacos-edge/grpc-web) over gRPC-web, from gRPC connections to Nacos')
  .option('--nacos <addresses>', 'the Nacos servers, comma-separated (default: --server)')
  .option('--listen <host:port>', 'where to listen (put TLS in front when it is not loopback)', '127.0.0.1:8849')
  .addOption(new Option('--token <token>', 'the token clients must send (prefer the variable: flags show in process lists)').env('NACOS_EDGE_BRIDGE_TOKEN'))
  .option('--allow-origin <origin>', 'an origin whose pages may call the bridge (CORS); repeat for more, * for any', collect)
  .option('--base-path <path>', 'serve under this path (e.g. /push)')
  .option('--client-ip-header <name>', "behind a proxy: the header with the client's address (its last entry counts), for the per-client stream limit")
  .action(async (o: { nacos?: string; listen: string; token?: string; allowOrigin?: string[]; basePath?: string; clientIpHeader?: string }, command: Command) => {
    const g = globals(command);
    if (!o.token) throw new CliError('give the bridge a token of at least 16 characters in NACOS_EDGE_BRIDGE_TOKEN (or --token)', EXIT.usage);
    if (o.token.length < 16) throw new CliError('the bridge token needs at least 16 characters', EXIT.usage);
    const at = o.listen.lastIndexOf(':');
    const host = at > 0 ? o.listen.slice(0, at).replace(/^\[|\]$/g, '') : '127.0.0.1';
    const port = parsePort(at >= 0 ? o.listen.slice(at + 1) : o.listen);
    // The bridge serves plain HTTP: off loopback its token and every config name would cross the network in clear.
    if (!isLoopbackHost(host)) {
      console.error(`nacos-edge bridge: warning: listening on ${host} without TLS; put a TLS terminator in front of it (clients refuse a plain-http bridge off loopback)`);
    }
    const ipHeader = o.clientIpHeader;
    const tls = tlsFiles(g);
    const bridge = createBridge({
      config: clientConfig(o.nacos ? { ...g, server: o.nacos } : g),
      // The gRPC connections upstream trust the same CA and present the same certificate.
      ...(tls ? { grpc: { tls } } : {}),
      token: o.token,
      ...(o.allowOrigin ? { allowOrigins: o.allowOrigin } : {}),
      ...(o.basePath ? { basePath: o.basePath } : {}),
      // The last entry is the one the nearest proxy (yours) added; earlier ones are whatever the client sent.
      ...(ipHeader ? { clientKey: (request: Request) => request.headers.get(ipHeader)?.split(',').at(-1)?.trim() } : {}),
    });
    const { server, url } = await serveBridge(bridge, { host, port });
    console.error(`nacos-edge bridge on ${url}${o.basePath ?? ''} for ${o.nacos ?? g.server}`);
    const signal = untilInterrupted();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await bridge.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  });

addDashboardCommand(program);

// ---------------------------------------------------------------------------------------- run

function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (isNacosError(error)) {
    switch (error.code) {
      case 'VALIDATION':
        return EXIT.usage;
      case 'NOT_FOUND':
        return EXIT.notFound;
      case 'AUTH':
        return EXIT.auth;
      case 'UNAVAILABLE':
      case 'NETWORK':
      case 'TIMEOUT':
        return EXIT.unavailable;
      default:
        return EXIT.error;
    }
  }
  return EXIT.error;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version print and exit 0; anything else is a usage error commander has already explained.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    const message = messageOf(error);
    const exitCode = exitCodeFor(error);
    // With --json, the error is a JSON document too (on stderr, like the plain message).
    const json = process.argv.includes('--json');
    const code = isNacosError(error) ? error.code : error instanceof CliError ? (exitCode === EXIT.notFound ? 'NOT_FOUND' : 'USAGE') : 'ERROR';
    process.stderr.write(json ? `${JSON.stringify({ error: { code, message, exitCode } })}\n` : `nacos-edge: ${message}\n`);
    process.exitCode = exitCode;
  }
}

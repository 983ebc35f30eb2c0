// A Worker that serves a config-driven response from Nacos, keeps a KV snapshot read
// stale-while-revalidate, and uses a Cron Trigger to refresh the config and beat its instance.
import { ClientConfigBuilder, NacosConfigReader, NacosNamingService, type ClientConfig } from 'nacos-edge';
import { createStorage, type KvNamespaceLike } from 'nacos-edge/storage/cloudflare-kv';

export interface Env {
  NACOS_CACHE: KvNamespaceLike;
  NACOS_SERVER_ADDR: string;
  CONFIG_DATA_ID: string;
  SERVICE_NAME: string;
  /** How peers reach this Worker (its route's host); registered as the instance address. */
  WORKER_HOST: string;
  NACOS_USERNAME?: string;
  NACOS_PASSWORD?: string;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

// This Worker only reads configs, so it uses NacosConfigReader, the smallest config class (NacosConfigWatcher adds
// listeners and tick(), NacosConfigService writes). Isolates are reused between requests: build the clients once
// per isolate. No background timers
// (backgroundSync false): the Cron Trigger drives refreshes and heartbeats.
let clients: { clientConfig: ClientConfig; config: NacosConfigReader; naming: NacosNamingService } | undefined;

async function clientsFor(env: Env) {
  if (clients) return clients;
  let builder = new ClientConfigBuilder()
    .serverAddress(env.NACOS_SERVER_ADDR)
    .storage(createStorage({ binding: env.NACOS_CACHE }))
    .backgroundSync(false)
    .logLevel('warn');
  if (env.NACOS_USERNAME) builder = builder.username(env.NACOS_USERNAME).password(env.NACOS_PASSWORD ?? '');
  const clientConfig = builder.build();
  clients = {
    clientConfig,
    config: await NacosConfigReader.createConfigReader(clientConfig),
    naming: await NacosNamingService.createNamingService(clientConfig),
  };
  return clients;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContextLike): Promise<Response> {
    const { config } = await clientsFor(env);
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    // Answer from the KV snapshot when it is under 10 s old; up to 60 s old, answer from it and
    // refresh from Nacos after the response (waitUntil); older or missing: read Nacos now.
    const content = await config.getConfig({
      dataId: env.CONFIG_DATA_ID,
      cache: { freshMs: 10_000, staleMs: 60_000, waitUntil: (p) => ctx.waitUntil(p) },
    });
    let settings: { greeting?: string } = {};
    try {
      settings = content ? (JSON.parse(content) as typeof settings) : {};
    } catch {
      return new Response('the config is not valid JSON', { status: 500 });
    }
    return Response.json({ greeting: settings.greeting ?? 'hello from nacos-edge', path: url.pathname });
  },

  async scheduled(_controller: unknown, env: Env, ctx: ExecutionContextLike): Promise<void> {
    const { config, naming } = await clientsFor(env);
    ctx.waitUntil(
      (async () => {
        await config.getConfig({ dataId: env.CONFIG_DATA_ID }); // refreshes the KV snapshot
        // A fresh isolate does not remember earlier registrations, so each run registers (which also
        // renews); the metadata tells Nacos a one-minute cron is the heartbeat.
        await naming.registerInstance({
          serviceName: env.SERVICE_NAME,
          ip: env.WORKER_HOST,
          port: 443,
          metadata: { 'preserved.heart.beat.interval': '60000', 'preserved.heart.beat.timeout': '150000', 'preserved.ip.delete.timeout': '300000' },
        });
        await naming.tick();
      })(),
    );
  },
};

// Deno: read and watch a typed config.
//   NACOS_SERVER_ADDR=127.0.0.1:8848 deno run --allow-net --allow-env examples/deno/watch-config.ts
// (inside this repository after `npm install`; elsewhere import from "npm:nacos-edge").
import * as z from 'zod/mini';
import { createClientConfig, NacosConfigService } from 'nacos-edge';

declare const Deno: { env: { get(name: string): string | undefined }; addSignalListener(signal: 'SIGINT', fn: () => void): void };

const AppConfig = z.object({ greeting: z.string(), replicas: z.number() });
const dataId = Deno.env.get('DATA_ID') ?? 'deno-example.json';
const config = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: Deno.env.get('NACOS_SERVER_ADDR') ?? '127.0.0.1:8848', logLevel: 'warn' }));

const stop = new AbortController();
Deno.addSignalListener('SIGINT', () => stop.abort());
const exitAfter = Number(Deno.env.get('EXIT_AFTER') ?? Infinity);
let seen = 0;
for await (const { value, source } of config.watch({ dataId, schema: AppConfig, signal: stop.signal })) {
  console.log(`${source}: ${value ? `greeting=${value.greeting} replicas=${value.replicas}` : '(deleted)'}`);
  if (++seen >= exitAfter) break;
}
await config.shutdown();
console.log('stopped');

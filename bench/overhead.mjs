#!/usr/bin/env node
// nacos-edge's own cost per getConfig, without a network: the client over a stub fetch that answers at once,
// minus the stub's own cost (a Response and its text()). Uses the built package (npm run build first).
//   node bench/overhead.mjs
const { ClientConfigBuilder, NacosConfigService } = await import('../dist/index.js');

const body = 'key=value\n'.repeat(20);
const headers = { 'Content-MD5': '0123456789abcdef0123456789abcdef', 'Content-Type': 'text/plain' };
const stub = async () => new Response(body, { status: 200, headers });
const config = await NacosConfigService.createConfigService(new ClientConfigBuilder().serverAddress('127.0.0.1:1').logLevel('error').fetch(stub).build());

const N = 200_000;
async function microsPerOp(op) {
  for (let i = 0; i < 5000; i++) await op();
  const started = performance.now();
  for (let i = 0; i < N; i++) await op();
  return ((performance.now() - started) * 1000) / N;
}
const stubOnly = await microsPerOp(async () => (await stub()).text());
const edge = await microsPerOp(() => config.getConfig({ dataId: 'overhead' }));
console.log(`stub fetch + text(): ${stubOnly.toFixed(1)} µs/op; getConfig over the stub: ${edge.toFixed(1)} µs/op; nacos-edge's own cost ≈ ${(edge - stubOnly).toFixed(1)} µs/op (Node ${process.version})`);
await config.shutdown();

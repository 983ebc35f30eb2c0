// nacos-edge (the built package in dist/), used the way its README says.
import { args, latencyOf, now, report, throughput } from './common.mjs';

const { ClientConfigBuilder, NacosConfigService, NacosNamingService } = await import('../../dist/index.js');
// push=grpc: changes and lists pushed over gRPC (nacos-edge/grpc) instead of long polls and list polling.
// push=bridge: pushed through a bridge (nacos-edge/grpc-web, as a browser or a Worker gets them) at bridgeUrl, with
// the token in NACOS_EDGE_BRIDGE_TOKEN.
const push =
  args.push === 'grpc'
    ? (await import('../../dist/grpc/index.js')).grpcPush()
    : args.push === 'bridge'
      ? (await import('../../dist/grpc-web/index.js')).bridgePush({ url: args.bridgeUrl, token: process.env.NACOS_EDGE_BRIDGE_TOKEN })
      : undefined;
const builder = () => {
  const b = new ClientConfigBuilder().serverAddress(args.server).logLevel('error');
  return push ? b.push(push) : b;
};
const clientConfig = builder().build();
const config = await NacosConfigService.createConfigService(clientConfig);
const naming = await NacosNamingService.createNamingService(clientConfig);

if (args.scenario === 'getconfig') {
  await config.getConfig({ dataId: args.dataId });
  report(await throughput(() => config.getConfig({ dataId: args.dataId }), Number(args.concurrency), Number(args.durationMs)));
} else if (args.scenario === 'notify') {
  const latencies = [];
  let done;
  const finished = new Promise((r) => (done = r));
  await config.addListener(args.dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => {
    const l = latencyOf(content);
    if (!l || l.seq === 0) return;
    latencies.push(l.ms);
    // Changes closer together than one read may arrive as one callback with the newest content: the last
    // change ends the run, and the orchestrator reports how many were delivered.
    if (l.seq >= Number(args.changes)) done();
  }, { emitInitial: false });
  process.stdout.write('READY\n');
  await finished;
  report({ latencies });
} else if (args.scenario === 'coldstart') {
  await config.getConfig({ dataId: args.dataId });
  report({ ok: true });
} else if (args.scenario === 'manykeys') {
  // Watch N keys, then sit idle: how many polls are held, how much memory and CPU that costs. The baseline
  // is a client that has made its first request (fetch's one-time set-up, ~16 MB in Node 20, is not the keys').
  await config.getConfig({ dataId: args.dataId });
  const rssBefore = process.memoryUsage().rss;
  let inFlight = 0;
  let maxInFlight = 0;
  const watching = await NacosConfigService.createConfigService(
    builder()
      .timeoutMs(10_000)
      .fetch(async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        const poll = request.url.includes('/listener');
        if (poll) maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          const response = await fetch(request);
          return new Response(await response.arrayBuffer(), response);
        } finally {
          if (poll) inFlight--;
        }
      })
      .build(),
  );
  const keys = Number(args.keys);
  for (let i = 0; i < keys; i++) await watching.addListener(`${args.dataId}-${i}`, 'DEFAULT_GROUP', () => {});
  const settleUntil = Date.now() + 2000;
  while (Date.now() < settleUntil) await new Promise((r) => setTimeout(r, 100));
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let samples = 0;
  let polls = 0;
  while (Date.now() - t0 < Number(args.idleMs)) {
    await new Promise((r) => setTimeout(r, 250));
    polls += inFlight;
    samples++;
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (Date.now() - t0) / 1000;
  // Sockets open while idle: the HTTP keep-alive pool, or the gRPC connection.
  const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  report({ keys, heldPollsAvg: polls / samples, sockets, extraRssMb: (process.memoryUsage().rss - rssBefore) / 2 ** 20, cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100 });
  await watching.shutdown();
} else if (args.scenario === 'listinstances') {
  // healthyOnly omitted: every instance (false would mean only unhealthy ones, as in the seed SDK).
  const list = () => naming.listInstances({ serviceName: args.serviceName });
  let instances = (await list()).length;
  const result = await throughput(async () => (instances = (await list()).length), Number(args.concurrency), Number(args.durationMs));
  report({ ...result, instances });
} else if (args.scenario === 'subscribe') {
  // Polls at the server's cacheMillis unless intervalMs is given (the orchestrator runs both).
  const latencies = [];
  const seen = new Set();
  let done;
  const finished = new Promise((r) => (done = r));
  await naming.subscribe({
    serviceName: args.serviceName,
    ...(args.intervalMs ? { intervalMs: Number(args.intervalMs) } : {}),
    subscribeCallback: (instances) => {
      const at = now();
      for (const { metadata } of instances) {
        if (!metadata.seq || seen.has(metadata.seq)) continue;
        seen.add(metadata.seq);
        latencies.push(at - Number(metadata.t));
      }
      if (latencies.length >= Number(args.changes)) done();
    },
  });
  process.stdout.write('READY\n');
  await finished;
  report({ latencies });
} else if (args.scenario === 'heartbeats') {
  const k = Number(args.instances);
  const t0 = now();
  for (let i = 0; i < k; i++) await naming.registerInstance({ serviceName: `${args.serviceName}-${i}`, ip: `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 8080 });
  const registerMs = now() - t0;
  process.stdout.write('READY\n');
  const cpu0 = process.cpuUsage();
  const w0 = now();
  await new Promise((r) => setTimeout(r, Number(args.windowMs)));
  const cpu = process.cpuUsage(cpu0);
  report({ cpuPercent: ((cpu.user + cpu.system) / ((now() - w0) * 1000)) * 100, registered: k, registerMs, timers: naming.heartbeats.activeTimers });
}
await Promise.all([config.shutdown(), naming.shutdown()]);

// nacos-edge (the built package in dist/), used the way its README says.
import { args, latencyOf, report, throughput } from './common.mjs';

const { ClientConfigBuilder, NacosConfigService } = await import('../../dist/index.js');
const config = await NacosConfigService.createConfigService(new ClientConfigBuilder().serverAddress(args.server).logLevel('error').build());

if (args.scenario === 'getconfig') {
  await config.getConfig({ dataId: args.dataId });
  report(await throughput(() => config.getConfig({ dataId: args.dataId }), Number(args.concurrency), Number(args.durationMs)));
} else if (args.scenario === 'notify') {
  const latencies = [];
  let done;
  const finished = new Promise((r) => (done = r));
  await config.addListener(args.dataId, 'DEFAULT_GROUP', (_t, _d, _g, content) => {
    const l = latencyOf(content);
    if (l) latencies.push(l.ms);
    if (latencies.length >= Number(args.changes)) done();
  }, { emitInitial: false });
  process.stdout.write('READY\n');
  await finished;
  report({ latencies });
} else if (args.scenario === 'coldstart') {
  await config.getConfig({ dataId: args.dataId });
  report({ ok: true });
} else if (args.scenario === 'manykeys') {
  // Watch N keys, then sit idle: how many polls are held, how much memory and CPU that costs.
  const rssBefore = process.memoryUsage().rss;
  let inFlight = 0;
  let maxInFlight = 0;
  const watching = await NacosConfigService.createConfigService(
    new ClientConfigBuilder()
      .serverAddress(args.server)
      .logLevel('error')
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
  report({ keys, heldPollsAvg: polls / samples, extraRssMb: (process.memoryUsage().rss - rssBefore) / 2 ** 20, cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100 });
  await watching.shutdown();
}
await config.shutdown();

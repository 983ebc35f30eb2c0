// Bun: a small HTTP service that registers itself in Nacos and discovers a peer of the same service.
//   NACOS_SERVER_ADDR=127.0.0.1:8848 bun examples/bun/service.ts
import { createClientConfig, NacosNamingService } from 'nacos-edge';

const serviceName = process.env.SERVICE_NAME ?? 'bun-example';
const naming = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: process.env.NACOS_SERVER_ADDR ?? '127.0.0.1:8848', logLevel: 'warn' }));

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    if (url.pathname === '/peer') {
      // Weighted random among the healthy instances other than this one.
      const peers = (await naming.listInstances({ serviceName, healthyOnly: true })).filter((i) => i.port !== server.port);
      if (peers.length === 0) return new Response('no peer yet', { status: 503 });
      const peer = peers[Math.floor(Math.random() * peers.length)]!;
      return new Response(await (await fetch(`http://${peer.ip}:${peer.port}/health`)).text() === 'ok' ? `peer ${peer.ip}:${peer.port} is healthy` : 'peer unhealthy');
    }
    return new Response('not found', { status: 404 });
  },
});

// Handled from the start: Ctrl-C may come while the registration or the first list is still on the wire.
let stopping = false;
process.on('SIGINT', async () => {
  stopping = true;
  await naming.shutdown({ deregister: true });
  server.stop(true);
  console.log('deregistered and stopped');
  process.exit(0);
});

try {
  await naming.registerInstance({ serviceName, ip: '127.0.0.1', port: server.port, metadata: { runtime: `bun ${Bun.version}` } });
  console.log(`listening on http://127.0.0.1:${server.port}, registered as ${serviceName}`);
  await naming.subscribe({
    serviceName,
    subscribeCallback: (instances) => console.log(`instances of ${serviceName}: ${instances.map((i) => `${i.ip}:${i.port}`).sort().join(', ')}`),
    intervalMs: 500,
  });
} catch (error) {
  // Shut down mid-way by Ctrl-C: the handler above finishes the job.
  if (!stopping) throw error;
}


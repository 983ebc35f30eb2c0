// One gRPC library talking to the official Nacos server's gRPC port, the way the push adapter needs it: a server
// check, the bi-stream set-up until the SetupAck, then unary requests on the same connection. Runs on Node, Bun and
// Deno from bench/.peers/grpc-libs (where the libraries are installed and ours is bundled from src/).
//   <runtime> driver.mjs lib=ours|grpc-js|connect server=127.0.0.1:9848 requests=2000 durationMs=2000
const args = Object.fromEntries((globalThis.Deno?.args ?? process.argv.slice(2)).map((a) => a.split(/=(.*)/s).slice(0, 2)));
const started = performance.now();
// Ours is the codec every driver uses too; its import is counted as the library's only for lib=ours.
const { encodePayload, decodePayload, GrpcConnection } = await import('./ours.mjs');
const oursImportMs = performance.now() - started;

const setupBody = { headers: {}, clientVersion: 'nacos-edge-bench', tenant: '', labels: { source: 'sdk', module: 'config' }, abilityTable: {}, module: 'internal' };

/** Each library's way to the same three things: open (check + set-up + SetupAck), a unary request, close. */
const libraries = {
  async ours() {
    const signal = new AbortController().signal;
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    const open = async () => {
      const connection = await GrpcConnection.open(
        { address: args.server, module: 'config', namespace: '', clientVersion: 'nacos-edge-bench', headers: async () => ({}), onPush() {}, onClose() {}, timeoutMs: 3000, log },
        signal,
      );
      return { unary: (type, body) => connection.request(type, body, signal), close: () => connection.close() };
    };
    return open;
  },

  async 'grpc-js'() {
    const grpc = await import('@grpc/grpc-js');
    const serialize = (payload) => Buffer.from(encodePayload(payload));
    const deserialize = (bytes) => decodePayload(bytes);
    return async () => {
      const client = new grpc.Client(args.server, grpc.credentials.createInsecure());
      const unary = (type, body) =>
        new Promise((resolve, reject) =>
          client.makeUnaryRequest('/Request/request', serialize, deserialize, { type, headers: {}, body: { headers: {}, ...body } }, (error, answer) => (error ? reject(error) : resolve(answer))),
        );
      const check = await unary('ServerCheckRequest', { module: 'internal' });
      if (check.type !== 'ServerCheckResponse') throw new Error(`server check: ${check.type}`);
      const stream = client.makeBidiStreamRequest('/BiRequestStream/requestBiStream', serialize, deserialize);
      await new Promise((resolve, reject) => {
        stream.on('data', (push) => push.type === 'SetupAckRequest' && resolve());
        stream.on('error', reject);
        stream.write({ type: 'ConnectionSetupRequest', headers: {}, body: setupBody });
      });
      return { unary, close: () => (stream.cancel(), client.close()) };
    };
  },

  async connect() {
    const { createClient } = await import('@connectrpc/connect');
    const { createGrpcTransport } = await import('@connectrpc/connect-node');
    const { create, createFileRegistry } = await import('@bufbuild/protobuf');
    const { FileDescriptorProtoSchema, file_google_protobuf_any } = await import('@bufbuild/protobuf/wkt');
    // Nacos's nacos_grpc_service.proto, as a descriptor (no code generation step for one file of two messages).
    const STRING = 9;
    const MESSAGE = 11;
    const field = (name, number, type, extra = {}) => ({ name, number, type, label: 1, jsonName: name, ...extra });
    const file = create(FileDescriptorProtoSchema, {
      name: 'nacos_grpc_service.proto',
      syntax: 'proto3',
      dependency: ['google/protobuf/any.proto'],
      messageType: [
        {
          name: 'Metadata',
          field: [field('type', 3, STRING), field('clientIp', 8, STRING), field('headers', 7, MESSAGE, { label: 3, typeName: '.Metadata.HeadersEntry' })],
          nestedType: [{ name: 'HeadersEntry', field: [field('key', 1, STRING), field('value', 2, STRING)], options: { mapEntry: true } }],
        },
        { name: 'Payload', field: [field('metadata', 2, MESSAGE, { typeName: '.Metadata' }), field('body', 3, MESSAGE, { typeName: '.google.protobuf.Any' })] },
      ],
      service: [
        { name: 'Request', method: [{ name: 'request', inputType: '.Payload', outputType: '.Payload' }] },
        { name: 'BiRequestStream', method: [{ name: 'requestBiStream', inputType: '.Payload', outputType: '.Payload', clientStreaming: true, serverStreaming: true }] },
      ],
    });
    const registry = createFileRegistry(file, (name) => (name === 'google/protobuf/any.proto' ? file_google_protobuf_any : undefined));
    const Payload = registry.getMessage('Payload');
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const message = (type, body) => create(Payload, { metadata: { type, headers: {} }, body: { typeUrl: '', value: encoder.encode(JSON.stringify({ headers: {}, ...body })) } });
    const read = (m) => ({ type: m.metadata?.type, body: JSON.parse(decoder.decode(m.body?.value ?? new Uint8Array())) });
    return async () => {
      const transport = createGrpcTransport({ baseUrl: `http://${args.server}` });
      const requests = createClient(registry.getService('Request'), transport);
      const streams = createClient(registry.getService('BiRequestStream'), transport);
      const unary = async (type, body) => read(await requests.request(message(type, body)));
      const check = await unary('ServerCheckRequest', { module: 'internal' });
      if (check.type !== 'ServerCheckResponse') throw new Error(`server check: ${check.type}`);
      // The client half of the bi-stream: the set-up, then held open until close.
      let end;
      const ended = new Promise((resolve) => (end = resolve));
      async function* outgoing() {
        yield message('ConnectionSetupRequest', setupBody);
        await ended;
      }
      const stop = new AbortController();
      const incoming = streams.requestBiStream(outgoing(), { signal: stop.signal })[Symbol.asyncIterator]();
      for (;;) {
        const { value, done } = await incoming.next();
        if (done) throw new Error('the stream ended during set-up');
        if (read(value).type === 'SetupAckRequest') break;
      }
      // Keep reading (and dropping) pushes, as the adapter would.
      void (async () => {
        try {
          for (;;) if ((await incoming.next()).done) return;
        } catch {}
      })();
      return { unary, close: () => (end(), stop.abort()) };
    };
  },
};

const importStarted = performance.now();
const open = await libraries[args.lib]();
const importMs = args.lib === 'ours' ? oursImportMs : performance.now() - importStarted;
const openStarted = performance.now();
const connection = await open();
const openMs = performance.now() - openStarted;

const health = () => connection.unary('HealthCheckRequest', { module: 'internal' });
for (let i = 0; i < 100; i++) await health();
const samples = [];
for (let i = 0; i < Number(args.requests ?? 2000); i++) {
  const t = performance.now();
  const answer = await health();
  samples.push(performance.now() - t);
  if (answer.type !== 'HealthCheckResponse') throw new Error(`health check: ${answer.type}`);
}
samples.sort((a, b) => a - b);
// 32 in flight for durationMs: throughput on one connection.
let done = 0;
const until = performance.now() + Number(args.durationMs ?? 2000);
await Promise.all(Array.from({ length: 32 }, async () => {
  while (performance.now() < until) {
    await health();
    done++;
  }
}));
const opsPerSec = done / (Number(args.durationMs ?? 2000) / 1000);
const memory = globalThis.Deno ? Deno.memoryUsage().rss : process.memoryUsage().rss;
connection.close();
const result = { importMs, openMs, p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)], opsPerSec, rssMb: memory / 2 ** 20, totalMs: performance.now() - started };
console.log(`RESULT ${JSON.stringify(result)}`);
// Some libraries keep timers after close (the orchestrator measures how long the process takes to end by itself).

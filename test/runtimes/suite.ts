/**
 * The runtime suite: the same checks in Deno and Bun (and any other runtime with fetch), run against the
 * packed package installed into a fixture project, and the real server (NACOS_SERVER_ADDR).
 */
import { configMd5, createClientConfig, isNacosError, NacosConfigReader, NacosConfigService, NacosNamingService } from 'nacos-edge';
import { spasSigning } from 'nacos-edge/signing';
import { yaml } from 'nacos-edge/yaml';
import { createStorage } from 'nacos-edge/storage/memory';
import { grpcPush } from 'nacos-edge/grpc';
import { tlsFetch } from 'nacos-edge/tls';

type Test = (name: string, fn: () => Promise<void>) => void;

// A few asserts of our own: node:assert would need @types/node for Deno's type check in a package.json project.
const assert = {
  ok(value: unknown, message = 'expected a truthy value'): void {
    if (!value) throw new Error(message);
  },
  equal(actual: unknown, expected: unknown): void {
    if (actual !== expected) throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  },
  deepEqual(actual: unknown, expected: unknown): void {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  },
};

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An address on the server's host where nothing listens (HTTP + 3000; the harness uses +1000 and +2000). */
function closedAddr(serverAddr: string): string {
  const [host, port] = serverAddr.split(':');
  return `${host}:${Number(port) + 3000}`;
}

/** The TLS terminator in front of the server (test/support/tls-terminator.mjs): its address and PEM texts. */
export interface TlsTarget {
  addr: string;
  ca: string;
  cert: string;
  key: string;
}

/** Reads the TLS target from NACOS_TLS_ADDR and NACOS_TLS_CA/CERT/KEY (PEM text), as the harness sets them. */
export function tlsTargetFrom(env: (name: string) => string | undefined): TlsTarget | undefined {
  const [addr, ca, cert, key] = ['NACOS_TLS_ADDR', 'NACOS_TLS_CA', 'NACOS_TLS_CERT', 'NACOS_TLS_KEY'].map(env);
  return addr && ca && cert && key ? { addr, ca, cert, key } : undefined;
}

export function runtimeSuite(test: Test, serverAddr: string, runtime: string, tls?: TlsTarget): void {
  const id = (p: string) => `${runtime}-${p}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

  test(`${runtime}: MD5 gives RFC 1321's answers on this engine`, async () => {
    // The MD5 table is computed with Math.sin at load: each engine's sin must give the RFC's constants.
    assert.equal(await configMd5('message digest'), 'f96b697d7cb7938d525a2f31aaf161d0');
    assert.equal(await configMd5('12345678901234567890123456789012345678901234567890123456789012345678901234567890'), '57edf4a22be3c955ac49da2e2107b67a');
    assert.equal(await configMd5('a=1\nb=中文'), 'bbfb955d8b0e552bd5f9db37337f541f');
  });

  test(`${runtime}: publish, getConfig, and a listener sees a change`, async () => {
    const config = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent' }));
    try {
      const dataId = id('cfg');
      await config.publishConfig({ dataId, content: 'r1' });
      assert.equal(await config.getConfig({ dataId }), 'r1');
      const seen: string[] = [];
      await config.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, c) => {
        seen.push(c);
      });
      await config.publishConfig({ dataId, content: 'r2' });
      await until(() => seen.includes('r2'), 'the change');
      assert.deepEqual(seen, ['r1', 'r2']);
    } finally {
      await config.shutdown();
    }
  });

  test(`${runtime}: TLS with a private CA and a client certificate (nacos-edge/tls)`, async () => {
    if (!tls) throw new Error('NACOS_TLS_ADDR and NACOS_TLS_CA/CERT/KEY are not set');
    const withCert = tlsFetch({ ca: tls.ca, cert: tls.cert, key: tls.key });
    const withoutCert = tlsFetch({ ca: tls.ca });
    const options = { serverAddresses: `https://${tls.addr}`, logLevel: 'silent', timeoutMs: 3000 } as const;
    const config = await NacosConfigService.createConfigService(createClientConfig({ ...options, fetch: withCert }));
    const refused = await NacosConfigReader.createConfigReader(createClientConfig({ ...options, fetch: withoutCert }));
    const untrusted = await NacosConfigReader.createConfigReader(createClientConfig(options));
    try {
      const dataId = id('tls');
      await config.publishConfig({ dataId, content: 'over-tls' });
      assert.equal(await config.getConfig({ dataId }), 'over-tls');
      // The terminator demands a client certificate, and the global fetch does not trust the private CA.
      assert.ok(isNacosError(await refused.getConfig({ dataId, snapshot: false }).catch((e: unknown) => e)), 'without a client certificate');
      assert.ok(isNacosError(await untrusted.getConfig({ dataId, snapshot: false }).catch((e: unknown) => e)), 'without the private CA');
    } finally {
      await Promise.all([config.shutdown(), refused.shutdown(), untrusted.shutdown()]);
      await Promise.all([withCert.close(), withoutCert.close()]);
    }
  });

  test(`${runtime}: a reader given the YAML parser from nacos-edge/yaml reads a typed config`, async () => {
    const writer = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent' }));
    const reader = await NacosConfigReader.createConfigReader(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent', parsers: [yaml] }));
    try {
      const dataId = `${id('typed')}.yaml`;
      await writer.publishConfig({ dataId, content: 'port: 8080\nfeatures: [a, b]\n', type: 'yaml' });
      // Another client: the server applies the write a little later, so poll until it shows.
      const deadline = Date.now() + 15_000;
      while ((await reader.getConfig({ dataId })) === '') {
        if (Date.now() > deadline) throw new Error('timed out waiting for the yaml config');
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(await reader.getConfig({ dataId, format: 'yaml' }), { port: 8080, features: ['a', 'b'] });
    } finally {
      await Promise.all([writer.shutdown(), reader.shutdown()]);
    }
  });

  test(`${runtime}: a snapshot answers when the server is unreachable`, async () => {
    const storage = createStorage();
    const live = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, storage, logLevel: 'silent' }));
    // A closed port next to the server's (the server's own port + 2 is not one the harness uses).
    const dead = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: closedAddr(serverAddr), storage, logLevel: 'silent' }));
    try {
      const dataId = id('snap');
      await live.publishConfig({ dataId, content: 'kept' });
      assert.equal(await live.getConfig({ dataId }), 'kept');
      assert.equal(await dead.getConfig({ dataId }), 'kept');
      const error = await dead.getConfig({ dataId: `${dataId}-none` }).catch((e: unknown) => e);
      assert.ok(isNacosError(error, 'UNAVAILABLE'));
    } finally {
      await Promise.all([live.shutdown(), dead.shutdown()]);
    }
  });

  test(`${runtime}: register and listInstances`, async () => {
    const naming = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent' }));
    try {
      const serviceName = id('svc');
      await naming.registerInstance({ serviceName, ip: '10.60.0.1', port: 1 });
      assert.deepEqual((await naming.listInstances({ serviceName })).map((h) => h.ip), ['10.60.0.1']);
    } finally {
      await naming.shutdown({ deregister: true });
    }
  });

  test(`${runtime}: requests are signed with the runtime's WebCrypto`, async () => {
    const signatures: string[] = [];
    const config = await NacosConfigService.createConfigService(
      createClientConfig({
        serverAddresses: serverAddr,
        accessKey: 'ak',
        signer: spasSigning,
        secretKey: 'nacos-test-secret-key',
        logLevel: 'silent',
        fetch: (input, init) => {
          const request = input instanceof Request ? input : new Request(input, init);
          const sig = request.headers.get('Spas-Signature');
          const ts = request.headers.get('Timestamp');
          if (sig && ts) signatures.push(`${ts} ${sig}`);
          return fetch(request);
        },
      }),
    );
    try {
      await config.getConfig({ dataId: id('signed') });
      assert.ok(signatures.length > 0);
      const [ts, sig] = (signatures[0] as string).split(' ') as [string, string];
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('nacos-test-secret-key'), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
      const expected = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`DEFAULT_GROUP+${ts}`)))));
      assert.equal(sig, expected);
    } finally {
      await config.shutdown();
    }
  });

  test(`${runtime}: over gRPC push (nacos-edge/grpc) a listener gets a change and an instance lives on the connection`, async () => {
    const push = grpcPush();
    const watcher = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent', push }));
    const writer = await NacosConfigService.createConfigService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent' }));
    const naming = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: serverAddr, logLevel: 'silent', push }));
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) };
    const subscriber = await NacosNamingService.createNamingService(createClientConfig({ serverAddresses: serverAddr, logger, logLevel: 'warn', push }));
    try {
      const dataId = id('push');
      const seen: string[] = [];
      await watcher.addListener(dataId, 'DEFAULT_GROUP', (_t, _d, _g, c) => {
        seen.push(c);
      });
      await writer.publishConfig({ dataId, content: 'pushed' });
      // md5 polling would take 5 s and a long poll is not made at all over push: a second is the push.
      await until(() => seen.includes('pushed'), 'the pushed change', 5_000);
      const serviceName = id('push-svc');
      const lists: string[][] = [];
      await subscriber.subscribe({ serviceName, subscribeCallback: (hosts) => void lists.push(hosts.map((h) => h.ip)) });
      await naming.registerInstance({ serviceName, ip: '10.9.0.1', port: 80 });
      await until(() => lists.some((l) => l.includes('10.9.0.1')), 'the pushed instance list', 5_000);
      assert.equal(naming.heartbeats.instances, 0);
      assert.deepEqual(warnings, []);
    } finally {
      await Promise.all([watcher.shutdown(), writer.shutdown(), naming.shutdown(), subscriber.shutdown()]);
    }
  });
}

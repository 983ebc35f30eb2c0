import { describe, expect, it } from 'vitest';
import { ClientConfigBuilder, createClientConfig, isNacosValidationError, type NacosValidationError } from '../../src/index.js';
import { addressServer } from '../../src/address-server.js';
import { nobleHmacSha1 } from '../../src/noble.js';
import { spasSigning } from '../../src/signing.js';
import { yaml } from '../../src/yaml.js';

function issuesOf(build: () => unknown): NacosValidationError['issues'] {
  try {
    build();
  } catch (error) {
    if (isNacosValidationError(error)) return error.issues;
    throw error;
  }
  throw new Error('expected a NacosValidationError');
}

describe('ClientConfigBuilder', () => {
  it('builds a frozen config with defaults', () => {
    const config = new ClientConfigBuilder().serverAddress('127.0.0.1:8848, https://b.example:9443/ctx').build();
    expect(config.servers).toEqual([
      { origin: 'http://127.0.0.1:8848', contextPath: '/nacos' },
      { origin: 'https://b.example:9443', contextPath: '/ctx' },
    ]);
    expect(config).toMatchObject({ namespaceId: '', timeoutMs: 3000, longPollTimeoutMs: 30_000, longPollBatchSize: 3000, pollIntervalMs: 5000, backgroundSync: true, logLevel: 'info' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats public as the empty namespace', () => {
    expect(new ClientConfigBuilder().serverAddress('h').namespaceId('public').build().namespaceId).toBe('');
  });

  it('names each bad option', () => {
    const issues = issuesOf(() =>
      new ClientConfigBuilder().serverAddress('h').namespaceId('bad ns!').timeoutMs(-1).longPollTimeoutMs(5000).logLevel('loud' as never).build(),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['logLevel', 'longPollTimeoutMs', 'namespaceId', 'timeoutMs']);
  });

  it('requires a server or an endpoint, pairs AK with SK, and a password with a username', () => {
    expect(issuesOf(() => new ClientConfigBuilder().build()).map((i) => i.path)).toEqual(['serverAddresses']);
    expect(issuesOf(() => new ClientConfigBuilder().serverAddress('h').accessKey('ak').signing(spasSigning).build()).map((i) => i.path)).toEqual(['secretKey']);
    expect(issuesOf(() => new ClientConfigBuilder().serverAddress('h').password('p').build()).map((i) => i.path)).toEqual(['username']);
    expect(new ClientConfigBuilder().endpoint('addr.example:8080').addressServer(addressServer).build().servers).toEqual([]);
  });

  it('refuses an opt-in setting without its feature, naming the import', () => {
    const signing = issuesOf(() => new ClientConfigBuilder().serverAddress('h').accessKey('ak').secretKey('sk').build());
    expect(signing.map((i) => i.path)).toEqual(['signer']);
    expect(signing[0]?.message).toContain("import { spasSigning } from 'nacos-edge/signing'");
    expect(issuesOf(() => new ClientConfigBuilder().serverAddress('h').credentialsProvider(() => ({ accessKey: 'a', secretKey: 's' })).build()).map((i) => i.path)).toEqual(['signer']);
    const discovery = issuesOf(() => new ClientConfigBuilder().endpoint('addr.example:8080').build());
    expect(discovery.map((i) => i.path)).toEqual(['addressServer']);
    expect(discovery[0]?.message).toContain("import { addressServer } from 'nacos-edge/address-server'");
    const config = new ClientConfigBuilder().serverAddress('h').accessKey('ak').secretKey('sk').signing(spasSigning).parsers(yaml).hmacSha1(nobleHmacSha1).build();
    expect(config.signer).toBe(spasSigning);
    expect(config.parsers).toEqual([yaml]);
    expect(config.hmacSha1).toBe(nobleHmacSha1);
  });

  it('rejects unknown options and non-function hooks', () => {
    expect(issuesOf(() => createClientConfig({ serverAddresses: 'h', nope: 1 } as never))[0]?.message).toMatch(/unknown option/);
    expect(issuesOf(() => createClientConfig({ serverAddresses: 'h', fetch: 'x' as never }))[0]?.path).toBe('fetch');
    expect(issuesOf(() => createClientConfig({ serverAddresses: 'h', logger: {} as never }))[0]?.path).toBe('logger');
  });

  it('never echoes a password in an error message', () => {
    try {
      createClientConfig({ serverAddresses: 'h', password: 'hunter2-secret', timeoutMs: 0 });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2-secret');
      return;
    }
    throw new Error('expected a validation error');
  });
});

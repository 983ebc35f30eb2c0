// Fuzzed inputs (fast-check): whatever an app or a server hands the client, it answers with a value or a NacosError,
// never a crash of another kind, and never a request for input it refuses. Parsers and encoders that have an inverse
// are checked by the round trip.
import { md5 } from '@noble/hashes/legacy.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeListenerResponse, encodeListeningConfigs } from '../../src/config/long-poll.js';
import type { ConfigKey } from '../../src/config/model.js';
import { parseContent } from '../../src/config/typed.js';
import { isNacosError } from '../../src/errors.js';
import { createClientConfig, NacosConfigReader, NacosNamingService } from '../../src/index.js';
import { parseProperties, properties } from '../../src/properties.js';
import { storageKey } from '../../src/storage/port.js';
import { decodeConfigSnapshot, encodeConfigSnapshot } from '../../src/storage/records.js';
import { parseServerList } from '../../src/transport/servers.js';
import { configMd5 } from '../../src/util/md5.js';
import { yaml } from '../../src/yaml.js';

const RUNS = { numRuns: 400 };

/** Runs `work`; a thrown value is returned instead. */
function attempt<T>(work: () => T): { value: T } | { error: unknown } {
  try {
    return { value: work() };
  } catch (error) {
    return { error };
  }
}
async function attemptAsync<T>(work: () => Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await work() };
  } catch (error) {
    return { error };
  }
}

/** Letters, digits and `_ - . :` from several scripts: names every server generation accepts. */
const nameChar = fc.constantFrom(...'aZ09_-.:中文éßЖ'.split(''));
const validName = fc.string({ unit: nameChar, minLength: 1, maxLength: 40 });
/** Anything a caller could pass where a name goes, the hostile and the odd included. */
const anyName = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), validName, fc.constantFrom('', ' ', '..', '../x', 'a/b', 'a@@b', '\0', 'x'.repeat(257)));

describe('fuzz: client options', () => {
  it('createClientConfig gives a frozen config or a NacosValidationError, whatever the options', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('serverAddresses', 'namespaceId', 'timeoutMs', 'username', 'password', 'logLevel', 'endpoint', 'contextPath', 'parsers', 'nope'), fc.anything()), (options) => {
        const result = attempt(() => createClientConfig(options as never));
        if ('error' in result) expect(isNacosError(result.error, 'VALIDATION')).toBe(true);
        else expect(Object.isFrozen(result.value)).toBe(true);
      }),
      RUNS,
    );
  });

  it('a server list parses into addresses or a NacosValidationError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 4 })), (list) => {
        const result = attempt(() => parseServerList(list));
        if ('error' in result) expect(isNacosError(result.error, 'VALIDATION')).toBe(true);
        else for (const server of result.value) expect(server.origin).toMatch(/^https?:\/\/[^/]+:\d+$/);
      }),
      RUNS,
    );
  });
});

describe('fuzz: call parameters', () => {
  /** A reader whose fetch answers as a v1 server without the config, and counts what it is asked. */
  async function countingReader() {
    const requests: URL[] = [];
    const reader = await NacosConfigReader.createConfigReader(
      createClientConfig({
        serverAddresses: 'fuzz.test:8848',
        logLevel: 'silent',
        readYourWritesMs: 0,
        fetch: async (input) => {
          requests.push(new URL(String(input)));
          return new Response('config data not exist', { status: 404 });
        },
      }),
    );
    return { reader, requests };
  }

  it('getConfig refuses bad names before any request, and sends good ones exactly as given', async () => {
    const { reader, requests } = await countingReader();
    await fc.assert(
      fc.asyncProperty(anyName, fc.option(anyName, { nil: undefined }), async (dataId, group) => {
        requests.length = 0;
        const result = await attemptAsync(() => reader.getConfig({ dataId, ...(group === undefined ? {} : { group }) }));
        if ('error' in result) {
          expect(isNacosError(result.error, 'VALIDATION')).toBe(true);
          expect(requests).toHaveLength(0);
        } else {
          expect(result.value).toBe('');
          expect(requests.length).toBeGreaterThan(0);
          const query = requests.at(-1)!.searchParams;
          expect(query.get('dataId')).toBe(dataId);
          expect(query.get('group')).toBe(group ?? 'DEFAULT_GROUP');
        }
      }),
      RUNS,
    );
    await reader.shutdown();
  });

  it('getConfig given anything at all rejects with a NacosError and sends nothing', async () => {
    const { reader, requests } = await countingReader();
    await fc.assert(
      fc.asyncProperty(fc.anything().filter((v) => typeof v !== 'object' || v === null || !('dataId' in v)), async (params) => {
        const error = await reader.getConfig(params as never).catch((e: unknown) => e);
        expect(isNacosError(error, 'VALIDATION')).toBe(true);
      }),
      RUNS,
    );
    expect(requests).toHaveLength(0);
    await reader.shutdown();
  });

  it('registerInstance refuses bad instances before any request', async () => {
    let requests = 0;
    const naming = await NacosNamingService.createNamingService(
      createClientConfig({ serverAddresses: 'fuzz.test:8848', logLevel: 'silent', fetch: async () => (requests++, new Response('ok')) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({ serviceName: anyName, ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), port: fc.oneof(fc.integer(), fc.double()), metadata: fc.option(fc.anything(), { nil: undefined }) }, { requiredKeys: ['serviceName'] }),
        async (params) => {
          const before = requests;
          const error = await naming.registerInstance(params as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (error !== undefined && isNacosError(error, 'VALIDATION')) expect(requests).toBe(before);
          else if (error !== undefined) expect(isNacosError(error)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    await naming.shutdown();
  });
});

describe('fuzz: what servers send', () => {
  it('a long-poll answer decodes to keys, whatever the body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (body) => {
        for (const key of decodeListenerResponse(body, 'ns')) {
          expect(typeof key.dataId).toBe('string');
          expect(typeof key.group).toBe('string');
          expect(typeof key.tenant).toBe('string');
        }
      }),
      RUNS,
    );
  });

  it('the long-poll answer the server builds from our request decodes to the keys we sent', () => {
    const key = fc.record({ dataId: validName, group: validName, tenant: fc.oneof(fc.constant(''), fc.string({ unit: fc.constantFrom(...'ab09_-'.split('')), minLength: 1, maxLength: 10 })) });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 8 }), (keys: ConfigKey[]) => {
        // The server answers the changed keys as it read them, form-encoded: dataId^2group[^2tenant]^1 per key.
        const request = encodeListeningConfigs(keys.map((k) => ({ key: k, md5: '' })));
        const answer = request
          .split('\x01')
          .filter(Boolean)
          .map((line) => {
            const [dataId, group, , tenant] = line.split('\x02');
            return `${dataId}\x02${group}${tenant ? `\x02${tenant}` : ''}\x01`;
          })
          .join('');
        expect(decodeListenerResponse(encodeURIComponent(answer), '')).toEqual(keys);
      }),
      RUNS,
    );
  });

  it('a snapshot entry decodes or is refused as INVALID_CONTENT; what we write decodes to what we wrote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const result = attempt(() => decodeConfigSnapshot(text));
        if ('error' in result) expect(isNacosError(result.error, 'INVALID_CONTENT')).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.option(fc.constantFrom('json', 'yaml', 'text'), { nil: undefined }), (content, type) => {
        const decoded = decodeConfigSnapshot(encodeConfigSnapshot(content, configMd5(content), type, 1));
        expect(decoded).toEqual({ content, md5: configMd5(content), type, savedAt: 1 });
      }),
      RUNS,
    );
  });
});

describe('fuzz: typed configs', () => {
  it('JSON, YAML and properties content parses or is INVALID_CONTENT, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('json' as const, 'yaml' as const, 'properties' as const), (text, format) => {
        const result = attempt(() => parseContent(text, format, 'fuzz', [yaml, properties]));
        if ('error' in result) expect(isNacosError(result.error, 'INVALID_CONTENT')).toBe(true);
      }),
      RUNS,
    );
  });

  it('properties written with escapes read back as written', () => {
    const escape = (s: string, isKey: boolean) =>
      s.replace(/[\\\n\r\t\f=: #!]/g, (c) => {
        if (c === ' ' && !isKey) return ' ';
        return { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' }[c] ?? `\\${c}`;
      });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 })), (record) => {
        // A value's leading blanks are separators in the format: escape them, as Java's Properties.store does.
        const text = Object.entries(record)
          .map(([k, v]) => `${escape(k, true)}=${escape(v, false).replace(/^ /, '\\ ')}`)
          .join('\n');
        expect(parseProperties(text)).toEqual(record);
      }),
      RUNS,
    );
  });
});

describe('fuzz: storage keys and md5', () => {
  const segment = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', '.', '..', '/', '\\', '%2F', '_', 'CON'));

  it('no segment can escape its place: no separator, no dot segment, no NUL, and nothing but the marker is empty', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
        const parts = storageKey('snapshot', 'config', ...segments).split('/');
        expect(parts.slice(0, 2)).toEqual(['snapshot', 'config']);
        expect(parts).toHaveLength(2 + segments.length);
        for (const part of parts.slice(2)) {
          expect(part).not.toMatch(/^\.{1,2}$|\\|\0/);
          expect(part.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('distinct segments give distinct keys', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 3, maxLength: 3 }), fc.array(segment, { minLength: 3, maxLength: 3 }), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(storageKey('snapshot', 'config', ...a)).not.toBe(storageKey('snapshot', 'config', ...b));
      }),
      RUNS,
    );
  });

  it('MD5 agrees with @noble/hashes on any text', () => {
    const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (text) => {
        expect(configMd5(text)).toBe(hex(md5(new TextEncoder().encode(text))));
      }),
      RUNS,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { configSignatureHeaders, namingSignatureParams } from '../../src/transport/signing.js';
import { md5 } from '@noble/hashes/legacy.js';
import { isNacosError } from '../../src/errors.js';
import { hmacSha1Base64, hmacSha1Base64Subtle } from '../../src/util/crypto.js';
import { configMd5, md5Hex } from '../../src/util/md5.js';
import { nobleHmacSha1 } from '../../src/noble.js';

// Known-answer vectors from the protocol reference (§5.6), computed with Python hmac and cross-checked with Java.
const SK = 'nacos-test-secret-key';
const TS = 1700000000000;
const vectors = [
  { name: 'config, tenant+group', message: 'dev-ns+DEFAULT_GROUP+1700000000000', signature: '9UNr2JqD+gfWjE2XtYXERwTfSMQ=' },
  { name: 'config, group only', message: 'DEFAULT_GROUP+1700000000000', signature: 'jKYinFhDNDxB3w6+tSVhaDdFPEc=' },
  { name: 'timestamp only', message: '1700000000000', signature: 'Tv2fBebO3KmogZF7by1ELdrofWg=' },
  { name: 'naming', message: '1700000000000@@DEFAULT_GROUP@@demo-svc', signature: 'KyBbWyppA0xrRchWkh2XnWnBxaE=' },
];

describe('HMAC-SHA1 known answers', () => {
  for (const v of vectors) {
    it(`WebCrypto: ${v.name}`, async () => {
      expect(await hmacSha1Base64Subtle(globalThis.crypto.subtle, SK, v.message)).toBe(v.signature);
    });
    it(`noble fallback: ${v.name}`, () => {
      expect(nobleHmacSha1(SK, v.message)).toBe(v.signature);
    });
  }
});

describe('MD5', () => {
  // RFC 1321, appendix A.5.
  const rfc: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ];
  for (const [input, digest] of rfc) {
    it(`RFC 1321: "${input.slice(0, 20)}${input.length > 20 ? '…' : ''}"`, () => {
      expect(configMd5(input)).toBe(digest);
    });
  }
  it('agrees with @noble/hashes on every length around the block edges and on random bytes', () => {
    const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    for (let length = 0; length <= 200; length++) {
      const bytes = new Uint8Array(length);
      crypto.getRandomValues(bytes);
      expect(md5Hex(bytes)).toBe(hex(md5(bytes)));
    }
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i += 65_536) crypto.getRandomValues(big.subarray(i, i + 65_536));
    expect(md5Hex(big)).toBe(hex(md5(big)));
  });
});

describe('HMAC-SHA1 without WebCrypto', () => {
  it('uses the fallback handed in, and without one says what to import', async () => {
    const original = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', { value: {}, configurable: true });
    try {
      expect(await hmacSha1Base64(SK, vectors[0]!.message, nobleHmacSha1)).toBe(vectors[0]!.signature);
      const error = await hmacSha1Base64(SK, 'x', undefined).catch((e: unknown) => e);
      expect(isNacosError(error, 'UNSUPPORTED')).toBe(true);
      expect((error as Error).message).toContain("from 'nacos-edge/noble'");
    } finally {
      if (original) Object.defineProperty(globalThis, 'crypto', original);
    }
  });
});

describe('config md5', () => {
  it('matches the reference vectors', () => {
    expect(configMd5('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(configMd5('a=1\nb=中文')).toBe('bbfb955d8b0e552bd5f9db37337f541f');
    expect(configMd5('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
  it('is empty for an absent config', () => {
    expect(configMd5(undefined)).toBe('');
    expect(configMd5(null)).toBe('');
  });
});

describe('Spas signing', () => {
  const credentials = { accessKey: 'ak', secretKey: SK };
  it('signs config requests with tenant+group', async () => {
    const headers = await configSignatureHeaders(credentials, { tenant: 'dev-ns', group: 'DEFAULT_GROUP' }, TS);
    expect(headers).toEqual({ 'Spas-AccessKey': 'ak', Timestamp: String(TS), 'Spas-Signature': '9UNr2JqD+gfWjE2XtYXERwTfSMQ=' });
  });
  it('signs config requests with group only in the public namespace', async () => {
    const headers = await configSignatureHeaders(credentials, { group: 'DEFAULT_GROUP' }, TS);
    expect(headers['Spas-Signature']).toBe('jKYinFhDNDxB3w6+tSVhaDdFPEc=');
  });
  it('signs only the timestamp when there is no group (listener)', async () => {
    const headers = await configSignatureHeaders(credentials, { tenant: 'dev-ns' }, TS);
    expect(headers['Spas-Signature']).toBe('Tv2fBebO3KmogZF7by1ELdrofWg=');
  });
  it('adds the STS token', async () => {
    const headers = await configSignatureHeaders({ ...credentials, securityToken: 'sts' }, {}, TS);
    expect(headers['Spas-SecurityToken']).toBe('sts');
  });
  it('signs naming requests as parameters', async () => {
    const params = await namingSignatureParams(credentials, 'DEFAULT_GROUP@@demo-svc', TS);
    expect(params).toEqual({ ak: 'ak', data: '1700000000000@@DEFAULT_GROUP@@demo-svc', signature: 'KyBbWyppA0xrRchWkh2XnWnBxaE=' });
  });
});

import { describe, expect, it } from 'vitest';
import { configSignatureHeaders, namingSignatureParams } from '../../src/transport/auth.js';
import { hmacSha1Base64Subtle } from '../../src/util/crypto.js';
import { configMd5 } from '../../src/util/md5.js';
import { hmacSha1Base64Noble } from '../../src/util/hmac-noble.js';

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
      expect(hmacSha1Base64Noble(SK, v.message)).toBe(v.signature);
    });
  }
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

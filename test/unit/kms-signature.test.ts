// The ACS3-HMAC-SHA256 signature against a known answer computed with the Alibaba Cloud SDK's own code
// (alibabacloud_tea_openapi Utils.get_authorization, which nacos-sdk-python v2's KMS client uses).
import { describe, expect, it } from 'vitest';
import { acs3Authorization, canonicalQuery, percentEncode, sha256Hex } from '../../src/kms/signature.js';

describe('ACS3-HMAC-SHA256', () => {
  it('signs as the Alibaba Cloud SDK does (known answer)', async () => {
    const bodyHash = await sha256Hex('');
    expect(bodyHash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const authorization = await acs3Authorization(
      {
        method: 'POST',
        path: '/',
        query: { KeyId: 'alias/acs/mse', KeySpec: 'AES_128', Plaintext: 'a b+c~*é' },
        headers: {
          host: 'kms.cn-hangzhou.aliyuncs.com',
          'x-acs-version': '2016-01-20',
          'x-acs-action': 'GenerateDataKey',
          'user-agent': 'AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2',
          'x-acs-date': '2025-01-01T00:00:00Z',
          'x-acs-signature-nonce': '0123456789abcdef0123456789abcdef',
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'x-acs-content-sha256': bodyHash,
          'x-acs-credentials-provider': 'static_ak',
        },
        bodyHash,
      },
      'testAK',
      'testSK',
    );
    expect(authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=accept;content-type;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=303239d6060183f7d6572cf04aa3df55d57baa6d70f89acc6519f400db061170',
    );
  });

  it('percent-encodes as RFC 3986 and sorts the query', () => {
    expect(percentEncode("a b+c~*é!'()/=")).toBe('a%20b%2Bc~%2A%C3%A9%21%27%28%29%2F%3D');
    expect(canonicalQuery({ b: '2', a: '1 1', KeyId: 'alias/x' })).toBe('KeyId=alias%2Fx&a=1%201&b=2');
  });
});

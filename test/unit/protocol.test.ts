import { describe, expect, it } from 'vitest';
import { decodeListenerResponse, encodeListeningConfigs } from '../../src/config/long-poll.js';

describe('long-poll wire format', () => {
  it('encodes the reference worked example', () => {
    const body = new URLSearchParams({
      'Listening-Configs': encodeListeningConfigs([
        { key: { dataId: 'demo.yaml', group: 'DEFAULT_GROUP', tenant: 'dev-ns' }, md5: '5d41402abc4b2a76b9719d911017c592' },
        { key: { dataId: 'app.properties', group: 'DEFAULT_GROUP', tenant: 'dev-ns' }, md5: '' },
      ]),
      tenant: 'dev-ns',
    }).toString();
    expect(body).toBe(
      'Listening-Configs=demo.yaml%02DEFAULT_GROUP%025d41402abc4b2a76b9719d911017c592%02dev-ns%01app.properties%02DEFAULT_GROUP%02%02dev-ns%01&tenant=dev-ns',
    );
  });

  it('omits the tenant field in the public namespace and terminates every entry', () => {
    expect(encodeListeningConfigs([{ key: { dataId: 'd', group: 'g', tenant: '' }, md5: 'm' }])).toBe('d\x02g\x02m\x01');
  });

  it('decodes answers with and without tenant', () => {
    expect(decodeListenerResponse('demo.yaml%02DEFAULT_GROUP%02dev-ns%01\n', '')).toEqual([{ dataId: 'demo.yaml', group: 'DEFAULT_GROUP', tenant: 'dev-ns' }]);
    expect(decodeListenerResponse('a%02G%01b%02G%01\n', '')).toEqual([
      { dataId: 'a', group: 'G', tenant: '' },
      { dataId: 'b', group: 'G', tenant: '' },
    ]);
    expect(decodeListenerResponse('', '')).toEqual([]);
    expect(decodeListenerResponse('\n', 'ns')).toEqual([]);
  });

  it('maps an echoed `public` tenant back to the client namespace', () => {
    expect(decodeListenerResponse('a%02G%02public%01', '')).toEqual([{ dataId: 'a', group: 'G', tenant: '' }]);
  });
});

describe('form encoding', () => {
  it('encodes exactly like URLSearchParams', async () => {
    const { formEncode } = await import('../../src/transport/http.js');
    const samples = ['a b', "!'()*~-._", '中文 é', 'x=1&y=2', '+%/?#', '\x01\x02', '', 'a\nb\r\tc', '😀'];
    for (const value of samples) {
      expect(formEncode({ [value]: value, n: 5, skip: undefined })).toBe(new URLSearchParams({ [value]: value, n: '5' }).toString());
    }
  });
});

import { describe, expect, it } from 'vitest';
import { isNacosValidationError } from '../../src/errors.js';
import { parseAddressServerBody } from '../../src/transport/endpoint.js';
import { parseServerAddress, parseServerList, ServerList } from '../../src/transport/servers.js';

describe('parseServerAddress', () => {
  it.each([
    ['127.0.0.1', 'http://127.0.0.1:8848', '/nacos'],
    ['127.0.0.1:9000', 'http://127.0.0.1:9000', '/nacos'],
    ['Nacos.Example.com:8848', 'http://nacos.example.com:8848', '/nacos'],
    ['https://nacos.example.com', 'https://nacos.example.com:8848', '/nacos'],
    ['https://nacos.example.com:443/', 'https://nacos.example.com:443', '/nacos'],
    ['http://10.0.0.1:8848/custom/', 'http://10.0.0.1:8848', '/custom'],
    ['[::1]', 'http://[::1]:8848', '/nacos'],
    ['[::1]:8849', 'http://[::1]:8849', '/nacos'],
    ['https://[fe80::1]:9443/nacos', 'https://[fe80::1]:9443', '/nacos'],
  ])('%s', (entry, origin, contextPath) => {
    expect(parseServerAddress(entry)).toEqual({ origin, contextPath });
  });

  it('uses the configured default context path', () => {
    expect(parseServerAddress('h:1', '')).toEqual({ origin: 'http://h:1', contextPath: '' });
    expect(parseServerAddress('h:1', 'api/')).toEqual({ origin: 'http://h:1', contextPath: '/api' });
  });

  it.each(['::1', 'ftp://h', 'h:0', 'h:70000', 'h:port', 'user@h', ''])('rejects %j with a typed error', (entry) => {
    let caught: unknown;
    try {
      parseServerAddress(entry);
    } catch (error) {
      caught = error;
    }
    expect(isNacosValidationError(caught)).toBe(true);
  });

  it('hints at brackets for bare IPv6', () => {
    expect(() => parseServerAddress('fe80::1:8848')).toThrow(/brackets/);
  });
});

describe('parseServerList', () => {
  it('splits on commas and semicolons, trims, and drops duplicates', () => {
    const list = parseServerList(' a:1, b:2;a:1 ,, c ');
    expect(list.map((s) => s.origin)).toEqual(['http://a:1', 'http://b:2', 'http://c:8848']);
  });
  it('parses an address-server body', () => {
    expect(parseAddressServerBody('10.0.0.1:8848\r\n10.0.0.2\n\n').map((s) => s.origin)).toEqual(['http://10.0.0.1:8848', 'http://10.0.0.2:8848']);
  });
});

describe('ServerList', () => {
  it('rotates to the server that answered and keeps it preferred after a refresh', () => {
    const [a, b, c] = parseServerList('a,b,c');
    const list = new ServerList([a!, b!, c!]);
    expect(list.ordered().map((s) => s.origin)).toEqual(['http://a:8848', 'http://b:8848', 'http://c:8848']);
    expect(list.markGood(b!)).toBe(true);
    expect(list.markGood(b!)).toBe(false);
    expect(list.ordered().map((s) => s.origin)).toEqual(['http://b:8848', 'http://c:8848', 'http://a:8848']);
    list.replace(parseServerList('x,b'));
    expect(list.ordered().map((s) => s.origin)).toEqual(['http://b:8848', 'http://x:8848']);
  });
});

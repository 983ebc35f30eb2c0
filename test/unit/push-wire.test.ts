// The Nacos gRPC wire format without a protobuf library: known-answer bytes, round trips and framing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, frame, FrameReader } from '../../src/push/wire.js';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const ascii = (text: string) => hex(new TextEncoder().encode(text));

describe('Payload', () => {
  it('encodes a HealthCheckRequest as protobuf-es does (the protocol notes, §1.2)', () => {
    const bytes = encodePayload({ type: 'HealthCheckRequest', headers: { accessToken: 'abc' }, clientIp: '10.0.0.5', body: { headers: {}, module: 'internal' } });
    const expected = [
      '12 32', // Payload.metadata, 50 bytes
      `1a 12 ${ascii('HealthCheckRequest')}`,
      `3a 12 0a 0b ${ascii('accessToken')} 12 03 ${ascii('abc')}`,
      `42 08 ${ascii('10.0.0.5')}`,
      '1a 24', // Payload.body (Any), 36 bytes
      `12 22 ${ascii('{"headers":{},"module":"internal"}')}`,
    ].join(' ');
    expect(hex(bytes)).toBe(expected);
  });

  it('decodes what it encodes, for any type, headers and JSON body', () => {
    const json = fc.dictionary(fc.string(), fc.jsonValue());
    fc.assert(
      fc.property(fc.string(), fc.dictionary(fc.string(), fc.string()), json, fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (type, headers, body, clientIp) => {
        const payload = clientIp === undefined ? { type, headers, body } : { type, headers, body, clientIp };
        const decoded = decodePayload(encodePayload(payload));
        expect(decoded.type).toBe(type);
        expect(decoded.headers).toEqual(headers);
        expect(decoded.body).toEqual(JSON.parse(JSON.stringify(body)));
        expect(decoded.clientIp).toBe(clientIp);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses bytes that are not a payload with a RangeError or SyntaxError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodePayload(bytes);
        } catch (error) {
          expect(error instanceof RangeError || error instanceof SyntaxError).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a header named __proto__ as a header', () => {
    const decoded = decodePayload(encodePayload({ type: 't', headers: { ['__proto__']: 'x' } as Record<string, string>, body: {} }));
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
    expect(Object.keys(decoded.headers)).toEqual(['__proto__']);
  });

  it('skips fields it does not know (a newer server adding some)', () => {
    const known = encodePayload({ type: 'SetupAckRequest', headers: {}, body: { abilityTable: {} } });
    const extra = new Uint8Array([0x08, 0x96, 0x01, 0x2a, 0x02, 0x68, 0x69]); // field 1 varint 150, field 5 bytes "hi"
    const withExtra = new Uint8Array([...extra, ...known]);
    expect(decodePayload(withExtra)).toEqual({ type: 'SetupAckRequest', headers: {}, body: { abilityTable: {} } });
  });
});

describe('framing', () => {
  it('prefixes a flag and a big-endian length', () => {
    expect(hex(frame(new Uint8Array([1, 2, 3])))).toBe('00 00 00 00 03 01 02 03');
    expect(hex(frame(new Uint8Array(0), 0x80))).toBe('80 00 00 00 00');
  });

  it('splits frames however the bytes arrive', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (messages, cuts) => {
        const stream = new Uint8Array(messages.reduce((n, m) => n + 5 + m.length, 0));
        let at = 0;
        for (const m of messages) {
          stream.set(frame(m), at);
          at += 5 + m.length;
        }
        const reader = new FrameReader();
        const got: Uint8Array[] = [];
        let offset = 0;
        for (let i = 0; offset < stream.length; i++) {
          const size = cuts[i % cuts.length]!;
          for (const f of reader.push(stream.subarray(offset, offset + size))) got.push(f.message);
          offset += size;
        }
        expect(got.map(hex)).toEqual(messages.map(hex));
        expect(reader.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a message over its limit before buffering it', () => {
    const reader = new FrameReader(10);
    expect(() => reader.push(frame(new Uint8Array(11)).subarray(0, 5))).toThrow(RangeError);
  });
});

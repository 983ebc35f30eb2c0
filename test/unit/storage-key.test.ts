import { describe, expect, it } from 'vitest';
import { storageKey } from '../../src/storage/port.js';

describe('storageKey', () => {
  const hostile = ['..', '.', '../../etc/passwd', 'a/b', 'a\\b', 'nul\0byte', '%2F', '_', '', 'x'.repeat(300), '中文', 'é', 'e\u0301'];

  it('never yields a path segment that is empty, `.` or `..`, nor a separator or NUL inside a segment', () => {
    for (const value of hostile) {
      const key = storageKey('snapshot', 'config', value, value, value);
      const segments = key.split('/');
      expect(segments).toHaveLength(5);
      for (const segment of segments) {
        expect(segment).not.toBe('');
        expect(segment).not.toBe('.');
        expect(segment).not.toBe('..');
        expect(segment).not.toMatch(/[\\\0]/);
      }
    }
  });

  it('is injective: distinct inputs give distinct keys', () => {
    const keys = new Set<string>();
    for (const a of hostile) for (const b of hostile) keys.add(storageKey('failover', 'config', a, b, 'd'));
    expect(keys.size).toBe(hostile.length * hostile.length);
  });

  it('keeps the areas apart', () => {
    expect(storageKey('failover', 'config', '', 'G', 'd')).not.toBe(storageKey('snapshot', 'config', '', 'G', 'd'));
  });
});

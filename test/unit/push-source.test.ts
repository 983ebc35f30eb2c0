// The fall-back schedule of every push driver (src/push/source.ts), on fake timers: one warning and one fall-back
// when the first connection fails, new sources at 1×, 2×, 4× … the retry interval (capped), quiet retries, and one
// resume when a source connects; nothing after the driver's lifetime ends.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NacosError } from '../../src/errors.js';
import { PUSH_RETRY_MAX_MS, startOrFallBack, type DriverLife } from '../../src/push/source.js';

function recorder() {
  const events: string[] = [];
  const log = { debug: (m: string) => void events.push(`debug ${m}`), info: (m: string) => void events.push(`info ${m}`), warn: (m: string) => void events.push(`warn ${m}`), error: (m: string) => void events.push(`error ${m}`) };
  return { events, log };
}

function lifetime(): DriverLife & { stop: AbortController } {
  const stop = new AbortController();
  return { stop, signal: stop.signal, end: () => stop.abort() };
}

/** Sources whose start fails `failures` times, then connects; each records when it was opened and closed. */
function sources(failures: number) {
  const opened: number[] = [];
  let closed = 0;
  const open = () => {
    opened.push(Date.now());
    const n = opened.length;
    return {
      start: () => (n <= failures ? Promise.reject(new NacosError('NETWORK', `refused ${n}`)) : Promise.resolve()),
      close: async () => void closed++,
    };
  };
  return { open, opened, closed: () => closed };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('startOrFallBack', () => {
  it('falls back once, retries at doubling intervals without warning again, and resumes once a source connects', async () => {
    const { events, log } = recorder();
    const s = sources(3);
    const used: unknown[] = [];
    const life = lifetime();
    startOrFallBack(() => {
      const source = s.open();
      used.push(source);
      return source;
    }, life, log, {
      name: 'gRPC',
      warning: 'gRPC push unavailable',
      retryMs: 1000,
      fallBack: () => void events.push('fallBack'),
      resume: () => void events.push('resume'),
    });
    await vi.advanceTimersByTimeAsync(10_000);
    // Opened at 0, then 1 s, 2 s and 4 s after each failure.
    expect(s.opened).toEqual([0, 1000, 3000, 7000]);
    expect(used).toHaveLength(4);
    expect(s.closed()).toBe(3);
    expect(events).toEqual([
      'warn gRPC push unavailable: refused 1',
      'fallBack',
      'debug gRPC push still unavailable: refused 2',
      'debug gRPC push still unavailable: refused 3',
      'info gRPC push connected after the fall-back to HTTP; pushes are used again',
      'resume',
    ]);
    life.end();
  });

  it('connects at once: no fall-back, no resume, no retry', async () => {
    const { events, log } = recorder();
    const s = sources(0);
    startOrFallBack(s.open, lifetime(), log, { name: 'bridge', warning: 'w', retryMs: 10, fallBack: () => void events.push('fallBack'), resume: () => void events.push('resume') });
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.opened).toEqual([0]);
    expect(events).toEqual([]);
  });

  it('caps the wait at five minutes, and stops trying when the lifetime ends', async () => {
    const { events, log } = recorder();
    const s = sources(Infinity);
    const life = lifetime();
    startOrFallBack(s.open, life, log, { name: 'gRPC', warning: 'w', retryMs: 30_000, fallBack: () => undefined, resume: () => void events.push('resume') });
    await vi.advanceTimersByTimeAsync(30_000 + 60_000 + 120_000 + 240_000 + 2 * PUSH_RETRY_MAX_MS);
    const gaps = s.opened.slice(1).map((t, i) => t - s.opened[i]!);
    expect(gaps).toEqual([30_000, 60_000, 120_000, 240_000, PUSH_RETRY_MAX_MS, PUSH_RETRY_MAX_MS]);
    life.end();
    const count = s.opened.length;
    await vi.advanceTimersByTimeAsync(10 * PUSH_RETRY_MAX_MS);
    expect(s.opened).toHaveLength(count);
    expect(vi.getTimerCount()).toBe(0);
    expect(events).not.toContain('resume');
  });

  it('a source that connects after the lifetime ended is closed, and nothing resumes', async () => {
    const { events, log } = recorder();
    const life = lifetime();
    let connect!: () => void;
    let closed = 0;
    let opens = 0;
    const open = () => {
      opens++;
      return {
        start: () => (opens === 1 ? Promise.reject(new NacosError('NETWORK', 'refused')) : new Promise<void>((resolve) => (connect = resolve))),
        close: async () => void closed++,
      };
    };
    startOrFallBack(open, life, log, { name: 'gRPC', warning: 'w', retryMs: 1000, fallBack: () => undefined, resume: () => void events.push('resume') });
    await vi.advanceTimersByTimeAsync(1000);
    expect(opens).toBe(2);
    life.end();
    connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(2);
    expect(events).not.toContain('resume');
  });
});

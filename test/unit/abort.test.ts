// One abort listener per signal, however many waiters share it (sleeps, shared waits, requests): Node warns of a
// leak past 10 listeners, which the soak hit with 200 heartbeats waiting on one probe.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isNacosError } from '../../src/errors.js';
import { awaitShared } from '../../src/transport/shared.js';
import { onAbort } from '../../src/util/abort.js';
import { sleep } from '../../src/util/time.js';

describe('abort waiters', () => {
  it('100 sleeps and 100 shared waits on one signal add one listener, and all end with ABORTED when it aborts', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const waits = [...Array.from({ length: 100 }, () => sleep(60_000, controller.signal)), ...Array.from({ length: 100 }, () => awaitShared(never, controller.signal, 'probe'))];
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    const results = await Promise.allSettled(waits);
    expect(results.every((r) => r.status === 'rejected' && isNacosError(r.reason, 'ABORTED'))).toBe(true);
  });

  it('a shared wait for a caller that gave up already rejects ABORTED, and leaves the work’s failure handled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const gone = new AbortController();
      gone.abort();
      let fail!: (error: Error) => void;
      const login = new Promise<never>((_resolve, reject) => (fail = reject));
      await expect(awaitShared(login, gone.signal, 'login')).rejects.toMatchObject({ code: 'ABORTED' });
      fail(new Error('the server refused the login'));
      await sleep(20);
      expect(unhandled).toEqual([]);
      // A caller still waiting gets the work's answer, and its abort listener goes with it.
      const waiting = new AbortController();
      await expect(awaitShared(Promise.resolve('token'), waiting.signal)).resolves.toBe('token');
      await sleep(1);
      expect(getEventListeners(waiting.signal, 'abort')).toHaveLength(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('an undone waiter is not called, the others are', () => {
    const controller = new AbortController();
    const called: string[] = [];
    const undo = onAbort(controller.signal, () => called.push('a'));
    onAbort(controller.signal, () => called.push('b'));
    undo();
    controller.abort();
    expect(called).toEqual(['b']);
  });

  it('the last undone waiter takes the listener off the signal (Deno keeps a process alive for a timeout signal with one)', () => {
    const signal = AbortSignal.timeout(60_000);
    const undos = [onAbort(signal, () => {}), onAbort(signal, () => {})];
    undos[0]!();
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    undos[1]!();
    undos[1]!();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    const called: string[] = [];
    onAbort(signal, () => called.push('again'));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
  });

  it('a sleep that ends leaves no waiter behind', async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    const called: string[] = [];
    onAbort(controller.signal, () => called.push('late'));
    controller.abort();
    expect(called).toEqual(['late']);
  });
});

describe('anySignal', () => {
  it('follows every source, and once released leaves nothing on a long-lived one', async () => {
    const { anySignal } = await import('../../src/util/time.js');
    const life = new AbortController();
    // A loop makes one per round: released, none of them stays reachable from the loop's lifetime signal.
    for (let i = 0; i < 1000; i++) {
      const round = new AbortController();
      const { signal, release } = anySignal(life.signal, round.signal);
      if (i === 0) {
        round.abort('restart');
        expect(signal.aborted).toBe(true);
        expect(signal.reason).toBe('restart');
      }
      release();
    }
    const kept = anySignal(life.signal, new AbortController().signal);
    const released = anySignal(life.signal, new AbortController().signal);
    released.release();
    expect(getEventListeners(life.signal, 'abort')).toHaveLength(1);
    life.abort('shutdown');
    expect(kept.signal.reason).toBe('shutdown');
    expect(released.signal.aborted).toBe(false);
  });

  it('an already aborted source aborts it at once; undefined sources are skipped', async () => {
    const { anySignal } = await import('../../src/util/time.js');
    const done = AbortSignal.abort('gone');
    expect(anySignal(done, new AbortController().signal).signal.reason).toBe('gone');
    const only = new AbortController();
    const { signal } = anySignal(undefined, only.signal);
    only.abort('x');
    expect(signal.reason).toBe('x');
  });
});

// Read-your-writes (src/util/own-writes.ts) and serialised listener reads (WatchedConfig.sync), with scripted
// answers and orderings: no server, no timing luck.
import { describe, expect, it } from 'vitest';
import { WatchedConfig } from '../../src/config/listeners.js';
import { isNacosError } from '../../src/index.js';
import { OwnWrites } from '../../src/util/own-writes.js';

/** A read that answers the scripted values in turn (the last one forever) and counts its calls. */
function scripted<T>(...answers: T[]) {
  let calls = 0;
  return {
    read: async () => answers[Math.min(calls++, answers.length - 1)] as T,
    get calls() {
      return calls;
    },
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('OwnWrites', () => {
  it('without a pending write, reads once', async () => {
    const own = new OwnWrites<string>(5000);
    const r = scripted('old');
    expect(await own.read('k', r.read, (a, e) => a === e)).toBe('old');
    expect(r.calls).toBe(1);
  });

  it('after a write, reads again until the answer shows it, then forgets it', async () => {
    const own = new OwnWrites<string>(5000);
    own.expect('k', 'new');
    const r = scripted('old', 'old', 'new');
    expect(await own.read('k', r.read, (a, e) => a === e)).toBe('new');
    expect(r.calls).toBe(3);
    expect(own.size).toBe(0);
    const again = scripted('other');
    expect(await own.read('k', again.read, (a, e) => a === e)).toBe('other');
    expect(again.calls).toBe(1);
  });

  it('a read waiting when another read settles the write reads once more instead of returning its older answer', async () => {
    const own = new OwnWrites<string>(5000);
    own.expect('k', 'new');
    // The waiting read's answers: 'old', then 'old' again from a read in flight while another read sees 'new' and
    // settles the write, then 'new'.
    let calls = 0;
    let inFlight: (() => void) | undefined;
    const secondStarted = new Promise<void>((started) => {
      inFlight = started;
    });
    let finishSecond: (() => void) | undefined;
    const waiting = own.read(
      'k',
      async () => {
        calls++;
        if (calls === 2) {
          inFlight?.();
          await new Promise<void>((done) => (finishSecond = done));
          return 'old';
        }
        return calls === 1 ? 'old' : 'new';
      },
      (a, e) => a === e,
    );
    await secondStarted;
    expect(await own.read('k', async () => 'new', (a, e) => a === e)).toBe('new');
    finishSecond?.();
    expect(await waiting).toBe('new');
    expect(calls).toBe(3);
  });

  it('a first read in flight while another read settles the write reads once more instead of returning its older answer', async () => {
    const own = new OwnWrites<string>(5000);
    own.expect('k', 'new');
    let calls = 0;
    let answerFirst: (answer: string) => void = () => {};
    const waiting = own.read(
      'k',
      () => {
        calls++;
        return calls === 1 ? new Promise<string>((resolve) => (answerFirst = resolve)) : Promise.resolve('new');
      },
      (a, e) => a === e,
    );
    // Another read (a listener's read-back) sees the write and settles it; then the first read's older answer lands.
    expect(await own.read('k', async () => 'new', (a, e) => a === e)).toBe('new');
    expect(own.size).toBe(0);
    answerFirst('old');
    expect(await waiting).toBe('new');
    expect(calls).toBe(2);
  });

  it('gives up when the window ends and returns what the server says (someone else wrote after us)', async () => {
    let now = 0;
    const own = new OwnWrites<string>(100, () => now);
    own.expect('k', 'mine');
    const r = scripted('theirs');
    const read = async () => {
      now += 40;
      return r.read();
    };
    expect(await own.read('k', read, (a, e) => a === e)).toBe('theirs');
    expect(r.calls).toBe(3); // at 40, 80 and 120 ms: past the 100 ms window
    expect(own.size).toBe(0);
  });

  it('only the written id waits; a window of 0 turns it off', async () => {
    const own = new OwnWrites<string>(5000);
    own.expect('a', 'new');
    const b = scripted('old');
    expect(await own.read('b', b.read, (x, e) => x === e)).toBe('old');
    expect(b.calls).toBe(1);
    const off = new OwnWrites<string>(0);
    off.expect('a', 'new');
    const a = scripted('old');
    expect(await off.read('a', a.read, (x, e) => x === e)).toBe('old');
    expect(a.calls).toBe(1);
  });

  it('expectations never read back do not pile up: expired ones go once there are many', () => {
    let now = 0;
    const own = new OwnWrites<string>(100, () => now);
    for (let i = 0; i < 600; i++) own.expect(`k${i}`, 'x');
    expect(own.size).toBe(600);
    now = 1000;
    own.expect('fresh', 'x');
    expect(own.size).toBe(1);
  });

  it('a newer write replaces the expectation; peek shows the pending one', async () => {
    const own = new OwnWrites<string[]>(5000);
    own.expect('svc', ['a']);
    own.expect('svc', [...(own.peek('svc') ?? []), 'b']);
    expect(own.peek('svc')).toEqual(['a', 'b']);
    const r = scripted(['a'], ['a', 'b']);
    expect(await own.read('svc', r.read, (list, want) => want.every((w) => list.includes(w)))).toEqual(['a', 'b']);
  });

  it('the caller signal ends the wait with ABORTED; a failed read ends it with its error', async () => {
    const own = new OwnWrites<string>(5000);
    own.expect('k', 'new');
    const controller = new AbortController();
    const waiting = own.read('k', scripted('old').read, (a, e) => a === e, controller.signal);
    controller.abort();
    expect(isNacosError(await waiting.catch((e: unknown) => e), 'ABORTED')).toBe(true);
    const failing = own.read('k', async () => Promise.reject(new Error('down')), () => false);
    await expect(failing).rejects.toThrow('down');
  });
});

describe('WatchedConfig.sync', () => {
  it('applies reads one at a time: an earlier read that answers late never overwrites a later one', async () => {
    const entry = new WatchedConfig({ dataId: 'd', group: 'g', tenant: '' }, silent);
    const seen: string[] = [];
    entry.add((_t, _d, _g, content) => void seen.push(content), true);
    // Read 1 starts first and would answer v1 after read 2 (v2) has answered: on the wire, v1 arrives last.
    let answerFirst: (v: { content: string; md5: string; type: undefined }) => void = () => {};
    const first = entry.sync(() => new Promise((resolve) => (answerFirst = resolve)));
    let secondStarted = false;
    const second = entry.sync(async () => {
      secondStarted = true;
      return { content: 'v2', md5: 'm2', type: undefined };
    });
    await Promise.resolve();
    expect(secondStarted).toBe(false); // serialised: the second read waits for the first
    answerFirst({ content: 'v1', md5: 'm1', type: undefined });
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['v1', 'v2']);
    expect(entry.content).toBe('v2');
  });

  it('content a filter refuses: the first read throws it; later, no listener is told, and a listener added then gets the last readable content with its own md5', async () => {
    const entry = new WatchedConfig({ dataId: 'd', group: 'g', tenant: '' }, silent);
    const refused = new Error('wrong key');
    await expect(entry.sync(async () => ({ content: 'x', md5: 'm0', type: undefined, refused }), true)).rejects.toBe(refused);
    const seen: [string, string][] = [];
    entry.add((_t, _d, _g, content, change) => void seen.push([content, change.md5]), true);
    expect(await entry.sync(async () => ({ content: 'v1', md5: 'm1', type: undefined }))).toBe(true);
    expect(await entry.sync(async () => ({ content: 'cipher', md5: 'm2', type: undefined, refused }))).toBe(false);
    expect(entry.md5).toBe('m2'); // polls do not come back for it
    const late: [string, string][] = [];
    entry.add((_t, _d, _g, content, change) => void late.push([content, change.md5]), true);
    expect(await entry.sync(async () => ({ content: 'v3', md5: 'm3', type: undefined }))).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([['v1', 'm1'], ['v3', 'm3']]);
    expect(late).toEqual([['v1', 'm1'], ['v3', 'm3']]);
  });

  it('a failed read does not stop the next one', async () => {
    const entry = new WatchedConfig({ dataId: 'd', group: 'g', tenant: '' }, silent);
    const failed = entry.sync(async () => Promise.reject(new Error('down')));
    const next = entry.sync(async () => ({ content: 'ok', md5: 'm', type: undefined }));
    await expect(failed).rejects.toThrow('down');
    expect(await next).toBe(true);
    expect(entry.md5).toBe('m');
  });
});

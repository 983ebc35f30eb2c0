import { sleep } from './time.js';

/**
 * Read-your-writes for one client. Nacos servers apply writes asynchronously: after a publish answers `true`,
 * 2.5.1 and 3.0.3 still serve the old content for ~90 ms, and a new instance of an existing service is listed
 * ~600 ms after its registration (measured against the official servers). A client that writes and then reads
 * would see its own write undone. So each write leaves an expectation here for `windowMs`, and reads of that
 * resource are repeated, backing off, until they show it or the window ends; then the server's answer stands
 * (another writer may have come after us). Only this client's own writes wait, and only for their resource.
 */
export class OwnWrites<E> {
  readonly #pending = new Map<string, { expectation: E; until: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that this client wrote `id`, and what a read must show from now on. */
  expect(id: string, expectation: E): void {
    if (this.windowMs <= 0) return;
    const now = this.now();
    // Writes that are never read back would pile up: past a few hundred, the expired ones go.
    if (this.#pending.size >= 512) for (const [key, p] of this.#pending) if (now >= p.until) this.#pending.delete(key);
    this.#pending.set(id, { expectation, until: now + this.windowMs });
  }

  /** The pending expectation of `id`, if its window is still open (to merge a new write into it). */
  peek(id: string): E | undefined {
    const pending = this.#pending.get(id);
    return pending && this.now() < pending.until ? pending.expectation : undefined;
  }

  /** Forgets an expectation (the write failed, or was superseded by one that leaves none). */
  forget(id: string): void {
    this.#pending.delete(id);
  }

  /**
   * Reads until the answer satisfies the pending expectation of `id` (or there is none, or the window ends).
   * `satisfies(answer, expectation)` decides; a failed read ends the wait with its error.
   */
  async read<T>(id: string, read: () => Promise<T>, satisfies: (answer: T, expectation: E) => boolean, signal?: AbortSignal): Promise<T> {
    // Taken before the first read: a read that was in flight while another one settled the write must not
    // return its older answer either.
    let waitedFor = this.peek(id);
    let answer = await read();
    for (let attempt = 0; ; attempt++) {
      const pending = this.#pending.get(id);
      if (!pending) {
        // Another read settled the write while this one waited: the servers show it now, so this read's older
        // answer must not be returned; one more read brings the state that settled it (or newer).
        return waitedFor !== undefined && !satisfies(answer, waitedFor) ? read() : answer;
      }
      if (satisfies(answer, pending.expectation) || this.now() >= pending.until) {
        // Settled, or given up on: later reads need not wait (unless a newer write replaced it meanwhile).
        if (this.#pending.get(id) === pending) this.#pending.delete(id);
        return answer;
      }
      waitedFor = pending.expectation;
      await sleep(Math.min(20 * 2 ** attempt, 250, Math.max(1, pending.until - this.now())), signal);
      answer = await read();
    }
  }

  /** Expectations not yet settled (for tests and diagnostics). */
  get size(): number {
    return this.#pending.size;
  }
}

import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { eachBounded } from '../util/pool.js';
import type { InstanceFields } from './protocol.js';

/** One instance kept alive by heartbeats. */
export interface BeatTask {
  readonly key: string;
  fields: InstanceFields;
  intervalMs: number;
  dueAt: number;
  /** The server allows beats without the instance body. */
  light: boolean;
}

/**
 * Drives every heartbeat of a client from one timer: it sleeps until the earliest due beat, sends all
 * beats due by then (at most `concurrency` at once), reschedules them, and sleeps again. A thousand
 * instances cost one timer, not a thousand. With `autoStart: false` (Workers) it arms no timer at all
 * and beats only through {@link BeatScheduler.beatAll}.
 */
export class BeatScheduler {
  readonly #tasks = new Map<string, BeatTask>();
  /** Beats on the wire, by task key: a deregistration waits for them (a late full beat would re-create the instance). */
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  private declare readonly options: {
    beat: (task: BeatTask, signal: AbortSignal) => Promise<void>;
    /** Makes the signal of one round (the transport's scope: aborted on shutdown). */
    scope: (signal?: AbortSignal) => { signal: AbortSignal; release: () => void };
    concurrency: number;
    autoStart: boolean;
    log: Logger;
  };

  // A declared field set here (no class-field definition emitted before the assignment).
  constructor(options: BeatScheduler['options']) {
    this.options = options;
  }

  /** Disarms the timer for good; a round in flight ends through its own signal. */
  stop(): void {
    this.#stopped = true;
    this.#disarm();
  }

  /** How many instances are kept alive. */
  get size(): number {
    return this.#tasks.size;
  }

  /** How many timers the scheduler holds right now: 0 or 1, whatever the number of instances. */
  get activeTimers(): number {
    return this.#timer === undefined ? 0 : 1;
  }

  tasks(): IterableIterator<BeatTask> {
    return this.#tasks.values();
  }

  /** Adds or replaces a task; its first beat is due one interval from now. */
  add(key: string, fields: InstanceFields, intervalMs: number): void {
    const existing = this.#tasks.get(key);
    this.#tasks.set(key, { key, fields, intervalMs, dueAt: Date.now() + intervalMs, light: existing?.light ?? false });
    this.#arm();
  }

  remove(key: string): boolean {
    const removed = this.#tasks.delete(key);
    if (this.#tasks.size === 0) this.#disarm();
    return removed;
  }

  /**
   * Removes the task and resolves once its beat on the wire, if any, has been answered: after that no beat of it
   * can reach the server (a full beat registers an instance the server does not know; a renew answered 21003 would
   * make the client register it again).
   */
  async removeAndSettle(key: string): Promise<void> {
    this.remove(key);
    await this.#inFlight.get(key)?.catch(() => undefined);
  }

  /** Whether `task` is still scheduled (not removed or replaced since its beat was sent). */
  isCurrent(task: BeatTask): boolean {
    return this.#tasks.get(task.key) === task;
  }

  /** Beats every instance once, now (Workers: call from a Cron Trigger). */
  async beatAll(signal?: AbortSignal): Promise<number> {
    const tasks = [...this.#tasks.values()];
    const scope = this.options.scope(signal);
    try {
      await this.#send(tasks, scope.signal);
    } finally {
      scope.release();
    }
    return tasks.length;
  }

  /** Resolves once no beat round is running (after the signal aborted, rounds stop promptly). */
  async idle(): Promise<void> {
    while (this.#round) await this.#round;
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (!this.options.autoStart || this.#stopped || this.#round) return;
    this.#disarm();
    let next = Infinity;
    for (const task of this.#tasks.values()) next = Math.min(next, task.dueAt);
    if (next === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#round = this.#runDue().finally(() => {
        this.#round = undefined;
        this.#arm();
      });
    }, Math.max(0, next - Date.now()));
  }

  async #runDue(): Promise<void> {
    // Beats due within the next 50 ms go out in this round, so near-simultaneous ones share a wake-up.
    const horizon = Date.now() + 50;
    const due = [...this.#tasks.values()].filter((t) => t.dueAt <= horizon);
    const scope = this.options.scope();
    try {
      await this.#send(due, scope.signal);
    } finally {
      scope.release();
    }
  }

  async #send(tasks: readonly BeatTask[], signal: AbortSignal): Promise<void> {
    await eachBounded(
      tasks,
      this.options.concurrency,
      async (task) => {
        if (this.#tasks.get(task.key) !== task) return;
        const beat = this.options.beat(task, signal);
        this.#inFlight.set(task.key, beat);
        try {
          await beat;
        } catch (error) {
          if (signal.aborted) return;
          this.options.log.warn(`heartbeat of ${task.fields.ip}:${task.fields.port} (${task.fields.serviceName}) failed; next try in ${task.intervalMs} ms: ${messageOf(error)}`);
        } finally {
          if (this.#inFlight.get(task.key) === beat) this.#inFlight.delete(task.key);
        }
        task.dueAt = Date.now() + task.intervalMs;
      },
      signal,
    );
  }
}

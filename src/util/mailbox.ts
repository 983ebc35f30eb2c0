/**
 * Hands values to one subscriber (a config listener, a `watch()` loop, a naming subscription callback), in order
 * and one at a time, isolated from every other subscriber: one that throws is reported and keeps receiving, one
 * that hangs delays only itself. While a delivery is running, only the newest value waits behind it: a slow
 * subscriber gets the latest state, never a growing backlog of stale ones.
 */
export class Mailbox<T> {
  #waiting: { value: T } | undefined;
  #running = false;

  private declare readonly deliver: (value: T) => void | Promise<void>;
  private declare readonly onError: (error: unknown) => void;

  // Declared fields set here (no class-field definitions emitted before the assignments).
  constructor(deliver: (value: T) => void | Promise<void>, onError: (error: unknown) => void) {
    this.deliver = deliver;
    this.onError = onError;
  }

  /** Queues `value`, replacing a value that has not been delivered yet. Delivery starts on a later microtask. */
  post(value: T): void {
    this.#waiting = { value };
    if (this.#running) return;
    this.#running = true;
    void Promise.resolve().then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    while (this.#waiting) {
      const { value } = this.#waiting;
      this.#waiting = undefined;
      try {
        await this.deliver(value);
      } catch (error) {
        this.onError(error);
      }
    }
    this.#running = false;
  }
}

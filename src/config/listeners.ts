import type { Logger } from '../logger.js';
import { Mailbox } from '../util/mailbox.js';
import type { ConfigKey } from './model.js';

/** What a delivery carries besides the content: the server's md5 of it (`''` when deleted) and its stored type. */
export interface ConfigChangeInfo {
  md5: string;
  type: string | undefined;
}

/** Called with the new content of a watched config (`''` when it was deleted). May be async. */
export type ConfigListener = (tenant: string, dataId: string, group: string, content: string, change: ConfigChangeInfo) => void | Promise<void>;

interface ListenerRecord {
  readonly listener: ConfigListener;
  /** md5 of the last content handed to this listener; a listener never sees the same md5 twice in a row. */
  lastMd5: string | undefined;
  /** Whether the first content this listener sees is delivered (emitInitial) or only remembered. */
  readonly emitInitial: boolean;
  /** In order, one at a time, isolated from the other listeners; a slow one gets the latest content, no backlog. */
  readonly mailbox: Mailbox<{ content: string; change: ConfigChangeInfo }>;
}

/**
 * The state of one watched config: what the client last saw on the server and who listens.
 * It knows nothing about how changes are found (long poll, md5 polling, push).
 */
export class WatchedConfig {
  /** Server md5 last seen; `''` = absent on the server; undefined = not read yet. */
  md5: string | undefined;
  content = '';
  /** While the servers hold content no filter lets through, the md5 of `content` (which `md5` has passed). */
  #behind: string | undefined;
  /** The server's stored type (`json`, `yaml`, …) when it says. */
  type: string | undefined;
  readonly #records: ListenerRecord[] = [];
  /** The tail of the reads in progress (see {@link sync}). */
  #syncs: Promise<unknown> = Promise.resolve();

  constructor(
    readonly key: ConfigKey,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.#records.length;
  }

  /**
   * Adds a listener; adding the same function twice is a no-op (returns false). When the config has been
   * read already, the listener gets the current content at once (with `emitInitial`) or remembers its md5.
   */
  add(listener: ConfigListener, emitInitial: boolean): boolean {
    if (this.#records.some((r) => r.listener === listener)) return false;
    const { tenant, dataId, group } = this.key;
    const mailbox = new Mailbox<{ content: string; change: ConfigChangeInfo }>(
      ({ content, change }) => listener(tenant, dataId, group, content, change),
      (error) => this.log.error(`a listener of ${group}/${dataId} threw; other listeners are unaffected`, error),
    );
    const record: ListenerRecord = { listener, lastMd5: undefined, emitInitial, mailbox };
    this.#records.push(record);
    const md5 = this.#behind ?? this.md5;
    if (md5 !== undefined) this.#deliver(record, this.content, md5);
    return true;
  }

  remove(listener: ConfigListener): boolean {
    const index = this.#records.findIndex((r) => r.listener === listener);
    if (index < 0) return false;
    this.#records.splice(index, 1);
    return true;
  }

  /**
   * Reads the config with `read` and records the answer, one read at a time. Reads of one key can finish in any
   * order on the wire; serialised, a read that started earlier never overwrites what a later one found, so a
   * listener never gets an older value after a newer one. Resolves whether the md5 changed.
   */
  sync(read: () => Promise<{ content: string; md5: string; type: string | undefined; refused?: Error }>, first?: boolean): Promise<boolean> {
    const run = this.#syncs.then(async () => {
      const answer = await read();
      if (answer.refused) {
        // Content a config filter will not let through (a wrong key): no listener is told, and this md5 counts as
        // seen, so polls do not come back for it; the next change is delivered. addListener's first read throws it.
        if (first) throw answer.refused;
        this.#behind ??= this.md5 ?? '';
        this.md5 = answer.md5;
        this.log.error(`listeners not told: ${answer.refused.message}`);
        return false;
      }
      const changed = answer.md5 !== this.md5;
      this.update(answer.content, answer.md5, answer.type);
      return changed;
    });
    this.#syncs = run.catch(() => undefined);
    return run;
  }

  /** Records server state and hands it to every listener that has not seen this md5 yet. */
  update(content: string, md5: string, type?: string): void {
    this.md5 = md5;
    this.#behind = undefined;
    this.content = content;
    this.type = type;
    for (const record of this.#records) this.#deliver(record, content, md5);
  }

  #deliver(record: ListenerRecord, content: string, md5: string): void {
    if (record.lastMd5 === md5) return;
    // The first sight of a config is delivered only with emitInitial, and an absent config is no news.
    if (record.lastMd5 === undefined && (md5 === '' || !record.emitInitial)) {
      record.lastMd5 = md5;
      return;
    }
    record.lastMd5 = md5;
    record.mailbox.post({ content, change: { md5, type: this.type } });
  }
}

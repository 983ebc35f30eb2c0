import type { ClientConfig } from '../client-config.js';
import { messageOf, NacosValidationError } from '../errors.js';
import { configMd5 } from '../util/md5.js';
import { OwnWrites } from '../util/own-writes.js';
import { parseOrThrow } from '../validation.js';
import { NacosConfigWatcher } from './config-watcher.js';
import { runFilters } from './filter.js';
import type { ConfigKey } from './model.js';
import { deleteConfig, publishSchema, removeSchema, writeConfig, type PublishConfigParams, type RemoveConfigParams } from './write.js';

export type { PublishConfigParams, RemoveConfigParams } from './write.js';

/**
 * Config service: read, publish, remove and listen to configs on any Nacos generation over HTTP — the seed SDK's
 * `NacosConfigService`. Apps that only read ({@link NacosConfigReader}) or read and listen
 * ({@link NacosConfigWatcher}, which this class extends) ship less with those. Create it with
 * {@link NacosConfigService.createConfigService}; nothing runs until you call it.
 */
export class NacosConfigService extends NacosConfigWatcher {
  /** Reads of own writes for listeners, running under the client's lifetime; shutdown waits for them. */
  readonly #readBacks = new Set<Promise<void>>();

  private constructor(config: ClientConfig) {
    super(config, new OwnWrites(config.readYourWritesMs));
  }

  /** Creates a config service. Sends nothing; the first request happens on the first call. */
  static async createConfigService(config: ClientConfig): Promise<NacosConfigService> {
    return new NacosConfigService(config);
  }

  /**
   * Creates or overwrites a config. With `casMd5`, only when the server's md5 still matches
   * (a lost race throws `CAS_CONFLICT`).
   *
   * @returns true
   */
  async publishConfig(params: PublishConfigParams): Promise<true> {
    const p = parseOrThrow(publishSchema, params, 'publishConfig');
    this.assertOpen();
    const key = this.key(p.dataId, p.group);
    const filters = this.clientConfig.configFilters;
    if (p.kmsKeyId !== undefined && !filters?.length) throw new NacosValidationError([{ path: 'kmsKeyId', message: 'needs an encryption filter (configFilters)' }], 'publishConfig');
    // What leaves is what the filters made of it (ciphertext and its data key, for a `cipher-` dataId).
    const sent = filters ? { ...p, ...(await runFilters(filters, 'publish', key, { content: p.content, encryptedDataKey: p.encryptedDataKey }, p.signal, p.kmsKeyId)) } : p;
    const { generation } = await this.transport.preferredGeneration(p.signal);
    await writeConfig(this.transport, generation, key, sent, p.signal);
    // A tagged (gray) or beta publish leaves the main content as it was.
    if (p.tag === undefined && p.betaIps === undefined) {
      this.reads.expectWrite(key, configMd5(sent.content));
      this.#deliverOwnWrite(key);
    }
    return true;
  }

  /** Deletes a config; deleting an absent config succeeds. */
  async removeConfig(params: RemoveConfigParams): Promise<true> {
    const p = parseOrThrow(removeSchema, params, 'removeConfig');
    this.assertOpen();
    const key = this.key(p.dataId, p.group);
    const { generation } = await this.transport.preferredGeneration(p.signal);
    await deleteConfig(this.transport, generation, key, { signal: p.signal, tag: p.tag });
    if (p.tag === undefined) {
      this.reads.expectWrite(key, '');
      this.#deliverOwnWrite(key);
    }
    return true;
  }


  /**
   * Brings this client's own write of a watched config to its listeners as soon as the servers show it, instead
   * of at the server's notification: 2.x can miss a change that lands in the few ms in which it registers a new
   * long poll (the listener then hears of it up to 30 s late), and md5 polling finds it only at its next round.
   * Runs under the client's lifetime, not the caller's; only with background sync (Workers tick instead).
   */
  #deliverOwnWrite(key: ConfigKey): void {
    const entry = this.sync.watched(key);
    if (!entry || !this.clientConfig.backgroundSync || this.closed) return;
    const scope = this.transport.scope();
    const done = entry
      .sync(() => this.reads.fromServer(key, scope.signal))
      .then(
        () => undefined,
        (error: unknown) => {
          if (!scope.signal.aborted) this.log.debug(`reading back our write of ${key.group}/${key.dataId} failed; the listener loop will bring it (${messageOf(error)})`);
        },
      )
      .finally(() => {
        scope.release();
        this.#readBacks.delete(done);
      });
    this.#readBacks.add(done);
  }

  /** Stops every loop, in-flight request and read-back; resolves once they have ended. */
  override async shutdown(): Promise<void> {
    if (this.closed) return;
    await super.shutdown();
    await Promise.allSettled(this.#readBacks);
  }
}

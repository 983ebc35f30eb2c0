// The config filter chain (the Java SDK's IConfigFilter, in our style): filters see every publish before it leaves
// and every read before the caller or a listener gets it. Encryption (`nacos-edge/encryption`, `nacos-edge/kms`) is
// one filter; an app can add its own, e.g. to verify a signature.
import { isNacosError, messageOf, NacosError } from '../errors.js';
import { describeKey, type ConfigKey } from './model.js';

/** A config as a filter sees it: on its way to the servers (publish) or from them (read, listener delivery). */
export interface FilteredConfig {
  readonly dataId: string;
  readonly group: string;
  /** The namespace id; `''` is the public namespace. */
  readonly namespace: string;
  readonly content: string;
  /** The data key stored beside encrypted content (Nacos's `encryptedDataKey`), when there is one. */
  readonly encryptedDataKey: string | undefined;
  /** Publish only: the KMS key the caller asked for (`kmsKeyId` of `publishConfig`). */
  readonly kmsKeyId?: string | undefined;
}

/** What a filter hands on: the content, and the data key when it sets one (left out: the one it was given). */
export interface FilterResult {
  content: string;
  encryptedDataKey?: string | undefined;
}

/**
 * A config filter, registered with `ClientConfigBuilder.configFilters(…)`. Publishes run the filters in the order
 * given, reads in the reverse order (the last filter to touch a publish is the first to see it read back).
 *
 * A filter that throws stops the call: a publish is not sent; a read throws to `getConfig`, and a listener is not
 * told of content no filter lets through. Throw a {@link NacosError} to choose the code (`INVALID_CONTENT` for content
 * that must not be delivered, such as a wrong key; `UNAVAILABLE`, `NETWORK` or `AUTH` when a service the filter needs
 * failed, so listeners try again); any other error becomes `INVALID_CONTENT`.
 */
export interface ConfigFilter {
  /** Named in errors and logs. */
  readonly name: string;
  publish?(config: FilteredConfig, signal: AbortSignal | undefined): FilterResult | Promise<FilterResult>;
  read?(config: FilteredConfig, signal: AbortSignal | undefined): FilterResult | Promise<FilterResult>;
}

/** Runs `stage` of every filter over a config; errors come out as NacosErrors naming the filter. */
export async function runFilters(
  filters: readonly ConfigFilter[],
  stage: 'publish' | 'read',
  key: ConfigKey,
  result: FilterResult,
  signal: AbortSignal | undefined,
  kmsKeyId?: string,
): Promise<FilterResult> {
  for (const filter of stage === 'read' ? [...filters].reverse() : filters) {
    try {
      result = { ...result, ...(await filter[stage]?.({ dataId: key.dataId, group: key.group, namespace: key.tenant, encryptedDataKey: undefined, ...result, kmsKeyId }, signal)) };
    } catch (error) {
      throw isNacosError(error) ? error : new NacosError('INVALID_CONTENT', `${stage} ${describeKey(key)}: ${filter.name}: ${messageOf(error)}`, { cause: error });
    }
  }
  return result;
}

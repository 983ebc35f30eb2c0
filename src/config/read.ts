// Reading one config from the servers: the v1 read, the 3.2+ read (read-v3.ts) where the server has no v1 API, and
// finding out which one a server speaks from the read itself.
import { NacosUnavailableError } from '../errors.js';
import { errorForStatus, notNacos, type ApiGeneration, type NacosResponse } from '../transport/classify.js';
import type { Transport } from '../transport/http.js';
import { sleep } from '../util/time.js';
import { describeKey, NOT_FOUND, V1_READ_RETRY, tenantParam, type CallOptions, type ConfigKey, type ConfigRead } from './model.js';
import { v3Read } from './read-v3.js';

/** Reads one config through the generation's read API. */
export function readConfig(transport: Transport, generation: ApiGeneration, key: ConfigKey, options: CallOptions = {}): Promise<ConfigRead> {
  return pastDumps(async () => {
    if (generation === 'v1') return v1Answer(await v1Read(transport, key, options), key);
    return v3Read(transport, key, options);
  }, options.signal);
}

/**
 * A 409 means the server is writing this config to its cache right now (a publish is landing: 2.5.1 answers
 * "requested file is being modified, please try later"). When every server said so, the read is asked again
 * after a short pause (50, 100, 200, 400 ms) instead of failing or falling back to an older snapshot.
 */
async function pastDumps<T>(read: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const dumping = error instanceof NacosUnavailableError && error.causes.length > 0 && error.causes.every((c) => c.status === 409);
      if (!dumping || attempt >= 4) throw error;
      await sleep(50 * 2 ** attempt, signal);
    }
  }
}

/**
 * Reads one config when the preferred server's generation is not known yet: the v1 read itself tells
 * (see generationFromV1Answer), and a server without v1 is asked again on the v3 path. One round trip on
 * v1 servers instead of a probe plus a read.
 */
export function readConfigDiscovering(transport: Transport, key: ConfigKey, options: CallOptions = {}): Promise<ConfigRead> {
  return pastDumps(async () => {
    const res = await v1Read(transport, key, options);
    const generation = transport.learnGeneration(res);
    if (generation === 'v1') return v1Answer(res, key);
    if (generation === 'v3') return v3Read(transport, key, { ...options, server: res.server });
    // Not an answer any Nacos gives (another service on that port): never taken for the config's content.
    const what = `read config ${describeKey(key)}`;
    throw res.status === 200 || res.status === 404 ? notNacos(res, what) : errorForStatus(res, what);
  }, options.signal);
}

function v1Read(transport: Transport, key: ConfigKey, options: CallOptions): Promise<NacosResponse> {
  return transport.request({
    method: 'GET',
    path: '/v1/cs/configs',
    query: { dataId: key.dataId, group: key.group, tenant: tenantParam(key), tag: options.tag },
    sign: { kind: 'config', tenant: tenantParam(key), group: key.group },
    signal: options.signal,
    server: options.server,
    retryOn: V1_READ_RETRY,
  });
}

function v1Answer(res: NacosResponse, key: ConfigKey): ConfigRead {
  if (res.status === 404) return NOT_FOUND;
  if (res.status !== 200) throw errorForStatus(res, `read config ${describeKey(key)}`);
  return {
    found: true,
    content: res.body,
    // Present: an answer without it went to the next server (V1_READ_RETRY).
    md5: res.headers.get('Content-MD5') ?? '',
    type: res.headers.get('Config-Type') ?? undefined,
    encryptedDataKey: res.headers.get('Encrypted-Data-Key') ?? undefined,
  };
}


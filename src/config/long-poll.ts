// HTTP long polling (`POST /v1/cs/configs/listener`), how 1.x–3.1 servers tell a client that configs changed.
import { errorForStatus } from '../transport/classify.js';
import type { Transport } from '../transport/http.js';
import type { ServerAddress } from '../transport/servers.js';
import type { ConfigKey } from './model.js';

const LINE = '\x01';
const WORD = '\x02';

/** The `Listening-Configs` value: `dataId^2group^2md5[^2tenant]^1` per key. */
export function encodeListeningConfigs(entries: readonly { key: ConfigKey; md5: string }[]): string {
  let out = '';
  for (const { key, md5 } of entries) {
    out += key.dataId + WORD + key.group + WORD + md5 + (key.tenant ? WORD + key.tenant : '') + LINE;
  }
  return out;
}

/** Parses a long-poll answer: form-encoded `dataId^2group[^2tenant]^1` lines. */
export function decodeListenerResponse(body: string, defaultTenant: string): ConfigKey[] {
  const text = body.trim();
  if (text === '') return [];
  let decoded: string;
  try {
    decoded = decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    decoded = text;
  }
  const keys: ConfigKey[] = [];
  for (const line of decoded.split(LINE)) {
    if (line === '') continue;
    const [dataId, group, tenant] = line.split(WORD);
    if (dataId === undefined || group === undefined) continue;
    // 3.x echoes `public` when a client sent it; we never send it, but map it back anyway.
    keys.push({ dataId, group, tenant: tenant === undefined || tenant === 'public' ? defaultTenant : tenant });
  }
  return keys;
}

/**
 * One v1 long poll (`POST /v1/cs/configs/listener`): resolves with the keys whose server md5 differs
 * from the md5 sent, at once when something already differs, otherwise when one changes or the hold ends.
 */
export async function longPoll(
  transport: Transport,
  entries: readonly { key: ConfigKey; md5: string }[],
  options: { tenant: string; holdMs: number; noHangup?: boolean; signal?: AbortSignal | undefined; server?: ServerAddress | undefined },
): Promise<ConfigKey[]> {
  const headers: Record<string, string> = { 'Long-Pulling-Timeout': String(options.holdMs) };
  if (options.noHangup) headers['Long-Pulling-Timeout-No-Hangup'] = 'true';
  const res = await transport.request({
    method: 'POST',
    path: '/v1/cs/configs/listener',
    form: { 'Listening-Configs': encodeListeningConfigs(entries), tenant: options.tenant || undefined },
    headers,
    // The server holds the request for holdMs - 500 ms; wait 10 s longer than that before giving up.
    timeoutMs: options.holdMs + 10_000,
    sign: { kind: 'config', tenant: options.tenant || undefined },
    signal: options.signal,
    server: options.server,
  });
  if (res.status === 200 || res.status === 204) return decodeListenerResponse(res.body, options.tenant);
  throw errorForStatus(res, 'config long poll');
}


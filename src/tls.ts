/**
 * `nacos-edge/tls`: a `fetch` that trusts a private CA and presents a client certificate — the seed's `tls_config` —
 * on the runtimes that let a script choose: Node (an undici `Agent`), Deno (`Deno.createHttpClient`) and Bun
 * (`fetch`'s `tls` option). Verification is always on: there is no option to turn it off.
 *
 * Workers and browsers use the platform's TLS: public CAs only, and no client certificate from a script (a Worker
 * presents one through an `mtls_certificates` binding: `.fetch((input, init) => env.CERT.fetch(input, init))`).
 *
 * @example
 * import { tlsFetch } from 'nacos-edge/tls';
 * const fetch = tlsFetch({ ca: readFileSync('ca.pem', 'utf8'), cert: readFileSync('client.pem', 'utf8'), key: readFileSync('client-key.pem', 'utf8') });
 * new ClientConfigBuilder().serverAddress('https://nacos.internal:8848').fetch(fetch).build();
 *
 * @module
 */
import type { FetchLike } from './client-config.js';
import { NacosError, NacosValidationError, type ValidationIssue } from './errors.js';

/** PEM text. */
type Pem = string;

/** What {@link tlsFetch} takes: PEM text, as read from the files (`ca_file`, `cert_file`, `key_file` in the seed). */
export interface TlsOptions {
  /**
   * The CA certificates to verify the servers with. On Node and Bun they replace the system's roots for these
   * requests (as Python's `ca_file` does); on Deno they are added to them. Omitted: the system's roots.
   */
  ca?: Pem | readonly Pem[] | undefined;
  /** The client certificate (chain) to present, for servers that check one. Goes with `key`. */
  cert?: Pem | undefined;
  /** The client certificate's private key (unencrypted PEM). Goes with `cert`. */
  key?: Pem | undefined;
}

/** A fetch made by {@link tlsFetch}; `close()` lets go of its connections (Node, Deno). */
export type TlsFetch = FetchLike & { close(): Promise<void> };

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/;
const KNOWN = new Set(['ca', 'cert', 'key']);

function check(options: TlsOptions): { ca: string[] | undefined; cert: string | undefined; key: string | undefined } {
  const issues: ValidationIssue[] = [];
  if (typeof options !== 'object' || options === null) throw new NacosValidationError([{ path: '', message: 'must be an object ({ ca, cert, key })' }], 'tlsFetch');
  // Unknown keys are refused: a rejectUnauthorized: false (or a typo) must not pass unseen.
  for (const name of Object.keys(options)) if (!KNOWN.has(name)) issues.push({ path: name, message: name === 'rejectUnauthorized' ? 'verification cannot be turned off' : 'unknown option (ca, cert, key)' });
  const ca = options.ca === undefined ? undefined : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
  ca?.forEach((pem, i) => {
    if (typeof pem !== 'string' || !PEM.test(pem)) issues.push({ path: typeof options.ca === 'string' ? 'ca' : `ca.${i}`, message: 'must be PEM text (-----BEGIN CERTIFICATE-----…)' });
  });
  for (const name of ['cert', 'key'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || !PEM.test(value))) issues.push({ path: name, message: 'must be PEM text (the file’s content, not its path)' });
  }
  if ((options.cert === undefined) !== (options.key === undefined)) issues.push({ path: options.cert === undefined ? 'cert' : 'key', message: 'cert and key go together' });
  if (issues.length > 0) throw new NacosValidationError(issues, 'tlsFetch');
  return { ca, cert: options.cert, key: options.key };
}

const UNDICI = 'undici';

/** The part of undici this module uses. */
interface Undici {
  Agent: new (options: { connect: { ca?: string[]; cert?: string; key?: string } }) => { close(): Promise<void> };
  fetch(input: string, init: RequestInit & { dispatcher: unknown }): Promise<Response>;
}

interface DenoLike {
  createHttpClient(options: { caCerts?: string[]; cert?: string; key?: string }): { close(): void };
}

/**
 * A `fetch` for {@link ClientConfigBuilder.fetch} with a private CA and/or a client certificate. Options are checked
 * here (typed errors before any request); nothing connects until the first request.
 *
 * @throws NacosValidationError for options that are not PEM, a `cert` without `key`, or any other option.
 */
export function tlsFetch(options: TlsOptions): TlsFetch {
  const tls = check(options);
  const g = globalThis as { Deno?: DenoLike; Bun?: unknown; process?: { versions?: { node?: string } } };
  if (g.Deno) {
    let client: { close(): void } | undefined;
    const denoFetch = (input: Request | string | URL, init?: RequestInit) => {
      client ??= (g.Deno as DenoLike).createHttpClient({ ...(tls.ca ? { caCerts: tls.ca } : {}), ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}) });
      return fetch(input, { ...init, client } as RequestInit);
    };
    return Object.assign(denoFetch, {
      close: async () => {
        client?.close();
        client = undefined;
      },
    });
  }
  if (g.Bun) {
    const bunTls = { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) };
    const bunFetch = (input: Request | string | URL, init?: RequestInit) => fetch(input, { ...init, tls: bunTls } as RequestInit);
    return Object.assign(bunFetch, { close: async () => undefined });
  }
  if (g.process?.versions?.node) {
    // undici's own fetch with its own Agent: Node's global fetch embeds another undici, whose dispatcher API differs.
    let undici: Promise<{ fetch: FetchLike; agent: { close(): Promise<void> } }> | undefined;
    const load = () =>
      // Named through a variable: bundlers for other runtimes and JSR leave the import alone; Node finds the dependency.
      (undici ??= (import(UNDICI) as Promise<Undici>).catch((cause: unknown) => {
        undici = undefined;
        throw new NacosError('UNSUPPORTED', 'tlsFetch on Node needs the undici package (a dependency of nacos-edge): it could not be loaded', { cause });
      }).then(({ Agent, fetch: undiciFetch }) => {
        const agent = new Agent({ connect: { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}) } });
        return { agent, fetch: (input, init) => undiciFetch(String(input), { ...init, dispatcher: agent }) };
      }));
    const nodeFetch = async (input: Request | string | URL, init?: RequestInit) => {
      // A Request of this realm is not one of undici's: hand over its parts.
      if (input instanceof Request) return (await load()).fetch(input.url, { method: input.method, headers: input.headers, body: input.body, signal: input.signal, duplex: 'half', ...init } as RequestInit);
      return (await load()).fetch(input, init);
    };
    return Object.assign(nodeFetch, {
      close: async () => {
        const loaded = undici;
        undici = undefined;
        await (await loaded?.catch(() => undefined))?.agent.close();
      },
    });
  }
  throw new NacosError('UNSUPPORTED', 'tlsFetch: this runtime uses the platform’s TLS (Workers, browsers): no private CA or client certificate from a script; see nacos-edge/tls');
}

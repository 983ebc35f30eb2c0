// Alibaba Cloud's ACS3-HMAC-SHA256 request signature, as the KMS SDKs (and so nacos-sdk-python v2) sign: a canonical
// request of method, path, sorted query, signed headers and the body's hash; its SHA-256 under "ACS3-HMAC-SHA256";
// the HMAC-SHA256 of that with the secret. Through WebCrypto.
import { toHex } from '../util/bytes.js';

const encoder = new TextEncoder();

/** RFC 3986 percent-encoding (what `quote(v, safe='~')` gives): only letters, digits and `-_.~` stay as they are. */
export const percentEncode = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

/** The query in canonical form: keys sorted, keys and values percent-encoded. */
export function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(query[k] as string)}`)
    .join('&');
}

/** What a request is signed over. Every header given is signed (lower-cased names). */
export interface SignedRequest {
  method: string;
  path: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body (also sent as `x-acs-content-sha256`). */
  bodyHash: string;
}

/** The `Authorization` header value of `request` for access key `accessKeyId`. */
export async function acs3Authorization(request: SignedRequest, accessKeyId: string, accessKeySecret: string): Promise<string> {
  const names = Object.keys(request.headers)
    .map((n) => n.toLowerCase())
    .sort();
  const value = (name: string) => Object.entries(request.headers).find(([n]) => n.toLowerCase() === name)?.[1].trim() ?? '';
  const canonicalHeaders = names.map((n) => `${n}:${value(n)}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [request.method, request.path, canonicalQuery(request.query), canonicalHeaders, signedHeaders, request.bodyHash].join('\n');
  const toSign = `ACS3-HMAC-SHA256\n${await sha256Hex(canonical)}`;
  const key = await crypto.subtle.importKey('raw', encoder.encode(accessKeySecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = toHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(toSign))));
  return `ACS3-HMAC-SHA256 Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

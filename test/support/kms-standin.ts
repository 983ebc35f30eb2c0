// A local stand-in of the Aliyun KMS HTTP API (2016-01-20: GenerateDataKey, Encrypt, Decrypt), for tests: no KMS is
// reachable from here. It checks every request's ACS3-HMAC-SHA256 signature with its own implementation (node:crypto,
// not the client's), the date and the nonce, and answers in KMS's JSON shapes and error codes, as captured from
// nacos-sdk-python v2's KMS client (alibabacloud_kms20160120 3.3.1). Blobs are sealed with AES-256-GCM under a master
// key per KeyId, so a blob opens only here, only for its key.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KmsCall {
  action: string;
  /** The parameters, from the query (as the SDKs send them) and the form body (as nacos-edge does). */
  params: Record<string, string>;
  /** Whether any came in the URL's query. */
  inQuery: boolean;
  /** Who signed it: `nacos-edge` or the Python SDK's user agent. */
  userAgent: string;
}

const encode = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Starts the stand-in on a free loopback port. `keys` are the KeyIds it has (default the seed's `alias/acs/mse`). */
export async function startKmsStandin(options: { accessKey?: string; secretKey?: string; keys?: string[] } = {}) {
  const accessKey = options.accessKey ?? 'standin-ak';
  const secretKey = options.secretKey ?? 'standin-sk-0123456789';
  const masters = new Map((options.keys ?? ['alias/acs/mse']).map((id) => [id, randomBytes(32)]));
  const calls: KmsCall[] = [];
  const refused: string[] = [];
  const nonces = new Set<string>();

  const seal = (keyId: string, plaintext: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', masters.get(keyId) as Buffer, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return Buffer.from(JSON.stringify({ k: keyId, iv: iv.toString('base64'), c: sealed.toString('base64') })).toString('base64');
  };
  const open = (blob: string): { keyId: string; plaintext: string } | undefined => {
    try {
      const { k, iv, c } = JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as { k: string; iv: string; c: string };
      const master = masters.get(k);
      if (!master) return undefined;
      const bytes = Buffer.from(c, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', master, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(bytes.subarray(-16));
      return { keyId: k, plaintext: Buffer.concat([decipher.update(bytes.subarray(0, -16)), decipher.final()]).toString('utf8') };
    } catch {
      return undefined;
    }
  };

  /** Why the request's signature does not hold, or undefined when it does. */
  const checkSignature = (req: IncomingMessage, query: Record<string, string>, body: Buffer): string | undefined => {
    const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
    if (!auth) return 'IncompleteSignature';
    const [, ak, signedHeaders, signature] = auth as unknown as [string, string, string, string];
    if (ak !== accessKey) return 'InvalidAccessKeyId.NotFound';
    const names = signedHeaders.split(';');
    for (const required of ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) if (!names.includes(required)) return 'IncompleteSignature';
    const canonicalQuery = Object.keys(query).sort().map((k) => `${encode(k)}=${encode(query[k] as string)}`).join('&');
    const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim()}\n`).join('');
    const canonical = `${req.method}\n${new URL(req.url ?? '/', 'http://x').pathname}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${req.headers['x-acs-content-sha256']}`;
    const expected = createHmac('sha256', secretKey).update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`).digest('hex');
    if (expected !== signature) return 'SignatureDoesNotMatch';
    // The body is signed through its hash: it must be the one that arrived.
    if (req.headers['x-acs-content-sha256'] !== sha256(body)) return 'SignatureDoesNotMatch';
    const date = Date.parse(String(req.headers['x-acs-date']));
    if (!(Math.abs(Date.now() - date) < 15 * 60_000)) return 'InvalidTimeStamp.Expired';
    const nonce = String(req.headers['x-acs-signature-nonce']);
    if (nonces.has(nonce)) return 'SignatureNonceUsed';
    nonces.add(nonce);
    return undefined;
  };

  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify({ RequestId: randomUUID(), ...body }));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : {};
      const params = { ...query, ...form };
      const action = String(req.headers['x-acs-action'] ?? '');
      const problem = checkSignature(req, query, body);
      if (problem) {
        refused.push(problem);
        return answer(res, problem.startsWith('InvalidAccessKeyId') ? 404 : 400, { Code: problem, Message: `Specified signature is not matched with our calculation (${problem}).` });
      }
      if (req.headers['x-acs-version'] !== '2016-01-20') return answer(res, 400, { Code: 'InvalidVersion', Message: 'Specified parameter Version is not valid.' });
      calls.push({ action, params, inQuery: Object.keys(query).length > 0, userAgent: String(req.headers['user-agent'] ?? '') });
      const keyId = params['KeyId'] ?? '';
      if (action === 'GenerateDataKey' || action === 'Encrypt') {
        if (!masters.has(keyId)) return answer(res, 404, { Code: 'Forbidden.KeyNotFound', Message: `The specified Key ${keyId} is not found.` });
      }
      if (action === 'GenerateDataKey') {
        const bytes = params['KeySpec'] === 'AES_256' ? 32 : params['KeySpec'] === 'AES_128' ? 16 : 0;
        if (!bytes) return answer(res, 400, { Code: 'InvalidParameter', Message: 'The specified parameter KeySpec is not valid.' });
        const plaintext = randomBytes(bytes).toString('base64');
        return answer(res, 200, { KeyId: keyId, KeyVersionId: `${keyId}-v1`, Plaintext: plaintext, CiphertextBlob: seal(keyId, plaintext) });
      }
      if (action === 'Encrypt') {
        const plaintext = params['Plaintext'] ?? '';
        if (Buffer.byteLength(plaintext) > 6144) return answer(res, 400, { Code: 'Rejected.ValueLimitExceeded', Message: 'Plaintext is larger than 6 KB.' });
        return answer(res, 200, { KeyId: keyId, KeyVersionId: `${keyId}-v1`, CiphertextBlob: seal(keyId, plaintext) });
      }
      if (action === 'Decrypt') {
        const opened = open(params['CiphertextBlob'] ?? '');
        if (!opened) return answer(res, 400, { Code: 'InvalidCiphertext', Message: 'The specified parameter CiphertextBlob is not valid.' });
        return answer(res, 200, { KeyId: opened.keyId, KeyVersionId: `${opened.keyId}-v1`, Plaintext: opened.plaintext });
      }
      return answer(res, 400, { Code: 'InvalidAction.NotFound', Message: `Specified api ${action} is not found.` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    accessKey,
    secretKey,
    calls,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

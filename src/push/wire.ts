// The bytes of the Nacos gRPC protocol, without a protobuf library: its whole schema is three small messages.
//
//   message Metadata { string type = 3; string clientIp = 8; map<string, string> headers = 7; }
//   message Payload  { Metadata metadata = 2; google.protobuf.Any body = 3; }
//   message Any      { string type_url = 1; bytes value = 2; }      // value: the request or response as UTF-8 JSON
//
// and gRPC's framing of messages on an HTTP/2 stream: a flag byte (0: a message; gRPC-web's 0x80: trailers), the
// length as a big-endian uint32, then the bytes. Only proto3 wire types 0 (varint) and 2 (length-delimited) occur.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One Nacos message: its type (the Java class's simple name), headers and JSON body. */
export interface NacosPayload {
  type: string;
  headers: Record<string, string>;
  /** The request or response object (JSON-encoded on the wire). */
  body: Record<string, unknown>;
  clientIp?: string;
}

/** Grows a byte buffer by appending. */
class Writer {
  #bytes = new Uint8Array(256);
  #length = 0;

  #room(n: number): void {
    if (this.#length + n <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + n));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  varint(value: number): this {
    this.#room(10);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.#bytes[this.#length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#bytes[this.#length++] = v;
    return this;
  }

  /** A length-delimited field (wire type 2). */
  field(fieldNumber: number, bytes: Uint8Array): this {
    this.varint((fieldNumber << 3) | 2).varint(bytes.length);
    this.#room(bytes.length);
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
    return this;
  }

  string(fieldNumber: number, text: string): this {
    return text === '' ? this : this.field(fieldNumber, encoder.encode(text));
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/** Reads the fields of one message: each field number with its varint or its bytes. */
export function* fields(bytes: Uint8Array): Generator<{ field: number; varint?: number; bytes?: Uint8Array }> {
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length) throw new RangeError('truncated protobuf varint');
      const b = bytes[at++]!;
      // Lengths and field numbers fit in 32 bits; bits past them (a negative int's sign extension) are dropped.
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) return result >>> 0;
      if (shift > 63) throw new RangeError('protobuf varint longer than 10 bytes');
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, varint: varint() };
    else if (wire === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new RangeError('truncated protobuf field');
      yield { field, bytes: bytes.subarray(at, at + length) };
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new RangeError(`unsupported protobuf wire type ${wire}`);
  }
}

/** The protobuf bytes of a Nacos `Payload`. */
export function encodePayload(payload: NacosPayload): Uint8Array {
  const metadata = new Writer().string(3, payload.type);
  for (const [key, value] of Object.entries(payload.headers)) metadata.field(7, new Writer().string(1, key).string(2, value).finish());
  if (payload.clientIp) metadata.string(8, payload.clientIp);
  const any = new Writer().field(2, encoder.encode(JSON.stringify(payload.body)));
  return new Writer().field(2, metadata.finish()).field(3, any.finish()).finish();
}

/** A Nacos `Payload` from its protobuf bytes. Throws a RangeError or SyntaxError on bytes that are not one. */
export function decodePayload(bytes: Uint8Array): NacosPayload {
  let type = '';
  let clientIp: string | undefined;
  // Entries, not assignments: a header named __proto__ is a header like any other.
  const headers: [string, string][] = [];
  let body: Record<string, unknown> = {};
  for (const f of fields(bytes)) {
    if (f.field === 2 && f.bytes) {
      for (const m of fields(f.bytes)) {
        if (m.field === 3 && m.bytes) type = decoder.decode(m.bytes);
        else if (m.field === 8 && m.bytes) clientIp = decoder.decode(m.bytes);
        else if (m.field === 7 && m.bytes) {
          let key = '';
          let value = '';
          for (const e of fields(m.bytes)) {
            if (e.field === 1 && e.bytes) key = decoder.decode(e.bytes);
            else if (e.field === 2 && e.bytes) value = decoder.decode(e.bytes);
          }
          headers.push([key, value]);
        }
      }
    } else if (f.field === 3 && f.bytes) {
      for (const a of fields(f.bytes)) {
        if (a.field === 2 && a.bytes) {
          const parsed: unknown = JSON.parse(decoder.decode(a.bytes));
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('a Nacos payload body is a JSON object');
          body = parsed as Record<string, unknown>;
        }
      }
    }
  }
  const payload: NacosPayload = { type, headers: Object.fromEntries(headers), body };
  if (clientIp !== undefined) payload.clientIp = clientIp;
  return payload;
}

/** A gRPC length-prefixed message (flag 0), or gRPC-web trailers (flag 0x80). */
export function frame(message: Uint8Array, flag = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(5 + message.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/** Splits a byte stream into gRPC frames as chunks arrive: feed it chunks, it hands out whole frames. */
export class FrameReader {
  #buffer = new Uint8Array(0);
  /** The largest message taken (the Nacos server's default limit is 10 MiB). */
  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  /** The whole frames that `chunk` completes, in order. */
  push(chunk: Uint8Array): { flag: number; message: Uint8Array }[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    const frames: { flag: number; message: Uint8Array }[] = [];
    let at = 0;
    while (joined.length - at >= 5) {
      const length = new DataView(joined.buffer, joined.byteOffset + at + 1, 4).getUint32(0);
      if (length > this.maxBytes) throw new RangeError(`a gRPC message of ${length} bytes is over the ${this.maxBytes}-byte limit`);
      if (joined.length - at - 5 < length) break;
      frames.push({ flag: joined[at]!, message: joined.slice(at + 5, at + 5 + length) });
      at += 5 + length;
    }
    this.#buffer = joined.slice(at);
    return frames;
  }

  /** Bytes received that do not make a whole frame yet. */
  get pending(): number {
    return this.#buffer.length;
  }
}

// MD5 (RFC 1321) of our own: Nacos compares configs by MD5, which WebCrypto does not offer, and
// @noble/hashes' MD5 costs ~2 kB gzip in a single-file Worker for a hash that never changes. This one is
// ~0.5 kB; test/unit/crypto.test.ts checks it against the RFC's test suite and against @noble/hashes.

/** The left-rotation amounts, four per round. */
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
/** RFC 1321's table: K[i] = floor(|sin(i + 1)| × 2³²); the runtime suites check the result on every engine. */
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

const encoder = new TextEncoder();

/** Lower-case hex MD5 of `bytes`. */
export function md5Hex(bytes: Uint8Array): string {
  const length = bytes.length;
  // The message, a 1 bit, zeros, and the bit length in the last two words: whole 64-byte blocks.
  const words = new Int32Array((((length + 8) >>> 6) + 1) * 16);
  for (let i = 0; i < length; i++) words[i >> 2]! |= bytes[i]! << ((i & 3) << 3);
  words[length >> 2]! |= 0x80 << ((length & 3) << 3);
  words[words.length - 2] = (length * 8) >>> 0;
  words[words.length - 1] = Math.floor(length / 0x20000000);
  // The state A, B, C, D, each block's result added word by word.
  let state = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];
  for (let block = 0; block < words.length; block += 16) {
    let [a, b, c, d] = state as [number, number, number, number];
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      const f = round === 0 ? (b & c) | (~b & d) : round === 1 ? (d & b) | (~d & c) : round === 2 ? b ^ c ^ d : c ^ (b | ~d);
      const g = round === 0 ? i : round === 1 ? (5 * i + 1) & 15 : round === 2 ? (3 * i + 5) & 15 : (7 * i) & 15;
      const x = (a + f + K[i]! + words[block + g]!) | 0;
      const s = SHIFTS[(round << 2) | (i & 3)]!;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    state = [a, b, c, d].map((v, k) => (v + state[k]!) | 0);
  }
  let hex = '';
  for (const word of state) for (let j = 0; j < 32; j += 8) hex += ((word >>> j) & 255).toString(16).padStart(2, '0');
  return hex;
}

/**
 * The config md5 Nacos compares: lower-case hex MD5 of the UTF-8 bytes. An absent config has md5 `''`
 * (the protocol's "null"), not the md5 of the empty string.
 */
export function configMd5(content: string | undefined | null): string {
  return content === undefined || content === null ? '' : md5Hex(encoder.encode(content));
}

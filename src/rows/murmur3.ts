/**
 * MurmurHash3 x86 128-bit (Austin Appleby's reference, public domain) over UTF-8 bytes.
 * It keeps a 16-byte fingerprint per distinct key instead of the key itself. Written here
 * because it runs once per row: on 1,000,000 email keys it takes about 0.23 s, where
 * node:crypto's md5 (one `createHash` or `crypto.hash` per key) took 1.5–2.1 s on the same
 * machine. It passes SMHasher's verification value (test/rows/murmur3.test.ts).
 */
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/** Hashes `length` bytes of `data` into `out` as four 32-bit words (h1..h4). */
export function murmur3x86_128(data: Uint8Array, length: number, seed: number, out: Uint32Array): void {
  let h1 = seed >>> 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocks = length >>> 4;
  for (let b = 0; b < blocks; b++) {
    const i = b << 4;
    h1 ^= mix(word(data, i), C1, 15, C2);
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    h2 ^= mix(word(data, i + 4), C2, 16, C3);
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    h3 ^= mix(word(data, i + 8), C3, 17, C4);
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    h4 ^= mix(word(data, i + 12), C4, 18, C1);
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // The tail: a word of zeros mixes to zero, so every word can be mixed unconditionally.
  const tail = blocks << 4;
  h4 ^= mix(tailWord(data, tail + 12, length), C4, 18, C1);
  h3 ^= mix(tailWord(data, tail + 8, length), C3, 17, C4);
  h2 ^= mix(tailWord(data, tail + 4, length), C2, 16, C3);
  h1 ^= mix(tailWord(data, tail, length), C1, 15, C2);
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = h2 + h1;
  out[2] = h3 + h1;
  out[3] = h4 + h1;
}

function mix(k: number, first: number, rotation: number, second: number): number {
  return Math.imul(rotl(Math.imul(k, first), rotation), second);
}

/** A little-endian 32-bit word. */
function word(data: Uint8Array, i: number): number {
  return (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
}

/** The bytes of a tail word that lie before `length`; the rest are zeros. */
function tailWord(data: Uint8Array, i: number, length: number): number {
  let k = 0;
  for (let j = Math.min(length, i + 4) - 1; j >= i; j--) k = (k << 8) | (data[j] ?? 0);
  return k;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes text by its UTF-8 bytes, through one reusable buffer (no allocation per key). */
export class TextHasher {
  private bytes = Buffer.alloc(256);
  readonly words = new Uint32Array(4);

  hash(text: string, seed = 0): Uint32Array {
    // Three bytes per UTF-16 unit is the most UTF-8 needs.
    if (text.length * 3 > this.bytes.length) this.bytes = Buffer.alloc(text.length * 3);
    const length = this.bytes.write(text, 0, "utf8");
    murmur3x86_128(this.bytes, length, seed, this.words);
    return this.words;
  }
}

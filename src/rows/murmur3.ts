/**
 * MurmurHash3 x86 128-bit over a string's UTF-16 code units (two per 32-bit block). Used
 * to keep a 16-byte fingerprint per distinct key instead of the key itself; 32-bit
 * arithmetic keeps it fast in JavaScript.
 */
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

export type Hash128 = [number, number, number, number];

export function murmur3x86_128(text: string, seed = 0): Hash128 {
  let h1 = seed >>> 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocks = text.length >> 3; // 16 bytes = 8 code units
  for (let b = 0; b < blocks; b++) {
    const i = b << 3;
    let k1 = word(text, i);
    let k2 = word(text, i + 2);
    let k3 = word(text, i + 4);
    let k4 = word(text, i + 6);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const tail = blocks << 3;
  const rest = text.length - tail;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  if (rest > 6) k4 = tailWord(text, tail + 6);
  if (rest > 4) k3 = tailWord(text, tail + 4);
  if (rest > 2) k2 = tailWord(text, tail + 2);
  if (rest > 0) k1 = tailWord(text, tail);
  h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  const length = text.length * 2;
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
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function word(text: string, i: number): number {
  return text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
}

function tailWord(text: string, i: number): number {
  return i + 1 < text.length ? word(text, i) : text.charCodeAt(i);
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

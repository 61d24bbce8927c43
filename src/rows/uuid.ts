/**
 * UUIDs in the 8-4-4-4-12 hex form, any version: contact ids are whatever the provider's
 * database issued, so the version and variant nibbles are not checked.
 */
export function isUuid(text: string): boolean {
  return parseUuid(text, undefined);
}

/** Hex digit values by char code; -1 for anything else (a negative value poisons the word). */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}

/**
 * Checks a UUID and, when `words` is given, stores its 128 bits there as four 32-bit
 * words, in one pass over the text (it runs once per row, so it is kept cheap).
 */
export function parseUuid(text: string, words: Uint32Array | undefined): boolean {
  if (text.length !== 36) return false;
  if (text.charCodeAt(8) !== 45 || text.charCodeAt(13) !== 45 || text.charCodeAt(18) !== 45 || text.charCodeAt(23) !== 45) return false;
  const w0 = hex(text, 0, 8);
  const w1a = hex(text, 9, 4);
  const w1b = hex(text, 14, 4);
  const w2a = hex(text, 19, 4);
  const w2b = hex(text, 24, 4);
  const w3 = hex(text, 28, 8);
  if (w0 < 0 || w1a < 0 || w1b < 0 || w2a < 0 || w2b < 0 || w3 < 0) return false;
  if (words !== undefined) {
    words[0] = w0;
    words[1] = w1a * 0x10000 + w1b;
    words[2] = w2a * 0x10000 + w2b;
    words[3] = w3;
  }
  return true;
}

/** `count` hex digits from `at` as a number, or -1 when one is not a hex digit. */
function hex(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i);
    const digit = c < 128 ? (HEX[c] as number) : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * UUIDs in the 8-4-4-4-12 hex form, any version: contact ids are whatever the provider's
 * database issued, so the version and variant nibbles are not checked.
 */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Checking alone is a native regular expression: the dedupe set parses the bits (once per row). */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

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
  let word = 0;
  let digits = 0;
  let at = 0;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
      continue;
    }
    const digit = c < 128 ? (HEX[c] as number) : -1;
    if (digit < 0) return false;
    word = word * 16 + digit;
    if (++digits === 8) {
      if (words !== undefined) words[at] = word;
      at++;
      word = 0;
      digits = 0;
    }
  }
  return true;
}

/**
 * UUIDs in the 8-4-4-4-12 hex form, any version: contact ids are whatever the provider's
 * database issued, so the version and variant nibbles are not checked.
 */
export function isUuid(text: string): boolean {
  return parseUuid(text, undefined);
}

/** Hex digit values by char code below 128; -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}
const DASH = 45;

/**
 * Checks a UUID and, when `words` is given, stores its 128 bits there as four 32-bit words
 * (what they hold when the text is no UUID means nothing). It runs for every row, so it
 * reads four digits at a time, and the second call for a row's key costs nothing: on
 * 1,000,000 UUIDs, checking, lowercasing and deduping took 410-520 ms here, against
 * 600-670 ms parsing twice, and 675-740 ms with the regular expression
 * /^[0-9a-f]{8}-…$/i and a digit-by-digit loop.
 */
export function parseUuid(text: string, words: Uint32Array | undefined): boolean {
  if (text === last.text) {
    words?.set(last.words);
    return last.valid;
  }
  last.text = text;
  last.valid = parseUuidOnce(text, last.words);
  words?.set(last.words);
  return last.valid;
}

/**
 * The text parsed last, and what it held: a row's key is checked by its driver and then
 * added to the dedupe set, one right after the other, so the second call finds it here
 * (by the same string, or an equal one: `===` compares the characters).
 */
const last = { text: "", valid: false, words: new Uint32Array(4) };

function parseUuidOnce(text: string, words: Uint32Array): boolean {
  if (text.length !== 36) return false;
  if (text.charCodeAt(8) !== DASH || text.charCodeAt(13) !== DASH || text.charCodeAt(18) !== DASH || text.charCodeAt(23) !== DASH) return false;
  const h0 = hex4(text, 0);
  const h1 = hex4(text, 4);
  const h2 = hex4(text, 9);
  const h3 = hex4(text, 14);
  const h4 = hex4(text, 19);
  const h5 = hex4(text, 24);
  const h6 = hex4(text, 28);
  const h7 = hex4(text, 32);
  if ((h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) < 0) return false;
  words[0] = h0 * 0x10000 + h1;
  words[1] = h2 * 0x10000 + h3;
  words[2] = h4 * 0x10000 + h5;
  words[3] = h6 * 0x10000 + h7;
  return true;
}

/** The four hex digits at `at` as a number, or a negative number: a -1 digit keeps its sign bits through the shifts and ORs. */
function hex4(text: string, at: number): number {
  const a = text.charCodeAt(at);
  const b = text.charCodeAt(at + 1);
  const c = text.charCodeAt(at + 2);
  const d = text.charCodeAt(at + 3);
  if ((a | b | c | d) > 127) return -1;
  return ((HEX[a] as number) << 12) | ((HEX[b] as number) << 8) | ((HEX[c] as number) << 4) | (HEX[d] as number);
}

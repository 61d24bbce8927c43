/**
 * UUIDs in the 8-4-4-4-12 hex form, any version: contact ids are whatever the provider's
 * database issued, so the version and variant nibbles are not checked.
 */
export function isUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (hexValue(c) < 0) return false;
  }
  return true;
}

/** The 32-bit word `index` (0–3) of a valid UUID's 128 bits. */
export function uuidWord(uuid: string, index: number): number {
  // Hex digit offsets of each word, skipping the dashes.
  const start = [0, 9, 19, 28][index] ?? 0;
  let word = 0;
  for (let i = start, digits = 0; digits < 8; i++) {
    const value = hexValue(uuid.charCodeAt(i));
    if (value < 0) continue;
    word = (word << 4) | value;
    digits++;
  }
  return word >>> 0;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 32;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

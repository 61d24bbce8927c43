/**
 * Byte chunks → text. Input files are UTF-8 (a leading BOM is dropped). Binary data is
 * refused rather than guessed at: a NUL byte or an invalid UTF-8 sequence stops the read
 * with the byte's position, so that the reader can name the line.
 */
export class TextDecodeError extends Error {
  override name = "TextDecodeError";
  constructor(
    readonly reason: "nul_byte" | "invalid_utf8",
    /** Line breaks in the current chunk before the offending byte. */
    readonly newlinesBefore: number,
  ) {
    super(undecodable(reason));
  }
}

/** What the input has that is not text, as refusals say it. */
export function undecodable(reason: "nul_byte" | "invalid_utf8"): string {
  return reason === "nul_byte" ? "a NUL byte (is this a binary file?)" : "bytes that are not valid UTF-8 text";
}

export async function* decodeText(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for await (const chunk of chunks) {
    const nul = chunk.indexOf(0);
    if (nul !== -1) throw new TextDecodeError("nul_byte", countNewlines(chunk, nul));
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new TextDecodeError("invalid_utf8", countNewlines(chunk, firstInvalidUtf8(chunk)));
    }
    if (text.length > 0) yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  } catch {
    throw new TextDecodeError("invalid_utf8", 0);
  }
}

/** Line feeds in `chunk` before `end`. */
export function countNewlines(chunk: Buffer, end: number): number {
  let count = 0;
  for (let i = chunk.indexOf(10); i !== -1 && i < end; i = chunk.indexOf(10, i + 1)) count++;
  return count;
}

/**
 * Offset of the first byte that cannot be part of valid UTF-8. Leading continuation bytes
 * may finish a sequence begun in the previous chunk, so up to three are let through.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < bytes.length && ((bytes[i] ?? 0) & 0xc0) === 0x80) i++;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return bytes.length; // a sequence cut by the chunk's end
      if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return bytes.length;
}

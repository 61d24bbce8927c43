import { isUtf8 } from "node:buffer";
import { CsvError, parse } from "csv-parse";
import { InputError } from "../errors.js";
import { firstInvalidUtf8, undecodable } from "./text.js";

export interface CsvReadOptions {
  delimiter: string;
  /** A record longer than this (in bytes) is refused: it bounds memory on hostile input. */
  maxRecordBytes: number;
  /** Physical line the records start on (2 after an Excel `sep=` line). */
  fromLine: number;
}

/**
 * CSV or TSV records, in groups (one per chunk of input), read by csv-parse: RFC 4180
 * quoting, `\n`, `\r\n` and `\r` line ends (mixed too), blank lines skipped, a stray quote
 * inside an unquoted field kept as it is, a record of another width than the first refused.
 * The bytes must be UTF-8 without NUL: binary data is refused, never guessed at. Every
 * refusal is an InputError naming the physical line, as csv-parse counts lines.
 */
export async function* csvGroups(name: string, chunks: AsyncIterable<Buffer>, options: CsvReadOptions): AsyncGenerator<string[][]> {
  const parser = parse({
    delimiter: options.delimiter,
    bom: true,
    skip_empty_lines: true,
    relax_quotes: true,
    record_delimiter: ["\r\n", "\n", "\r"],
    max_record_size: options.maxRecordBytes,
    from_line: options.fromLine,
  });
  let failure: unknown;
  parser.on("error", (error) => (failure ??= error));
  const take = (): string[][] => {
    const group: string[][] = [];
    for (let record = parser.read() as string[] | null; record !== null; record = parser.read() as string[] | null) group.push(record);
    if (failure !== undefined) throw csvFailure(name, failure, options.fromLine);
    return group;
  };
  const lines = new LineCounter();
  // A chunk may end inside a multi-byte character: those bytes wait for the next chunk.
  let carry: Buffer | undefined;
  for await (const raw of chunks) {
    const bytes = carry === undefined ? raw : Buffer.concat([carry, raw]);
    const complete = completeUtf8Length(bytes);
    carry = complete < bytes.length ? bytes.subarray(complete) : undefined;
    const text = bytes.subarray(0, complete);
    checkText(name, text, lines);
    lines.pass(text);
    parser.write(text);
    await settled();
    const group = take();
    if (group.length > 0) yield group;
  }
  if (carry !== undefined) checkText(name, carry, lines);
  parser.end();
  await settled();
  const last = take();
  if (last.length > 0) yield last;
}

/** csv-parse reports a refusal as a stream error, emitted on the next tick: let it arrive. */
function settled(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/** Refuses NUL bytes and invalid UTF-8, naming the line. */
function checkText(name: string, bytes: Buffer, lines: LineCounter): void {
  const nul = bytes.indexOf(0);
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (nul === -1 && bad === -1) return;
  const reason = nul !== -1 && (bad === -1 || nul < bad) ? "nul_byte" : "invalid_utf8";
  const line = lines.lineOf(bytes, reason === "nul_byte" ? nul : bad);
  throw new InputError(`${name}: line ${line}: the input has ${undecodable(reason)}`, reason, line);
}

/**
 * Physical lines of the bytes passed so far, ended by `\n`, `\r\n` or `\r` alone, as csv-parse
 * reads them. Counted here because csv-parse's own count leaves out a line end it holds
 * back at a chunk's end (it may be the start of `\r\n`). Two native searches per chunk:
 * 20-30 ms on 1,000,000 rows.
 */
class LineCounter {
  private ended = 0;
  private afterCr = false;

  pass(bytes: Buffer): void {
    this.ended += this.breaks(bytes, bytes.length);
    if (bytes.length > 0) this.afterCr = bytes[bytes.length - 1] === CR;
  }

  /** The line that the byte at `offset` of the next bytes is on. */
  lineOf(bytes: Buffer, offset: number): number {
    return 1 + this.ended + this.breaks(bytes, offset);
  }

  private breaks(bytes: Buffer, end: number): number {
    let count = 0;
    for (let i = bytes.indexOf(LF); i !== -1 && i < end; i = bytes.indexOf(LF, i + 1)) count++;
    for (let i = bytes.indexOf(CR); i !== -1 && i < end; i = bytes.indexOf(CR, i + 1)) if (bytes[i + 1] !== LF) count++;
    // A "\r\n" cut by a chunk's end was counted at its "\r".
    if (this.afterCr && end > 0 && bytes[0] === LF) count--;
    return count;
  }
}

const LF = 10;
const CR = 13;

/** The length of `bytes` without an incomplete UTF-8 sequence at its end. */
function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needs > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** csv-parse's codes as ours. */
const CODES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: "unclosed_quote",
  CSV_MAX_RECORD_SIZE: "record_too_large",
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: "ragged_record",
};

/** What csv-parse counted when it refused: lines read, and records and blank lines before the one it refused. */
type Counted = CsvError & { lines?: number; records?: number; empty_lines?: number };

/**
 * csv-parse's refusal as an InputError: its line, and its reason without the line it
 * repeats. A quote left open is only found where the file (or the 1 MiB a record may
 * take) ends, so the line named is where its record starts: `fromLine` plus the records
 * and blank lines before it, exact unless an earlier field spans lines.
 */
function csvFailure(name: string, error: unknown, fromLine: number): unknown {
  if (!(error instanceof CsvError)) return error;
  const counted = error as Counted;
  const code = CODES[error.code] ?? "bad_csv";
  if ((code === "unclosed_quote" || code === "record_too_large") && counted.records !== undefined) {
    const line = fromLine + counted.records + (counted.empty_lines ?? 0);
    const reason =
      code === "unclosed_quote"
        ? `a quote opened in the record starting on this line is never closed (the file ends inside it, at line ${counted.lines ?? "?"})`
        : "the record starting on this line is longer than 1 MiB (is a quote left open?)";
    return new InputError(`${name}: line ${line}: ${reason}`, code, line);
  }
  const line = counted.lines;
  const reason = error.message
    .replace(/^[^:]*: /, "")
    .replace(/ (on|at) line \d+$/, "")
    .replace(/^expect (\d+), got (\d+)$/, "expected $1 fields as in the first line, found $2");
  return new InputError(`${name}: ${line === undefined ? "" : `line ${line}: `}${reason}`, code, line);
}

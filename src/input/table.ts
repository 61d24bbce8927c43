import { InputError } from "../errors.js";
import { isObject } from "../rows/columns.js";
import { isReportHeader, isReportRecord, REPORT_COLUMNS } from "../report/columns.js";
import { unneutralise } from "../report/csv-line.js";
import { csvGroups } from "./csv.js";
import { csvGroupsInWorker } from "./csv-in-worker.js";
import { JsonArraySplitter } from "./json-array.js";
import { describeObjectDocument, objectNotAnArray } from "./json-document.js";
import { JsonRecordError } from "./json-value.js";
import { NdjsonSplitter } from "./ndjson-splitter.js";
import type { InputSource } from "./source.js";
import { decodeText, TextDecodeError } from "./text.js";

export const INPUT_FORMATS = ["csv", "tsv", "json", "ndjson"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** One data record of the input. */
export interface InputRecord {
  /** 1-based data record number: the report's `row`. */
  row: number;
  /** CSV: the record's fields (aligned with the header); JSON and NDJSON: the parsed value. */
  value: unknown;
}

export interface Table {
  readonly format: InputFormat;
  /** CSV only: the delimiter in use. */
  readonly delimiter: string | undefined;
  /**
   * CSV only: the column names, excluding an addlist report's own columns when the input
   * is a report (so that a filtered report is a ready input for a re-run).
   */
  readonly columns: readonly string[] | undefined;
  /** CSV only: index of `columns[0]` among a record's fields. */
  readonly columnOffset: number;
  /** CSV only: false when the first line is data, not a header. */
  readonly hasHeader: boolean;
  /** The data records in file order, in groups to keep per-record overhead low. */
  readonly records: AsyncIterable<InputRecord[]>;
}

export interface TableOptions {
  format?: InputFormat | undefined;
  delimiter?: string | undefined;
  /** CSV: whether the first record is a header; "auto" asks `looksLikeData` about a one-column file. */
  header: "yes" | "no" | "auto";
  looksLikeData?: (firstCell: string) => boolean;
  maxRecordChars: number;
  /** CSV: parse on a worker thread (for large inputs: see csvGroupsInWorker). */
  parseInWorker?: boolean;
}

/** An Excel export's first line naming its delimiter, e.g. `sep=;`. */
const EXCEL_SEPARATOR_LINE = /^\uFEFF?sep=(.)\r?\n/;

/** Opens the input for its one full read: the format is settled and, for CSV, the header read. */
export async function openTable(source: InputSource, options: TableOptions): Promise<Table> {
  const bytes = source.bytes()[Symbol.asyncIterator]();
  const first = await bytes.next();
  const head = first.done === true ? Buffer.alloc(0) : first.value;
  const chunks = prepend(first.done === true ? undefined : head, bytes);
  const start = head.subarray(0, 4096).toString("utf8");
  const named = formatFromName(source.path);
  const sniffed = sniffFormat(start);
  // A `.json` file holding one object per line is NDJSON, whatever its name says.
  const format = options.format ?? (named === "json" && sniffed === "ndjson" ? "ndjson" : (named ?? sniffed));
  // A `.json` file read as NDJSON (it starts with `{`) that holds one object is a document, not a row.
  if (format === "json" || format === "ndjson")
    return openJson(source, chunks, format, options, format === "ndjson" && named === "json" && options.format === undefined);
  const excel = EXCEL_SEPARATOR_LINE.exec(start);
  const delimiter = options.delimiter ?? excel?.[1] ?? (format === "tsv" ? "\t" : detectDelimiter(start.replace(/^\uFEFF/, "")));
  const read = options.parseInWorker === true ? csvGroupsInWorker : csvGroups;
  const groups = read(source.name, chunks, { delimiter, maxRecordBytes: options.maxRecordChars, fromLine: excel === null ? 1 : 2 });
  return openCsv(groups[Symbol.asyncIterator](), format, delimiter, options);
}

async function openCsv(groups: AsyncIterator<string[][]>, format: "csv" | "tsv", delimiter: string, options: TableOptions): Promise<Table> {
  const first = await groups.next();
  const firstGroup = first.done === true ? [] : first.value;
  const fields = firstGroup[0];
  if (fields === undefined) return { format, delimiter, columns: [], columnOffset: 0, hasHeader: true, records: (async function* () {})() };
  const headerless = options.header === "no" || (options.header === "auto" && fields.length === 1 && options.looksLikeData?.(fields[0] ?? "") === true);
  const rest = prepend(headerless ? firstGroup : firstGroup.slice(1), groups);
  if (headerless) return { format, delimiter, columns: fields.map((_, i) => String(i + 1)), columnOffset: 0, hasHeader: false, records: numbered(rest) };
  if (!isReportHeader(fields)) return { format, delimiter, columns: fields, columnOffset: 0, hasHeader: true, records: numbered(rest) };
  // An addlist report: its cells were guarded against spreadsheet formulas on the way out.
  const records = numbered(rest, (cells) => cells.map(unneutralise));
  return { format, delimiter, columns: fields.slice(REPORT_COLUMNS.length), columnOffset: REPORT_COLUMNS.length, hasHeader: true, records };
}

/** CSV records numbered from 1, group by group. */
async function* numbered(groups: AsyncIterable<string[][]>, map?: (cells: string[]) => string[]): AsyncGenerator<InputRecord[]> {
  let row = 0;
  for await (const group of groups) {
    const records = new Array<InputRecord>(group.length);
    for (let i = 0; i < group.length; i++) {
      const cells = group[i] as string[];
      records[i] = { row: ++row, value: map === undefined ? cells : map(cells) };
    }
    yield records;
  }
}

/**
 * JSON arrays and NDJSON. A document that is one object is refused, naming its keys: an API
 * dump (`{"data": [...]}`) or a pretty-printed object read as rows would only fail row by row.
 * `loneObjectIsDocument`: a `.json` file read as NDJSON: one object alone in it is a document.
 */
function openJson(source: InputSource, chunks: AsyncIterable<Buffer>, format: "json" | "ndjson", options: TableOptions, loneObjectIsDocument: boolean): Table {
  const splitter = format === "json" ? new JsonArraySplitter(options.maxRecordChars) : new NdjsonSplitter(options.maxRecordChars);
  const records = async function* (): AsyncGenerator<InputRecord[]> {
    let row = 0;
    let unwrapReport: boolean | undefined;
    const head = { text: "" };
    const values = splitGroups(source.name, chunks, splitter, head);
    try {
      for await (const group of loneObjectIsDocument ? refuseLoneObject(source.name, values) : values) {
        yield group.map((value) => {
          // An addlist NDJSON report is read as the rows it reports on.
          unwrapReport ??= isReportRecord(value);
          return { row: ++row, value: unwrapReport && isReportRecord(value) ? value.input : value };
        });
      }
    } catch (error) {
      throw asDocumentError(source.name, error, row, head.text);
    }
  };
  return { format, delimiter: undefined, columns: undefined, columnOffset: 0, hasHeader: false, records: records() };
}

/** Refuses an input that holds nothing but one object: a JSON document, not rows. */
async function* refuseLoneObject(name: string, groups: AsyncIterable<unknown[]>): AsyncGenerator<unknown[]> {
  let held: unknown[] | undefined;
  for await (const group of groups) {
    if (held === undefined && group.length === 1) {
      held = group; // wait: a second value makes it rows
      continue;
    }
    if (held !== undefined) yield held;
    held = [];
    yield group;
  }
  const lone = held?.[0];
  if (held?.length === 1 && isObject(lone)) throw objectNotAnArray(name, lone);
  if (held !== undefined && held.length > 0) yield held;
}

/** A first record that is not a line of JSON, in a document that starts with `{`: a pretty-printed or huge object. */
function asDocumentError(name: string, error: unknown, rowsRead: number, head: string): unknown {
  const documentLike = error instanceof InputError && rowsRead === 0 && error.line === 1 && (error.code === "bad_json" || error.code === "record_too_large");
  return documentLike && head.trimStart().startsWith("{") ? describeObjectDocument(name, head) : error;
}

interface Splitter {
  readonly nextLine: number;
  push(text: string, emit: (line: number, value: unknown) => void): void;
  end(emit: (line: number, value: unknown) => void): void;
}

/** Text of the input kept to describe a document that is not rows. */
const HEAD_CHARS = 1024 * 1024;

/**
 * Feeds text to a splitter, yielding each chunk's values; every way the file can be
 * malformed becomes an InputError. The first MiB of text is kept in `head`.
 */
async function* splitGroups(name: string, chunks: AsyncIterable<Buffer>, splitter: Splitter, head: { text: string }): AsyncGenerator<unknown[]> {
  let group: unknown[] = [];
  const emit = (_line: number, value: unknown): void => void group.push(value);
  try {
    for await (const text of decodeText(chunks)) {
      if (head.text.length < HEAD_CHARS) head.text += text.slice(0, HEAD_CHARS - head.text.length);
      splitter.push(text, emit);
      if (group.length > 0) {
        yield group;
        group = [];
      }
    }
    splitter.end(emit);
  } catch (error) {
    throw asInputError(name, error, splitter.nextLine);
  }
  if (group.length > 0) yield group;
}

function asInputError(name: string, error: unknown, nextLine: number): unknown {
  if (error instanceof TextDecodeError) {
    const line = nextLine + error.newlinesBefore;
    return new InputError(`${name}: line ${line}: the input has ${error.message}`, error.reason, line);
  }
  if (error instanceof JsonRecordError) return new InputError(`${name}: ${error.message}`, error.code, error.line);
  return error;
}

async function* prepend<T>(first: T | undefined, rest: AsyncIterator<T>): AsyncGenerator<T> {
  if (first === undefined) return;
  yield first;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}

/** The format named by the file's extension (a `.gz` suffix is looked through). */
export function formatFromName(path: string | undefined): InputFormat | undefined {
  if (path === undefined) return undefined;
  const name = path.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".tsv") || name.endsWith(".tab")) return "tsv";
  if (name.endsWith(".ndjson") || name.endsWith(".jsonl")) return "ndjson";
  if (name.endsWith(".json")) return "json";
  return undefined;
}

/** For stdin or an unknown extension: `[` starts a JSON array, `{` NDJSON, anything else CSV. */
export function sniffFormat(text: string): InputFormat {
  const first = text.replace(/^\uFEFF/, "").trimStart()[0];
  if (first === "[") return "json";
  if (first === "{") return "ndjson";
  return "csv";
}

export const CSV_DELIMITERS = [",", ";", "\t", "|"] as const;

/** The candidate that occurs most often outside quotes in the first line; `,` when none does. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === "\n" || char === "\r")) break;
    else if (!quoted && (CSV_DELIMITERS as readonly string[]).includes(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ",";
  let bestCount = 0;
  for (const delimiter of CSV_DELIMITERS) {
    const count = counts.get(delimiter) ?? 0;
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

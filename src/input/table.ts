import { InputError } from "../errors.js";
import { isReportHeader, isReportRecord, REPORT_COLUMNS } from "../report/columns.js";
import { unneutralise } from "../report/csv-line.js";
import { CsvSyntaxError, CsvTokenizer } from "./csv-tokenizer.js";
import { JsonArraySplitter } from "./json-array.js";
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
  /** Physical line on which the record starts. */
  line: number;
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
  /** CSV: records are only checked and counted; their values are left empty (a first pass). */
  countOnly?: boolean;
}

interface Splitter<T> {
  readonly nextLine: number;
  push(text: string, emit: (line: number, value: T) => void): void;
  end(emit: (line: number, value: T) => void): void;
}

/** Turns what a splitter emits into a record, or undefined to drop it (a header). */
type Accept<T> = (line: number, value: T) => InputRecord | undefined;

/** Opens the input for one full read: the format is settled and, for CSV, the header read. */
export async function openTable(source: InputSource, options: TableOptions): Promise<Table> {
  const text = decodeText(source.bytes())[Symbol.asyncIterator]();
  const first = await nextText(source.name, text, 1);
  const named = formatFromName(source.path);
  const sniffed = sniffFormat(first ?? "");
  // A `.json` file holding one object per line is NDJSON, whatever its name says.
  const format = options.format ?? (named === "json" && sniffed === "ndjson" ? "ndjson" : (named ?? sniffed));
  const chunks = prepend(first, text);
  if (format === "json" || format === "ndjson") {
    const splitter = format === "json" ? new JsonArraySplitter(options.maxRecordChars) : new NdjsonSplitter(options.maxRecordChars);
    return { format, delimiter: undefined, columns: undefined, columnOffset: 0, hasHeader: false, records: readGroups(source.name, chunks, splitter, jsonAccept()) };
  }
  const delimiter = options.delimiter ?? (format === "tsv" ? "\t" : detectDelimiter(first ?? ""));
  return openCsv(source.name, chunks, format, delimiter, options);
}

async function openCsv(
  name: string,
  chunks: AsyncIterator<string>,
  format: "csv" | "tsv",
  delimiter: string,
  options: TableOptions,
): Promise<Table> {
  const tokenizer = new CsvTokenizer({ delimiter, maxRecordChars: options.maxRecordChars, countOnly: options.countOnly });
  const head: { fields?: string[]; headerless?: boolean } = {};
  let row = 0;
  const accept: Accept<string[]> = (line, fields) => {
    if (head.fields === undefined) {
      head.fields = fields;
      head.headerless = options.header === "no" || (options.header === "auto" && fields.length === 1 && options.looksLikeData?.(fields[0] ?? "") === true);
      if (!head.headerless) return undefined;
    }
    return { row: ++row, line, value: fields };
  };
  const groups = readGroups(name, chunks, tokenizer, accept);
  const early: InputRecord[][] = [];
  while (head.fields === undefined) {
    const next = await groups.next();
    if (next.done === true) break;
    early.push(next.value);
  }
  const fields = head.fields;
  if (fields === undefined) return { format, delimiter, columns: [], columnOffset: 0, hasHeader: true, records: groups };
  const hasHeader = head.headerless !== true;
  if (!hasHeader) return { format, delimiter, columns: fields.map((_, i) => String(i + 1)), columnOffset: 0, hasHeader, records: prependGroups(early, groups) };
  if (!isReportHeader(fields)) return { format, delimiter, columns: fields, columnOffset: 0, hasHeader, records: prependGroups(early, groups) };
  // An addlist report: its cells were guarded against spreadsheet formulas on the way out.
  const records = mapRecords(prependGroups(early, groups), (record) => ({ ...record, value: (record.value as string[]).map(unneutralise) }));
  return { format, delimiter, columns: fields.slice(REPORT_COLUMNS.length), columnOffset: REPORT_COLUMNS.length, hasHeader, records };
}

/** JSON records; an addlist NDJSON report's records are unwrapped to their input. */
function jsonAccept(): Accept<unknown> {
  let row = 0;
  let unwrapReport: boolean | undefined;
  return (line, value) => {
    unwrapReport ??= isReportRecord(value);
    return { row: ++row, line, value: unwrapReport && isReportRecord(value) ? value.input : value };
  };
}

/** Feeds text to a splitter, yielding each chunk's records; every way the file can be malformed becomes an InputError. */
async function* readGroups<T>(name: string, chunks: AsyncIterator<string>, splitter: Splitter<T>, accept: Accept<T>): AsyncGenerator<InputRecord[]> {
  let group: InputRecord[] = [];
  const emit = (line: number, value: T): void => {
    const record = accept(line, value);
    if (record !== undefined) group.push(record);
  };
  try {
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      splitter.push(next.value, emit);
      if (group.length > 0) {
        yield group;
        group = [];
      }
    }
    splitter.end(emit);
  } catch (error) {
    throw asInputError(name, error, () => splitter.nextLine);
  }
  if (group.length > 0) yield group;
}

async function* mapRecords(groups: AsyncIterable<InputRecord[]>, map: (record: InputRecord) => InputRecord): AsyncGenerator<InputRecord[]> {
  for await (const group of groups) yield group.map(map);
}

async function* prependGroups(first: InputRecord[][], rest: AsyncIterator<InputRecord[]>): AsyncGenerator<InputRecord[]> {
  yield* first;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}

async function nextText(name: string, text: AsyncIterator<string>, line: number): Promise<string | undefined> {
  try {
    const next = await text.next();
    return next.done === true ? undefined : next.value;
  } catch (error) {
    throw asInputError(name, error, () => line);
  }
}

function asInputError(name: string, error: unknown, nextLine: () => number): unknown {
  if (error instanceof TextDecodeError) {
    const line = nextLine() + error.newlinesBefore;
    return new InputError(`${name}: line ${line}: the input has ${error.message}`, error.reason, line);
  }
  if (error instanceof CsvSyntaxError || error instanceof JsonRecordError) {
    return new InputError(`${name}: ${error.message}`, error.code, error.line);
  }
  return error;
}

async function* prepend(first: string | undefined, rest: AsyncIterator<string>): AsyncGenerator<string> {
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
  const first = text.trimStart()[0];
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

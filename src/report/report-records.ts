import { createReadStream } from "node:fs";
import { InputError } from "../errors.js";
import { csvGroups } from "../input/csv.js";
import { isReportHeader } from "./columns.js";
import { csvLine } from "./csv-line.js";
import type { ReportKind } from "./format.js";

/** One record of a report (or of the files of an unfinished run), as stored. */
export interface StoredRecord {
  row: number;
  key: string;
  status: string;
  code: string;
  message: string;
  /** The record as a report line, with its line end. */
  line: string;
}

/**
 * Rows are counted from 1. Tables are sized by the largest row, so a number far beyond any
 * real input (a hundred million rows) is damage, not a row to make room for.
 */
const MAX_ROW = 100_000_000;
/** A report line holds one input record (at most 1 MiB) and the report's own cells. */
const MAX_REPORT_RECORD_BYTES = 4 * 1024 * 1024;

/**
 * The records of a report file, in file order and in groups. A last record cut short by a
 * crash (no line end) is ignored: that row is treated as having no record.
 */
export async function* reportRecords(path: string, kind: ReportKind): AsyncGenerator<StoredRecord[]> {
  const lines = wholeLines(createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>);
  yield* kind === "ndjson" ? ndjsonRecords(path, lines) : csvRecords(path, lines);
}

/** The bytes up to the last line end; what follows it was cut short. */
async function* wholeLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of chunks) {
    const bytes = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    const end = bytes.lastIndexOf(10) + 1;
    carry = end < bytes.length ? bytes.subarray(end) : undefined;
    if (end > 0) yield bytes.subarray(0, end);
  }
}

async function* csvRecords(path: string, lines: AsyncIterable<Buffer>): AsyncGenerator<StoredRecord[]> {
  let header = true;
  try {
    for await (const group of csvGroups(path, lines, { delimiter: ",", maxRecordBytes: MAX_REPORT_RECORD_BYTES, fromLine: 1 })) {
      const records: StoredRecord[] = [];
      for (const fields of group) {
        if (header) {
          if (!isReportHeader(fields)) throw damaged(path, "it does not start with the report's header");
          header = false;
          continue;
        }
        const row = Number(fields[0]);
        if (!isRowNumber(row)) throw damaged(path, `"${fields[0] ?? ""}" is not a row number`);
        records.push({ row, key: fields[1] ?? "", status: fields[2] ?? "", code: fields[3] ?? "", message: fields[4] ?? "", line: csvLine(fields) });
      }
      yield records;
    }
  } catch (error) {
    // A quote left open at the very end: the last record, cut short inside a quoted line break.
    if (error instanceof InputError && error.code === "unclosed_quote") return;
    if (error instanceof InputError && error.code !== "report_damaged") throw damaged(path, error.message.replace(`${path}: `, ""));
    throw error;
  }
}

async function* ndjsonRecords(path: string, lines: AsyncIterable<Buffer>): AsyncGenerator<StoredRecord[]> {
  let number = 0;
  for await (const bytes of lines) {
    const records: StoredRecord[] = [];
    for (const raw of bytes.toString("utf8").split("\n")) {
      number++;
      if (raw.trim() === "") continue;
      let value: { row?: unknown; key?: unknown; status?: unknown; code?: unknown; message?: unknown };
      try {
        value = JSON.parse(raw) as typeof value;
      } catch {
        throw damaged(path, `line ${number}: a line is not JSON`);
      }
      if (typeof value !== "object" || value === null || !isRowNumber(value.row) || typeof value.status !== "string") {
        throw damaged(path, `line ${number}: a record has no row number or status`);
      }
      const text = (field: unknown): string => (typeof field === "string" ? field : "");
      records.push({ row: value.row, key: text(value.key), status: value.status, code: text(value.code), message: text(value.message), line: `${raw}\n` });
    }
    number--; // the chunk ends with a line end: its last piece is empty
    yield records;
  }
}

function isRowNumber(row: unknown): row is number {
  return typeof row === "number" && Number.isInteger(row) && row >= 1 && row <= MAX_ROW;
}

export function damaged(path: string, why: string): InputError {
  return new InputError(`cannot resume from ${path}: ${why}. Use --force to start over.`, "report_damaged");
}

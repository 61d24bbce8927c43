import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { InputError } from "../errors.js";
import { CsvSyntaxError, CsvTokenizer } from "../input/csv-tokenizer.js";
import { decodeText, TextDecodeError } from "../input/text.js";
import { murmur3x86_128 } from "../rows/murmur3.js";
import { isReportHeader } from "./columns.js";
import { csvLine } from "./csv-line.js";
import type { ReportKind } from "./format.js";
import { SETTLED_STATUSES } from "./row-result.js";
import { journalPath } from "./writer.js";

/**
 * What an earlier run's report says, for `--resume`: which rows are settled (never sent
 * again), which may have been applied without our knowing, and, per row, a hash of its
 * key, so that a changed input is noticed before anything is sent. Read from the journal
 * of an interrupted run if there is one, else from the finished report. A last record cut
 * short by a crash is ignored: that row is retried.
 */
export class ResumeState {
  private settledBits: Uint8Array = new Uint8Array(1024);
  private seenBits: Uint8Array = new Uint8Array(1024);
  private failedBits: Uint8Array = new Uint8Array(1024);
  private keyHashes = new Uint32Array(8192);
  /** The highest row number in the report. */
  rows = 0;
  settled = 0;

  constructor(
    /** The file it was read from. */
    readonly source: string,
    /** True for a finished report, which has a record for every row of its input. */
    readonly complete: boolean,
  ) {}

  isSettled(row: number): boolean {
    return has(this.settledBits, row);
  }

  /**
   * Whether a request carrying the row may have been applied: its last record is `failed`
   * (outcome unknown), or it has no record in the journal of a run that crashed (it may
   * have been in flight, or settled but not yet written). Such a row found "already there"
   * on resume is `added_or_present`, not `already_present`.
   */
  mayHaveApplied(row: number): boolean {
    return has(this.failedBits, row) || (!this.complete && !has(this.seenBits, row));
  }

  /** Undefined when the report has no record for the row. */
  keyHash(row: number): number | undefined {
    return has(this.seenBits, row) ? this.keyHashes[row] : undefined;
  }

  add(row: number, key: string, status: string): void {
    this.ensure(row);
    set(this.seenBits, row);
    this.keyHashes[row] = reportKeyHash(key);
    if (SETTLED_STATUSES.has(status) && !this.isSettled(row)) {
      set(this.settledBits, row);
      this.settled++;
    }
    if (status === "failed") set(this.failedBits, row);
    this.rows = Math.max(this.rows, row);
  }

  private ensure(row: number): void {
    if (row < this.keyHashes.length) return;
    let size = this.keyHashes.length;
    while (size <= row) size *= 2;
    const hashes = new Uint32Array(size);
    hashes.set(this.keyHashes);
    this.keyHashes = hashes;
    this.settledBits = grown(this.settledBits, size / 8 + 1);
    this.seenBits = grown(this.seenBits, size / 8 + 1);
    this.failedBits = grown(this.failedBits, size / 8 + 1);
  }
}

function has(bits: Uint8Array, row: number): boolean {
  return ((bits[row >> 3] ?? 0) & (1 << (row & 7))) !== 0;
}

function set(bits: Uint8Array, row: number): void {
  bits[row >> 3] = (bits[row >> 3] ?? 0) | (1 << (row & 7));
}

function grown(bits: Uint8Array, size: number): Uint8Array {
  const next = new Uint8Array(size);
  next.set(bits);
  return next;
}

/** The key as the report stores it, hashed. */
export function reportKeyHash(storedKey: string): number {
  return murmur3x86_128(storedKey)[0];
}

/** The file `--resume` continues from: the journal of an interrupted run, else the finished report. */
export async function resumeSource(reportPath: string): Promise<{ path: string; complete: boolean } | undefined> {
  for (const [path, complete] of [
    [journalPath(reportPath), false],
    [reportPath, true],
  ] as const) {
    try {
      await access(path);
      return { path, complete };
    } catch {
      // not there: try the next
    }
  }
  return undefined;
}

export async function loadResumeState(reportPath: string, kind: ReportKind): Promise<ResumeState | undefined> {
  const found = await resumeSource(reportPath);
  if (found === undefined) return undefined;
  const state = new ResumeState(found.path, found.complete);
  for await (const record of reportRecords(found.path, kind)) state.add(record.row, record.key, record.status);
  return state;
}

/** The settled records of the report, re-encoded, to carry into the new run's report. */
export async function* settledRecords(path: string, kind: ReportKind): AsyncGenerator<{ status: string; line: string }> {
  for await (const record of reportRecords(path, kind)) {
    if (SETTLED_STATUSES.has(record.status)) yield { status: record.status, line: record.line() };
  }
}

interface StoredRecord {
  row: number;
  key: string;
  status: string;
  line(): string;
}

async function* reportRecords(path: string, kind: ReportKind): AsyncGenerator<StoredRecord> {
  const text = decodeText(createReadStream(path, { highWaterMark: 64 * 1024 }));
  try {
    if (kind === "ndjson") yield* ndjsonRecords(path, text);
    else yield* csvRecords(path, text);
  } catch (error) {
    // Bytes that are not text (a disk that filled up, a power cut) make the report unusable.
    if (error instanceof TextDecodeError) throw damaged(path, 0, `it holds ${error.message}`);
    throw error;
  }
}

async function* csvRecords(path: string, text: AsyncIterable<string>): AsyncGenerator<StoredRecord> {
  const tokenizer = new CsvTokenizer({ delimiter: ",", maxRecordChars: 64 * 1024 * 1024 });
  let header = true;
  try {
    for await (const chunk of text) {
      const out: { line: number; fields: string[] }[] = [];
      tokenizer.push(chunk, (line, fields) => out.push({ line, fields }));
      for (const { line, fields } of out) {
        if (header) {
          if (!isReportHeader(fields)) throw damaged(path, line, "it does not start with the report's header");
          header = false;
          continue;
        }
        const row = Number(fields[0]);
        if (!isRowNumber(row)) throw damaged(path, line, `"${fields[0] ?? ""}" is not a row number`);
        yield { row, key: fields[1] ?? "", status: fields[2] ?? "", line: () => csvLine(fields) };
      }
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw damaged(path, error.line, error.message);
    throw error;
  }
  // Whatever is left has no line end: a record cut short by a crash. It is not used.
}

async function* ndjsonRecords(path: string, text: AsyncIterable<string>): AsyncGenerator<StoredRecord> {
  let pending = "";
  let line = 0;
  for await (const chunk of text) {
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n", start)) {
      const raw = pending.slice(start, nl);
      start = nl + 1;
      line++;
      if (raw.trim() === "") continue;
      let value: { row?: unknown; key?: unknown; status?: unknown };
      try {
        value = JSON.parse(raw) as typeof value;
      } catch {
        throw damaged(path, line, "a line is not JSON");
      }
      if (typeof value !== "object" || value === null || !isRowNumber(value.row) || typeof value.status !== "string") throw damaged(path, line, "a record has no row number or status");
      yield { row: value.row, key: typeof value.key === "string" ? value.key : "", status: value.status, line: () => `${raw}\n` };
    }
    pending = pending.slice(start);
  }
}

/**
 * Rows are counted from 1. The state's tables are sized by the largest row, so a number far
 * beyond any real input (a hundred million rows) is damage, not a row to make room for.
 */
const MAX_ROW = 100_000_000;

function isRowNumber(row: unknown): row is number {
  return typeof row === "number" && Number.isInteger(row) && row >= 1 && row <= MAX_ROW;
}

function damaged(path: string, line: number, why: string): InputError {
  const where = line > 0 ? `line ${line}: ` : "";
  return new InputError(`cannot resume from ${path}: ${where}${why}. Use --force to start over.`, "report_damaged", line > 0 ? line : undefined);
}

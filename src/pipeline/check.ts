import type { Driver, DriverSpec, RowCheck } from "../drivers/types.js";
import { InputError } from "../errors.js";
import type { InputSource } from "../input/source.js";
import { CSV_DELIMITERS, type InputFormat, type InputRecord, openTable, type Table } from "../input/table.js";
import { neutralise } from "../report/csv-line.js";
import type { ReportKind } from "../report/format.js";
import { csvLayout, csvTailKeeper, jsonLayout, jsonTailKeeper, type ReportLayout, type TailKeeper } from "../report/layout.js";
import { reportKeyHash, type ResumeState } from "../report/resume-state.js";
import { csvRowAccess, isObject, jsonRowAccess, type KeyColumnRequest, type RowAccess } from "../rows/columns.js";
import { SeenSet } from "../rows/seen-set.js";
import { Spool } from "./spool.js";

/** A record longer than this is refused: it bounds memory whatever the file holds. */
const MAX_RECORD_CHARS = 1024 * 1024;
/**
 * From about this many rows (as estimated from a file's size) CSV is parsed on a worker
 * thread: starting it costs about 70 ms, parsing 100,000 UUID rows about 130 ms.
 */
const WORKER_MIN_ROWS = 100_000;
/** The most distinct JSON field names carried into a CSV report. */
const MAX_JSON_FIELDS = 10_000;

export interface CheckRequest {
  source: InputSource;
  format: InputFormat | undefined;
  delimiter: string | undefined;
  header: "yes" | "no" | "auto";
  column: string | undefined;
  spec: DriverSpec;
  createDriver(columns: readonly string[], keyColumn: string, sample?: Record<string, unknown>): Driver;
  reportKind: ReportKind;
  /** What an earlier run's report says (`--resume`). */
  resume: ResumeState | undefined;
  /** Identities an earlier run confirmed in the target (`--state`): such rows are `known`. */
  known: SeenSet | undefined;
  /** A guess at the number of rows, to size the dedupe set. */
  rowsHint: number;
  /** Aborts the read (an interrupt): the check then throws the signal's reason. */
  signal: AbortSignal;
  /** Where to keep the spool (see Spool.create). */
  spoolPath: string | undefined;
}

/** What the one full read of the input settled: the upload reads the spool, not the input. */
export interface CheckResult {
  rows: number;
  /** What the user may not expect of how the input was read (a header guessed, no rows at all). */
  notes: string[];
  driver: Driver;
  layout: ReportLayout;
  spool: Spool;
}

/**
 * The check pass: reads the whole input before anything is sent, so that a malformed file
 * sends nothing. It settles the format, the key column and the report's columns; checks,
 * dedupes and, with `--state`, skips every row; on `--resume`, checks that the input is the
 * one the report describes; and keeps each row's outcome or request item in the spool.
 * An abort ends it at once, even while a read waits (a silent stdin).
 */
export async function checkInput(request: CheckRequest): Promise<CheckResult> {
  const { signal } = request;
  signal.throwIfAborted();
  const spool = await Spool.create(request.spoolPath);
  if (signal.aborted) {
    await spool.dispose(); // aborted while the spool was being made
    signal.throwIfAborted();
  }
  const checking = readInput(request, spool);
  checking.catch(() => {}); // after an abort, its failure is of no interest
  const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));
  try {
    return await Promise.race([checking, aborted]);
  } catch (error) {
    await spool.dispose();
    throw error;
  }
}

/** The driver, row access and tail keeper, settled by the header or the first row. */
interface Reading {
  driver: Driver;
  access: RowAccess;
  keepTail: TailKeeper;
}

async function readInput(request: CheckRequest, spool: Spool): Promise<CheckResult> {
  const { source, spec } = request;
  const keyColumn = { column: request.column, ...spec.keyColumn };
  const table = await openTable(source, {
    format: request.format,
    delimiter: request.delimiter,
    header: request.header,
    looksLikeData: spec.looksLikeKey,
    maxRecordChars: MAX_RECORD_CHARS,
    parseInWorker: request.rowsHint >= WORKER_MIN_ROWS,
  });
  const csv = table.format === "csv" || table.format === "tsv";
  // Without a header, the first row is data and tells more than the column numbers.
  let reading = csv && table.hasHeader ? csvReading(request, table, keyColumn) : undefined;
  const seen = new SeenSet(request.rowsHint);
  const fields = new Set<string>();
  // A CSV report of JSON rows has a column per field: an NDJSON report needs no names.
  const collectFields = !csv && request.reportKind === "csv";
  for await (const group of table.records) {
    for (const record of group) {
      reading ??= csv ? csvReading(request, table, keyColumn, record) : jsonReading(request, keyColumn, record);
      if (collectFields && isObject(record.value) && fields.size < MAX_JSON_FIELDS) for (const name in record.value) fields.add(name);
      checkRow(record, reading, seen, request, spool);
    }
    await spool.drained();
  }
  reading ??= csv ? csvReading(request, table, keyColumn) : jsonReading(request, keyColumn, undefined);
  await spool.close();
  const rows = spool.size;
  const resume = request.resume;
  if (resume !== undefined && (resume.rows > rows || (resume.complete && resume.rows !== rows))) {
    throw changed(source.name, resume, `it has ${rows} rows, the report has ${resume.rows}`);
  }
  return {
    rows,
    notes: readingNotes(source.name, rows, csv && table.hasHeader ? (table.columns ?? []) : undefined, keyColumn),
    driver: reading.driver,
    layout: csv ? csvLayout(table) : jsonLayout(request.reportKind, [...fields], reading.access),
    spool,
  };
}

function csvReading(request: CheckRequest, table: Table, keyColumn: KeyColumnRequest, first?: InputRecord): Reading {
  const access = csvRowAccess(request.source.name, table, keyColumn);
  const sample = first === undefined ? undefined : access.values(first);
  return { access, driver: request.createDriver(table.columns ?? [], access.keyColumn, sample), keepTail: csvTailKeeper(request.reportKind, table, access) };
}

function jsonReading(request: CheckRequest, keyColumn: KeyColumnRequest, first: InputRecord | undefined): Reading {
  const object = isObject(first?.value) ? first.value : undefined;
  const access = jsonRowAccess(request.source.name, object, keyColumn);
  const driver =
    object !== undefined
      ? request.createDriver(Object.keys(object), access.keyColumn)
      : request.createDriver([access.keyColumn], access.keyColumn, first === undefined ? undefined : access.values(first));
  return { access, driver, keepTail: jsonTailKeeper() };
}

/** One row's outcome in the check pass: settled here (invalid, duplicate, known, carried), or to send. */
function checkRow(record: InputRecord, { driver, access, keepTail }: Reading, seen: SeenSet, request: CheckRequest, spool: Spool): void {
  const check = withoutNul(driver.check(record, access));
  const resume = request.resume;
  if (resume !== undefined) checkUnchanged(record, check.key, request);
  if (resume?.isSettled(record.row) === true) {
    if (check.ok) seen.add(check.identity); // later copies are still duplicates
    return spool.carried();
  }
  const tail = keepTail(record);
  if (!check.ok) return spool.invalid(check.key, check.code, check.message, tail);
  if (!seen.add(check.identity)) return spool.settled("duplicate", check.key, tail);
  if (request.known?.has(check.identity) === true) return spool.settled("known", check.key, tail);
  spool.pending(check.key, check.item, check.identity, tail, resume?.mayHaveApplied(record.row) === true);
}

/**
 * A key holding a NUL character (only JSON can spell one, as `\u0000`) is no provider's id;
 * refusing it here also keeps NUL out of the spool, where it separates fields.
 */
function withoutNul(check: RowCheck): RowCheck {
  if (!check.key.includes("\u0000") && (!check.ok || !check.identity.includes("\u0000"))) return check;
  const key = check.key.replaceAll("\u0000", "\uFFFD");
  return check.ok ? { ok: false, key, code: "invalid_key", message: "the key holds a NUL character" } : { ...check, key };
}

/**
 * An input with no rows, or a one-column CSV whose header is no key column name: the first
 * line may have been data (or the delimiter wrong), and a run that says "done" would hide it.
 */
function readingNotes(name: string, rows: number, header: readonly string[] | undefined, keyColumn: KeyColumnRequest): string[] {
  const notes: string[] = [];
  if (rows === 0) notes.push(`${name} holds no data rows: nothing to send`);
  const only = header?.length === 1 ? header[0] : undefined;
  const known = [keyColumn.column, ...keyColumn.candidates].some((want) => want?.trim().toLowerCase() === only?.trim().toLowerCase());
  if (only !== undefined && !known) {
    const delimiter = CSV_DELIMITERS.find((d) => only.includes(d));
    notes.push(
      delimiter === undefined
        ? `line 1 of ${name}, ${JSON.stringify(only)}, was read as the column name: if it is data, give --no-header`
        : `${name} was read as one column, ${JSON.stringify(only)}: if ${JSON.stringify(delimiter)} separates its columns, give --delimiter ${delimiter === "\t" ? "tab" : `'${delimiter}'`}`,
    );
  }
  return notes;
}

/** On `--resume`, a row the report has a record of must have the key the report recorded. */
function checkUnchanged(record: InputRecord, key: string, request: CheckRequest): void {
  const resume = request.resume;
  const stored = resume?.keyHash(record.row);
  if (resume === undefined || stored === undefined) return;
  const asStored = request.reportKind === "csv" ? neutralise(key) : key;
  if (reportKeyHash(asStored) !== stored) throw changed(request.source.name, resume, `row ${record.row} has a different key`);
}

function changed(name: string, resume: ResumeState, why: string): InputError {
  return new InputError(
    `${name} is not the input ${resume.source} was written for: ${why}. Resume with the same input, or use --force to start over.`,
    "input_changed",
  );
}

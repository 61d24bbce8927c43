import type { Driver, DriverSpec } from "../drivers/types.js";
import { InputError } from "../errors.js";
import type { InputSource } from "../input/source.js";
import { CSV_DELIMITERS, type InputFormat, type InputRecord, openTable, type TableOptions } from "../input/table.js";
import { neutralise } from "../report/csv-line.js";
import type { ReportKind, ReportLayout } from "../report/format.js";
import { csvLayout, jsonLayout } from "../report/layout.js";
import { reportKeyHash, type ResumeState } from "../report/resume-state.js";
import { csvRowAccess, isObject, jsonRowAccess, type KeyColumnRequest, type RowAccess } from "../rows/columns.js";

/** A record longer than this is refused: it bounds memory whatever the file holds. */
export const MAX_RECORD_CHARS = 1024 * 1024;
/** The most distinct JSON field names carried into a CSV report. */
const MAX_JSON_FIELDS = 10_000;

export interface PlanRequest {
  source: InputSource;
  format: InputFormat | undefined;
  delimiter: string | undefined;
  header: "yes" | "no" | "auto";
  column: string | undefined;
  spec: DriverSpec;
  createDriver(columns: readonly string[], keyColumn: string, sample?: Record<string, unknown>): Driver;
  resume: { state: ResumeState; kind: ReportKind } | undefined;
  /** Aborts the read (an interrupt): the plan then throws the signal's reason. */
  signal: AbortSignal;
}

/** What the first full read of the input settled, for the upload to read it again the same way. */
export interface Plan {
  tableOptions: TableOptions;
  rows: number;
  /** What the user may not expect of how the input was read (a header guessed, no rows at all). */
  notes: string[];
  access: RowAccess;
  layout: ReportLayout;
  driver: Driver;
}

/**
 * The first pass: reads the whole input before anything is sent, so that a malformed file
 * sends nothing. It settles the format, the key column and the report's columns, counts the
 * rows (for progress), and, on `--resume`, checks that the input is the one the report
 * describes. An abort ends it at once, even while a read waits (a silent stdin): the read
 * is left to the source's disposal.
 */
export async function planInput(request: PlanRequest): Promise<Plan> {
  const { signal } = request;
  signal.throwIfAborted();
  const planning = readPlan(request);
  planning.catch(() => {}); // after an abort, its failure is of no interest
  const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));
  return Promise.race([planning, aborted]);
}

async function readPlan(request: PlanRequest): Promise<Plan> {
  const { source, spec } = request;
  const keyColumn = { column: request.column, ...spec.keyColumn };
  const table = await openTable(source, {
    format: request.format,
    delimiter: request.delimiter,
    header: request.header,
    looksLikeData: spec.looksLikeKey,
    maxRecordChars: MAX_RECORD_CHARS,
    // Keys are compared only on --resume; otherwise CSV records are just checked and counted.
    countOnly: request.resume === undefined,
  });
  const csv = table.format === "csv" || table.format === "tsv";
  let access: RowAccess | undefined;
  let driver: Driver | undefined;
  if (csv) {
    access = csvRowAccess(source.name, table, keyColumn);
    // Without a header, the first row is data and tells more than the column numbers.
    if (table.hasHeader) driver = request.createDriver(table.columns ?? [], access.keyColumn);
  }
  const fields = new Set<string>();
  let rows = 0;
  for await (const group of table.records) {
    for (const record of group) {
      rows++;
      if (csv && driver === undefined && access !== undefined) driver = request.createDriver(table.columns ?? [], access.keyColumn, access.values(record));
      if (!csv) {
        if (access === undefined) {
          access = jsonRowAccess(source.name, isObject(record.value) ? record.value : undefined, keyColumn);
          driver = isObject(record.value)
            ? request.createDriver(Object.keys(record.value), access.keyColumn)
            : request.createDriver([access.keyColumn], access.keyColumn, access.values(record));
        }
        if (isObject(record.value) && fields.size < MAX_JSON_FIELDS) for (const name in record.value) fields.add(name);
      }
      if (request.resume !== undefined && access !== undefined && driver !== undefined) checkUnchanged(record, access, driver, request);
    }
  }
  access ??= jsonRowAccess(source.name, undefined, keyColumn);
  driver ??= request.createDriver(csv ? (table.columns ?? []) : [access.keyColumn], access.keyColumn);
  const resume = request.resume?.state;
  if (resume !== undefined && (resume.rows > rows || (resume.complete && resume.rows !== rows))) {
    throw changed(source.name, resume, `it has ${rows} rows, the report has ${resume.rows}`);
  }
  return {
    notes: readingNotes(source.name, rows, csv && table.hasHeader ? (table.columns ?? []) : undefined, keyColumn),
    tableOptions: {
      format: table.format,
      delimiter: table.delimiter,
      header: table.hasHeader ? "yes" : "no",
      maxRecordChars: MAX_RECORD_CHARS,
    },
    rows,
    access,
    layout: csv ? csvLayout(table) : jsonLayout([...fields], access),
    driver,
  };
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

function checkUnchanged(record: InputRecord, access: RowAccess, driver: Driver, request: PlanRequest): void {
  const resume = request.resume;
  if (resume === undefined) return;
  const stored = resume.state.keyHash(record.row);
  if (stored === undefined) return;
  const key = driver.check(record, access).key;
  const asStored = resume.kind === "csv" ? neutralise(key) : key;
  if (reportKeyHash(asStored) !== stored) {
    throw changed(request.source.name, resume.state, `row ${record.row} (line ${record.line}) has a different key`);
  }
}

function changed(name: string, resume: ResumeState, why: string): InputError {
  return new InputError(
    `${name} is not the input ${resume.source} was written for: ${why}. Resume with the same input, or use --force to start over.`,
    "input_changed",
  );
}

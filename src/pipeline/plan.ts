import type { Driver, DriverSpec } from "../drivers/types.js";
import { InputError } from "../errors.js";
import type { InputSource } from "../input/source.js";
import { type InputFormat, type InputRecord, openTable, type TableOptions } from "../input/table.js";
import { neutralise } from "../report/csv-line.js";
import type { ReportKind, ReportLayout } from "../report/format.js";
import { csvLayout, jsonLayout } from "../report/layout.js";
import { reportKeyHash, type ResumeState } from "../report/resume-state.js";
import { csvRowAccess, isObject, jsonRowAccess, type RowAccess } from "../rows/columns.js";

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
  createDriver(columns: readonly string[], keyColumn: string): Driver;
  resume: { state: ResumeState; kind: ReportKind } | undefined;
}

/** What the first full read of the input settled, for the upload to read it again the same way. */
export interface Plan {
  tableOptions: TableOptions;
  format: InputFormat;
  rows: number;
  access: RowAccess;
  layout: ReportLayout;
  driver: Driver;
}

/**
 * The first pass: reads the whole input before anything is sent, so that a malformed file
 * sends nothing. It settles the format, the key column and the report's columns, counts the
 * rows (for progress), and, on `--resume`, checks that the input is the one the report
 * describes.
 */
export async function planInput(request: PlanRequest): Promise<Plan> {
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
    driver = request.createDriver(table.columns ?? [], access.keyColumn);
  }
  const fields = new Set<string>();
  let rows = 0;
  for await (const group of table.records) {
    for (const record of group) {
      rows++;
      if (!csv) {
        if (access === undefined) {
          access = jsonRowAccess(source.name, isObject(record.value) ? record.value : undefined, keyColumn);
          driver = request.createDriver(isObject(record.value) ? Object.keys(record.value) : [access.keyColumn], access.keyColumn);
        }
        if (isObject(record.value) && fields.size < MAX_JSON_FIELDS) for (const name in record.value) fields.add(name);
      }
      if (request.resume !== undefined && access !== undefined && driver !== undefined) checkUnchanged(record, access, driver, request);
    }
  }
  access ??= jsonRowAccess(source.name, undefined, keyColumn);
  driver ??= request.createDriver([access.keyColumn], access.keyColumn);
  const resume = request.resume?.state;
  if (resume !== undefined && (resume.rows > rows || (resume.complete && resume.rows !== rows))) {
    throw changed(source.name, resume, `it has ${rows} rows, the report has ${resume.rows}`);
  }
  return {
    tableOptions: {
      format: table.format,
      delimiter: table.delimiter,
      header: table.hasHeader ? "yes" : "no",
      maxRecordChars: MAX_RECORD_CHARS,
    },
    format: table.format,
    rows,
    access,
    layout: csv ? csvLayout(table) : jsonLayout([...fields], access),
    driver,
  };
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

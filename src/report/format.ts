import type { InputRecord } from "../input/table.js";
import { REPORT_COLUMNS } from "./columns.js";
import { csvCell, csvLine } from "./csv-line.js";
import type { RowResult } from "./row-result.js";

export type ReportKind = "csv" | "ndjson";

/** `.ndjson` / `.jsonl` reports are NDJSON; anything else (and stdout) is CSV. */
export function reportKind(path: string): ReportKind {
  return /\.(ndjson|jsonl)$/i.test(path) ? "ndjson" : "csv";
}

/** How a row's original data appears in the report, so that the report can be fed back in. */
export interface ReportLayout {
  /** The original column names, after the report's own columns in a CSV report. */
  readonly columns: readonly string[];
  /** The row's original cells, aligned with `columns`. */
  cells(record: InputRecord): string[];
  /** The row's original value, as NDJSON `input`. */
  value(record: InputRecord): unknown;
}

export interface ReportEncoder {
  readonly kind: ReportKind;
  header(): string;
  /** One record, without its line end. */
  encode(result: RowResult): string;
}

export function reportEncoder(kind: ReportKind, layout: ReportLayout): ReportEncoder {
  if (kind === "ndjson") {
    return {
      kind,
      header: () => "",
      encode: (result) =>
        JSON.stringify({
          row: result.record.row,
          key: result.key,
          status: result.status,
          code: result.code ?? null,
          message: result.message ?? null,
          attempts: result.attempts,
          http_status: result.httpStatus ?? null,
          input: layout.value(result.record),
        }),
    };
  }
  return { kind, header: () => csvLine([...REPORT_COLUMNS, ...layout.columns]), encode: csvEncoder(layout) };
}

/**
 * CSV lines. Rows of one batch share status, code, message, attempts and HTTP status, so
 * that part of the line is built once and reused while it stays the same: building each
 * line from a dozen pieces was the largest allocation of a whole upload. Row, status,
 * attempts and HTTP status are safe by construction; the other cells are checked.
 */
function csvEncoder(layout: ReportLayout): (result: RowResult) => string {
  let status = "";
  let code: string | undefined;
  let message: string | undefined;
  let attempts = -1;
  let httpStatus: number | undefined;
  let middle = "";
  return (result) => {
    if (result.status !== status || result.code !== code || result.message !== message || result.attempts !== attempts || result.httpStatus !== httpStatus) {
      ({ status, code, message, attempts, httpStatus } = result);
      middle = `,${status},${csvCell(code ?? "")},${csvCell(message ?? "")},${attempts},${httpStatus ?? ""}`;
    }
    let line = `${result.record.row},${csvCell(result.key)}${middle}`;
    for (const cell of layout.cells(result.record)) line += `,${csvCell(cell)}`;
    return line;
  };
}

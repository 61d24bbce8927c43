import { REPORT_COLUMNS } from "./columns.js";
import { csvCell, csvLine } from "./csv-line.js";
import type { ReportLayout } from "./layout.js";
import type { RowResult } from "./row-result.js";

export type ReportKind = "csv" | "ndjson";

/** `.ndjson` / `.jsonl` reports are NDJSON; anything else (and stdout) is CSV. */
export function reportKind(path: string): ReportKind {
  return /\.(ndjson|jsonl)$/i.test(path) ? "ndjson" : "csv";
}

export interface ReportEncoder {
  readonly kind: ReportKind;
  /** The header line (CSV), or "" (NDJSON). */
  header(): string;
  /** One record, with its line end. */
  encode(result: RowResult): string;
}

export function reportEncoder(kind: ReportKind, layout: ReportLayout): ReportEncoder {
  if (kind === "ndjson") {
    return {
      kind,
      header: () => "",
      encode: (result) =>
        `{"row":${result.row},"key":${JSON.stringify(result.key)},"status":"${result.status}","code":${JSON.stringify(result.code ?? null)},` +
        `"message":${JSON.stringify(result.message ?? null)},"attempts":${result.attempts},"http_status":${result.httpStatus ?? null},"input":${layout.tail(result.tail)}}\n`,
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
      middle = `,${status},${csvCell(code ?? "")},${csvCell(message ?? "")},${attempts},${httpStatus ?? ""},`;
    }
    return `${result.row},${csvCell(result.key)}${middle}${layout.tail(result.tail)}\n`;
  };
}

/** The report's own columns, in order; the input's original columns follow them. */
export const REPORT_COLUMNS = ["row", "key", "status", "code", "message", "attempts", "http_status"] as const;

/** True when a CSV header is an addlist report's: its original columns start after ours. */
export function isReportHeader(header: readonly string[]): boolean {
  return REPORT_COLUMNS.every((name, i) => header[i] === name);
}

/** True when a JSON record is an addlist NDJSON report record; its input is in `input`. */
export function isReportRecord(value: unknown): value is { input: unknown } {
  return typeof value === "object" && value !== null && "row" in value && "status" in value && "input" in value;
}

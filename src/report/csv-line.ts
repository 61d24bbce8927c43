/**
 * CSV output (RFC 4180, `\n` line ends). Cells that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading `'`, as OWASP advises.
 * Hand-written because it runs once per report row: on the same 1,000,000 report rows,
 * csv-stringify took 1.8–2.6 s and these 40 lines 0.24–0.29 s, more than the rest of the
 * upload together. A property test reads what it writes back with csv-parse.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
/** Either of the above: most cells match neither, and one test settles them. */
const SPECIAL = /^[=+\-@\t\r]|[",\r\n]/;

export function neutralise(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** The cell as it was before `neutralise`, for a report read back as input. */
export function unneutralise(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

export function csvCell(cell: string): string {
  if (!SPECIAL.test(cell)) return cell;
  const safe = neutralise(cell);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvLine(cells: readonly string[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ",";
    line += csvCell(cells[i] ?? "");
  }
  return `${line}\n`;
}

/** A cell's text for any JSON value: strings as they are, anything else as JSON. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

import type { InputRecord, Table } from "../input/table.js";
import { isObject, type RowAccess } from "../rows/columns.js";
import { cellText, csvCell } from "./csv-line.js";
import type { ReportKind } from "./format.js";

/**
 * How a row's original data travels from the check pass to the report, so that a filtered
 * report is a ready input for a re-run. The check pass keeps each row's "tail" as the
 * report will write it: CSV cells, or the NDJSON `input` value. JSON rows bound for a CSV
 * report are the exception: they stay JSON until the whole input is read, since their
 * columns are every field found across the input.
 */
export interface ReportLayout {
  /** The original column names, after the report's own columns in a CSV report. */
  readonly columns: readonly string[];
  /** The kept tail as report text: cells joined by commas (CSV), or the `input` JSON (NDJSON). */
  tail(kept: string): string;
}

/** What the check pass keeps of a row. */
export type TailKeeper = (record: InputRecord) => string;

/** CSV input: its own columns (an addlist report's after the report's columns). */
export function csvTailKeeper(kind: ReportKind, table: Table, access: RowAccess): TailKeeper {
  if (kind === "ndjson") return (record) => JSON.stringify(access.values(record));
  const offset = table.columnOffset;
  return (record) => {
    const fields = record.value as string[];
    let tail = csvCell(fields[offset] ?? "");
    for (let i = offset + 1; i < fields.length; i++) tail += `,${csvCell(fields[i] ?? "")}`;
    return tail;
  };
}

/** JSON input: the value itself, as JSON. */
export function jsonTailKeeper(): TailKeeper {
  return (record) => JSON.stringify(record.value) ?? "null";
}

export function csvLayout(table: Table): ReportLayout {
  return { columns: table.columns ?? [], tail: (kept) => kept };
}

/**
 * JSON input: the fields found across the input's objects (in first-seen order), or the key
 * column alone for bare values; non-string values appear as JSON text in CSV cells.
 */
export function jsonLayout(kind: ReportKind, fields: readonly string[], access: RowAccess): ReportLayout {
  const columns = fields.length > 0 ? fields : [access.keyColumn];
  if (kind === "ndjson") return { columns, tail: (kept) => kept };
  return {
    columns,
    tail: (kept) => {
      const value = JSON.parse(kept) as unknown;
      const values = isObject(value) ? value : { [access.keyColumn]: value };
      return columns.map((column) => csvCell(cellText(values[column]))).join(",");
    },
  };
}

import type { InputRecord, Table } from "../input/table.js";
import { isObject, type RowAccess } from "../rows/columns.js";
import { cellText } from "./csv-line.js";
import type { ReportLayout } from "./format.js";

/** CSV input: the original fields, in the input's column order. */
export function csvLayout(table: Table): ReportLayout {
  const columns = table.columns ?? [];
  const offset = table.columnOffset;
  return {
    columns,
    cells: (record) => (offset === 0 ? (record.value as string[]) : (record.value as string[]).slice(offset)),
    value: (record) => {
      const fields = record.value as string[];
      return Object.fromEntries(columns.map((column, i) => [column, fields[offset + i]]));
    },
  };
}

/**
 * JSON input: the fields found across the input's objects (in first-seen order), or the key
 * column alone for bare values; non-string values appear as JSON text in CSV cells.
 */
export function jsonLayout(fields: readonly string[], access: RowAccess): ReportLayout {
  const columns = fields.length > 0 ? fields : [access.keyColumn];
  return {
    columns,
    cells: (record: InputRecord) => {
      const values = isObject(record.value) ? record.value : { [access.keyColumn]: record.value };
      return columns.map((column) => cellText(values[column]));
    },
    value: (record) => record.value,
  };
}

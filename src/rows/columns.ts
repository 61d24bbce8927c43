import { InputError } from "../errors.js";
import type { InputRecord, Table } from "../input/table.js";

/** How to read a row's key and named values, settled once for the whole input. */
export interface RowAccess {
  /** The key column's name (for string rows: the driver's name for the key). */
  readonly keyColumn: string;
  /** The key as given; undefined when the row has none. */
  key(record: InputRecord): unknown;
  /** The row's values by column name (CSV: every column; JSON: the object, or the key alone). */
  values(record: InputRecord): Record<string, unknown>;
}

export interface KeyColumnRequest {
  /** `--column`, when given. */
  column: string | undefined;
  /** Auto-detected names in order of preference; the only column is used when none matches. */
  candidates: readonly string[];
  /** The name for the key of string rows. */
  keyName: string;
  /** False when rows are whole objects (leads) and a key column is only a convenience. */
  required?: boolean;
}

/** CSV: the key column is found in the header. */
export function csvRowAccess(name: string, table: Table, request: KeyColumnRequest): RowAccess {
  const columns = table.columns ?? [];
  const index = findColumn(name, columns, request, "column", "the columns found are");
  const offset = table.columnOffset;
  const keyColumn = columns[index] ?? request.keyName;
  return {
    keyColumn,
    key: index < 0 ? () => undefined : (record) => (record.value as string[])[offset + index],
    values: (record) => {
      const fields = record.value as string[];
      const values: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) values[columns[i] ?? ""] = fields[offset + i];
      return values;
    },
  };
}

/**
 * JSON and NDJSON: rows are objects (the key column is found among the first object's
 * fields) or bare values (each value is the key).
 */
export function jsonRowAccess(name: string, firstObject: Record<string, unknown> | undefined, request: KeyColumnRequest): RowAccess {
  let keyColumn = request.keyName;
  if (firstObject !== undefined) {
    const fields = Object.keys(firstObject);
    const index = findColumn(name, fields, request, "field", "the first object's fields are");
    keyColumn = fields[index] ?? request.keyName;
  }
  return {
    keyColumn,
    key: (record) => (isObject(record.value) ? record.value[keyColumn] : record.value),
    values: (record) => (isObject(record.value) ? record.value : { [keyColumn]: record.value }),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The key column's index; -1 when there is none to find (an empty file, or optional). */
function findColumn(name: string, columns: readonly string[], request: KeyColumnRequest, kind: "column" | "field", found: string): number {
  if (columns.length === 0) return -1; // an empty file: no rows to read a key from
  const wanted = request.column !== undefined ? [request.column] : request.candidates;
  for (const want of wanted) {
    const exact = indexesOf(columns, (column) => column === want);
    const loose = exact.length > 0 ? exact : indexesOf(columns, (column) => column.trim().toLowerCase() === want.trim().toLowerCase());
    if (loose.length > 1) throw new InputError(`${name}: line 1: the ${kind} "${want}" appears ${loose.length} times`, "ambiguous_key_column", 1);
    if (loose[0] !== undefined) return loose[0];
  }
  if (request.column === undefined && columns.length === 1) return 0;
  if (request.column === undefined && request.required === false) return -1;
  throw new InputError(`${name} has no key ${kind}: expected ${expected(request)}; ${found}: ${listed(columns)}`, "key_column_missing", 1);
}

function indexesOf(columns: readonly string[], matches: (column: string) => boolean): number[] {
  const found: number[] = [];
  columns.forEach((column, i) => {
    if (matches(column)) found.push(i);
  });
  return found;
}

function expected(request: KeyColumnRequest): string {
  if (request.column !== undefined) return `"${request.column}" (from --column)`;
  return `one of ${request.candidates.map((c) => `"${c}"`).join(", ")} (or name it with --column)`;
}

function listed(columns: readonly string[]): string {
  if (columns.length === 0) return "(none)";
  const shown = columns.slice(0, 20).map((c) => `"${c}"`);
  return columns.length > 20 ? `${shown.join(", ")} and ${columns.length - 20} more` : shown.join(", ");
}

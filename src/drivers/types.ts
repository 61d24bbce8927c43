import type { HttpAnswer } from "../http/client.js";
import type { InputRecord } from "../input/table.js";
import type { KeyColumnRequest, RowAccess } from "../rows/columns.js";

export const DRIVER_NAMES = ["leadlex-list", "leadlex-campaign", "emarsys", "amplemarket"] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

/** A row the driver will send: its part of the request body, and how answers name it. */
export interface AcceptedRow {
  ok: true;
  /** The key as given, for the report. */
  key: string;
  /** Normal form for dedupe: rows with equal identities are the same contact or lead. */
  identity: string;
  /** The row's part of the request body (in the form the driver's `request` joins), made once and reused on every resend. */
  item: string;
  /** How the provider's answer refers to this row (e.g. the id as sent). */
  match: string;
}

/** A row that fails local validation; it is never sent. */
export interface InvalidRow {
  ok: false;
  key: string;
  code: string;
  message: string;
}

export type RowCheck = AcceptedRow | InvalidRow;

/** A row as it goes out in one request. */
export interface SentRow {
  readonly item: string;
  readonly match: string;
}

export type SettledStatus = "added" | "already_present" | "added_or_present" | "rejected";

export interface RowOutcome {
  status: SettledStatus;
  code?: string | undefined;
  message?: string | undefined;
}

export interface ProviderError {
  code: string;
  message: string;
}

/** What one answer means for the rows of its request. */
export type BatchVerdict =
  /**
   * One outcome per sent row, in order. `provisional`: the outcomes stand only if the
   * target did not fill up (a partial answer from a capped list). `roomLeft`: the target
   * still had room when this request was applied.
   */
  | { kind: "settled"; outcomes: RowOutcome[]; provisional?: boolean; roomLeft?: boolean }
  /** The provider refused the request for the rows it named (by index): the rest is sent again. */
  | { kind: "reject_rows"; rejected: Map<number, ProviderError> }
  /** The provider refused the request without naming rows: halve it to isolate them. */
  | ({ kind: "split" } & ProviderError)
  /** The answer cannot be trusted for any row: the batch fails, nothing is assumed added. */
  | ({ kind: "fail" } & ProviderError)
  /** A run-level refusal (bad key, no permission, unknown target, list full): stop the run. */
  | ({ kind: "stop"; listFull?: boolean } & ProviderError);

/**
 * One provider endpoint. A driver is pure: it checks rows, builds request bodies and reads
 * answers. Sending, retrying, rate limits and the report belong to the pipeline, and
 * 429, 5xx and 413 answers never reach `interpret`.
 */
export interface Driver {
  readonly name: DriverName;
  readonly maxBatch: number;
  /** Request bodies stay under this many bytes; a 413 halves the batch anyway. */
  readonly maxBatchBytes: number;
  /** Checks one input row, reading its key or values through `access`. */
  check(record: InputRecord, access: RowAccess): RowCheck;
  request(rows: readonly SentRow[]): { path: string; body: string };
  interpret(answer: HttpAnswer, rows: readonly SentRow[]): BatchVerdict;
  /** The provider's code and message in an error answer, for the report and the user. */
  describeError(answer: HttpAnswer): ProviderError;
}

/** What a driver is created from. */
export interface DriverContext {
  target: string;
  /** The input's column names (for drivers that infer things from them). */
  columns: readonly string[];
  /** The column the keys come from. */
  keyColumn: string;
  /** The first row's values, when the columns alone say little (bare JSON values). */
  sample?: Record<string, unknown> | undefined;
  options: DriverOptions;
}

export interface DriverOptions {
  /** leadlex-campaign `--source`. */
  source?: string | undefined;
  /** emarsys `--key-id`. */
  keyId?: string | undefined;
  /** amplemarket `--type`. */
  type?: string | undefined;
}

/** Everything known about a driver before it is created: for help, `addlist drivers` and config. */
export interface DriverSpec {
  readonly name: DriverName;
  readonly summary: string;
  readonly endpoint: string;
  readonly maxBatch: number;
  /** What one input row is. */
  readonly rowIs: string;
  readonly keyColumn: Omit<KeyColumnRequest, "column">;
  /** Whether a lone first cell is a key rather than a column name (a one-column file without header). */
  looksLikeKey(cell: string): boolean;
  readonly provider: ProviderName;
  create(context: DriverContext): Driver;
}

export type ProviderName = "leadlex" | "emarsys" | "amplemarket";

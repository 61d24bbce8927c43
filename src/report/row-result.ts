export const ROW_STATUSES = [
  "added",
  "already_present",
  "added_or_present",
  "known",
  "duplicate_in_input",
  "invalid",
  "rejected",
  "failed",
  "not_sent",
  "planned",
] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

/** Statuses that are final: `--resume` never sends such a row again. */
export const SETTLED_STATUSES: ReadonlySet<string> = new Set<RowStatus>([
  "added",
  "already_present",
  "added_or_present",
  "known",
  "duplicate_in_input",
  "invalid",
  "rejected",
]);

/** Statuses that leave the exit code at 0. */
export const SUCCESS_STATUSES: ReadonlySet<RowStatus> = new Set<RowStatus>([
  "added",
  "already_present",
  "added_or_present",
  "known",
  "duplicate_in_input",
  "planned",
]);

/** Statuses that say the provider holds the row: what a `--state` file remembers. */
export const CONFIRMED_STATUSES: ReadonlySet<RowStatus> = new Set<RowStatus>(["added", "already_present", "added_or_present"]);

/** Statuses within `--max-bad-rows`: rows refused, locally or by the provider. */
export const BAD_ROW_STATUSES: ReadonlySet<RowStatus> = new Set<RowStatus>(["invalid", "rejected"]);

/** What became of one input row: one report record. */
export interface RowResult {
  row: number;
  key: string;
  status: RowStatus;
  code?: string | undefined;
  message?: string | undefined;
  /** Requests that carried this row. */
  attempts: number;
  /** HTTP status of the last answer about this row. */
  httpStatus?: number | undefined;
  /** The row's original data, as the check pass kept it (see `ReportLayout`). */
  tail: string;
  /** The row's identity, for rows that were sent (what `--state` records). */
  identity?: string | undefined;
}

export type StatusCounts = Record<RowStatus, number>;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(ROW_STATUSES.map((status) => [status, 0])) as StatusCounts;
}

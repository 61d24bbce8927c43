import type { InputRecord } from "../input/table.js";

export const ROW_STATUSES = [
  "added",
  "already_present",
  "added_or_present",
  "duplicate_in_input",
  "invalid",
  "rejected",
  "failed",
  "not_sent",
  "planned",
] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

/** Statuses that are final: `--resume` never sends such a row again. */
export const SETTLED_STATUSES: ReadonlySet<string> = new Set<RowStatus>(["added", "already_present", "added_or_present", "duplicate_in_input", "invalid", "rejected"]);

/** Statuses that leave the exit code at 0. */
export const SUCCESS_STATUSES: ReadonlySet<RowStatus> = new Set<RowStatus>(["added", "already_present", "added_or_present", "duplicate_in_input", "planned"]);

/** What became of one input row: one report record. */
export interface RowResult {
  record: InputRecord;
  key: string;
  status: RowStatus;
  code?: string | undefined;
  message?: string | undefined;
  /** Requests that carried this row. */
  attempts: number;
  /** HTTP status of the last answer about this row. */
  httpStatus?: number | undefined;
}

export type StatusCounts = Record<RowStatus, number>;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(ROW_STATUSES.map((status) => [status, 0])) as StatusCounts;
}

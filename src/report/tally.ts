import { emptyCounts, type RowResult, type RowStatus, type StatusCounts } from "./row-result.js";

/** Rows by status so far, for progress and the summary. */
export class Tally {
  readonly counts: StatusCounts = emptyCounts();
  done = 0;

  add(results: readonly RowResult[]): void {
    for (const result of results) this.count(result.status);
  }

  count(status: RowStatus): void {
    this.counts[status]++;
    this.done++;
  }
}

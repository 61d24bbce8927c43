import { emptyCounts, type RowStatus, type StatusCounts } from "./row-result.js";

/** The statuses whose causes the summary names. */
const EXPLAINED: ReadonlySet<RowStatus> = new Set<RowStatus>(["invalid", "rejected", "failed", "not_sent"]);
/** Causes the summary lists, most frequent first. */
const REASONS_SHOWN = 10;

/** A cause of unsuccessful rows: how many rows met it, and one of its messages. */
export interface Reason {
  status: RowStatus;
  code: string;
  count: number;
  message: string;
}

/** Rows by status so far, and the causes of the unsuccessful ones, for progress and the summary. */
export class Tally {
  readonly counts: StatusCounts = emptyCounts();
  done = 0;
  /** Of them, rows whose record was carried over from an earlier run. */
  carried = 0;
  private readonly causes = new Map<string, Reason>();

  count(status: RowStatus, code?: string, message?: string): void {
    this.counts[status]++;
    this.done++;
    if (!EXPLAINED.has(status)) return;
    const key = `${status}\u0000${code ?? ""}`;
    const cause = this.causes.get(key);
    if (cause !== undefined) cause.count++;
    else this.causes.set(key, { status, code: code ?? "", count: 1, message: message ?? "" });
  }

  /** The most frequent causes, most frequent first. */
  reasons(): Reason[] {
    return [...this.causes.values()].sort((a, b) => b.count - a.count).slice(0, REASONS_SHOWN);
  }
}

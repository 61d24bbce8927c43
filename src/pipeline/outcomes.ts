import type { OrderedReport } from "../report/ordered-report.js";
import type { StoredRecord } from "../report/report-records.js";
import { CONFIRMED_STATUSES, type RowResult, type RowStatus } from "../report/row-result.js";
import type { Tally } from "../report/tally.js";
import type { StateRecorder } from "../state/state-file.js";

/** Where every row's outcome goes: the report, the counts, and (`--state`) the confirmed identities. */
export class Outcomes {
  constructor(
    private readonly report: OrderedReport,
    readonly tally: Tally,
    private readonly state: StateRecorder | undefined,
  ) {}

  record(results: readonly RowResult[]): void {
    if (results.length === 0) return;
    this.report.write(results);
    for (const result of results) this.tally.count(result.status, result.code, result.message);
    if (this.state === undefined) return;
    const confirmed: string[] = [];
    for (const result of results) if (result.identity !== undefined && CONFIRMED_STATUSES.has(result.status)) confirmed.push(result.identity);
    this.state.record(confirmed);
  }

  /** A row an earlier run settled: its record is carried into this run's report as it was. */
  recordCarried(record: StoredRecord): void {
    this.report.writeCarried(record.row, record.line);
    this.tally.count(record.status as RowStatus, record.code, record.message);
    this.tally.carried++;
  }

  /** Resolves once every outcome recorded so far has reached the operating system. */
  async flushed(): Promise<void> {
    await Promise.all([this.report.flushed(), this.state?.flushed()]);
  }
}

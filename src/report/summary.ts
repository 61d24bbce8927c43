import { ExitCode } from "../errors.js";
import { type StopReason, stopExitCode } from "../pipeline/run-control.js";
import { counted, duration, thousands } from "./format-numbers.js";
import { ROW_STATUSES, type StatusCounts, SUCCESS_STATUSES } from "./row-result.js";

/** The run's summary: printed for people on stderr, or as one JSON object with `--json`. */
export interface RunSummary {
  driver: string;
  target: string;
  dry_run: boolean;
  rows: number;
  counts: StatusCounts;
  /** Requests sent (with `--dry-run`: the requests that would be sent). */
  requests: number;
  retries: number;
  elapsed_ms: number;
  report: string;
  exit_code: number;
  /** When the run stopped at a quota: when to `--resume`. */
  resume_after?: string;
  rate_limited: number;
  split_requests: number;
  /** Why the run stopped early, if it did. */
  stopped?: { reason: StopReason["kind"]; message: string };
}

export function exitCodeFor(counts: StatusCounts, stop: StopReason | undefined): ExitCode {
  if (stop !== undefined) return stopExitCode(stop);
  const unsuccessful = ROW_STATUSES.some((status) => counts[status] > 0 && !SUCCESS_STATUSES.has(status));
  return unsuccessful ? ExitCode.rowsUnsettled : ExitCode.ok;
}

export function stopMessage(stop: StopReason): string {
  switch (stop.kind) {
    case "provider":
      return stop.listFull === true ? `the list is full (${stop.code}: ${stop.message})` : `the provider refused the run (${stop.code}: ${stop.message})`;
    case "quota":
      return `the provider asked to wait until ${new Date(stop.resumeAt).toISOString()}, longer than --max-wait (a quota or a long rate-limit pause)`;
    case "breaker":
      return stop.message;
    case "input":
      return `the input changed while it was being sent (${stop.message}); the report lacks the rows not read`;
    case "signal":
      return `interrupted by ${stop.signal}`;
  }
}

export function summaryText(summary: RunSummary): string {
  const verb = summary.dry_run ? "planned" : "sent";
  const lines = [
    `${summary.driver} → ${summary.target}: ${counted(summary.rows, "row")} in ${duration(summary.elapsed_ms)}; ${counted(summary.requests, "request")} ${verb}, ${counted(summary.retries, "retry", "retries")}, ${thousands(summary.rate_limited)} rate-limited, ${thousands(summary.split_requests)} split`,
  ];
  const width = Math.max(...ROW_STATUSES.map((status) => status.length));
  for (const status of ROW_STATUSES) {
    if (summary.counts[status] > 0) lines.push(`  ${status.padEnd(width)}  ${thousands(summary.counts[status]).padStart(10)}`);
  }
  // Abandoned (a second Ctrl-C) or cut short by a changed input, some rows have no record yet.
  const unrecorded = summary.rows - ROW_STATUSES.reduce((sum, status) => sum + summary.counts[status], 0);
  if (unrecorded > 0) lines.push(`  ${"no record yet".padEnd(width)}  ${thousands(unrecorded).padStart(10)}`);
  lines.push(`report: ${summary.report === "-" ? "standard output" : summary.report}`);
  if (summary.stopped !== undefined) {
    const unsent = unrecorded > 0 ? "rows without a record are sent by --resume" : "unsent rows are not_sent in the report";
    lines.push(`stopped: ${summary.stopped.message}; ${unsent}`);
  }
  if (summary.resume_after !== undefined) lines.push(`resume after ${summary.resume_after} with the same command and --resume`);
  else if (summary.stopped?.reason === "provider") lines.push("once the cause is fixed, the same command with --resume sends the rest");
  else if (summary.stopped !== undefined) lines.push("to finish later, run the same command with --resume");
  lines.push(`exit ${summary.exit_code}: ${exitMeaning(summary.exit_code, summary.dry_run)}`);
  return `${lines.join("\n")}\n`;
}

function exitMeaning(code: number, dryRun: boolean): string {
  switch (code) {
    case ExitCode.ok:
      return dryRun ? "every row is valid" : "every row is in the target";
    case ExitCode.rowsUnsettled:
      return "some rows are invalid, rejected or failed (see the report)";
    case ExitCode.stopped:
      return "the run was stopped early";
    case ExitCode.quota:
      return "stopped at the provider's quota";
    default:
      return "interrupted";
  }
}

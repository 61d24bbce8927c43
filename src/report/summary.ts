import type { BadRowsAllowed } from "../config.js";
import type { StopCause } from "../drivers/types.js";
import { ExitCode } from "../errors.js";
import { type StopReason, stopExitCode } from "../pipeline/run-control.js";
import { counted, duration, thousands } from "./format-numbers.js";
import { BAD_ROW_STATUSES, ROW_STATUSES, type StatusCounts, SUCCESS_STATUSES } from "./row-result.js";
import type { Reason } from "./tally.js";

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
  /** When the run stopped at a quota: when to come back. */
  resume_after?: string;
  /** The most frequent causes of invalid, rejected, failed and not_sent rows. */
  reasons: Reason[];
  rate_limited: number;
  split_requests: number;
  /** The `--state` file, for an incremental run. */
  state?: string;
  /** Why the run stopped early, if it did, and what the refusal was about (see StopCause). */
  stopped?: { reason: StopReason["kind"]; message: string; cause?: StopCause };
}

/** The exit code of a run that got this far: see the exit code table in the README. */
export function exitCodeFor(counts: StatusCounts, stop: StopReason | undefined, allowed: BadRowsAllowed, rows: number): ExitCode {
  if (stop !== undefined) return stopExitCode(stop);
  let bad = 0;
  for (const status of ROW_STATUSES) {
    if (counts[status] === 0 || SUCCESS_STATUSES.has(status)) continue;
    if (!BAD_ROW_STATUSES.has(status)) return ExitCode.rowsUnsettled; // failed, not_sent: never tolerated
    bad += counts[status];
  }
  const tolerated = "rows" in allowed ? allowed.rows : (rows * allowed.percent) / 100;
  return bad > tolerated ? ExitCode.rowsUnsettled : ExitCode.ok;
}

export function stopMessage(stop: StopReason): string {
  switch (stop.kind) {
    case "provider":
      return stop.cause === "full" ? `the list is full (${stop.code}: ${stop.message})` : `the provider refused the run (${stop.code}: ${stop.message})`;
    case "quota":
      return `the provider asked to wait until ${new Date(stop.resumeAt).toISOString()}, longer than --max-wait (a quota or a long rate-limit pause)`;
    case "breaker":
      return stop.message;
    case "signal":
      return `interrupted by ${stop.signal}`;
  }
}

/** `stamped`: the first line starts with the date and time, so that nights in one cron log can be told apart. */
export function summaryText(summary: RunSummary, { stamped }: { stamped: boolean }): string {
  const verb = summary.dry_run ? "planned" : "sent";
  const stamp = stamped ? `${new Date().toISOString()} ` : "";
  const lines = [
    `${stamp}${summary.driver} → ${summary.target}: ${counted(summary.rows, "row")} in ${duration(summary.elapsed_ms)}; ${counted(summary.requests, "request")} ${verb}, ${counted(summary.retries, "retry", "retries")}, ${thousands(summary.rate_limited)} rate-limited, ${thousands(summary.split_requests)} split`,
  ];
  const width = Math.max(...ROW_STATUSES.map((status) => status.length));
  for (const status of ROW_STATUSES) {
    if (summary.counts[status] > 0) lines.push(`  ${status.padEnd(width)}  ${thousands(summary.counts[status]).padStart(10)}`);
  }
  // Abandoned (a second Ctrl-C), some rows have no record yet.
  const unrecorded = summary.rows - ROW_STATUSES.reduce((sum, status) => sum + summary.counts[status], 0);
  if (unrecorded > 0) lines.push(`  ${"no record yet".padEnd(width)}  ${thousands(unrecorded).padStart(10)}`);
  if (summary.reasons.length > 0)
    lines.push(
      "why:",
      ...summary.reasons.map(
        (reason) => `  ${thousands(reason.count).padStart(10)} ${reason.status} (${reason.code || "no code"}): ${shortened(reason.message)}`,
      ),
    );
  lines.push(`report: ${summary.report === "-" ? "standard output" : summary.report}`);
  lines.push(...nextSteps(summary, unrecorded));
  lines.push(`exit ${summary.exit_code}: ${exitMeaning(summary)}`);
  return `${lines.join("\n")}\n`;
}

function nextSteps(summary: RunSummary, unrecorded: number): string[] {
  const stopped = summary.stopped;
  if (stopped === undefined) return [];
  const unsent = unrecorded > 0 ? "rows without a record are sent by --resume" : "unsent rows are not_sent in the report";
  const rest =
    summary.state !== undefined && unrecorded === 0
      ? `the next run with --state ${summary.state} sends what is not yet in the target`
      : summary.report === "-"
        ? "a run of the rows the report does not show as settled sends the rest (--resume needs a --report file)"
        : "the same command with --resume sends the rest";
  return [`stopped: ${stopped.message}; ${unsent}`, advice(stopped, summary, rest)];
}

/**
 * What to do next. A report (and a state file that holds rows) belongs to one target, so a
 * wrong target is started afresh: with `--force` or another report; a `--state` run
 * replaces its report anyway.
 */
function advice(stopped: NonNullable<RunSummary["stopped"]>, summary: RunSummary, rest: string): string {
  if (summary.resume_after !== undefined) return `after ${summary.resume_after}, ${rest}`;
  const afresh =
    summary.state === undefined
      ? "run again with --force (or another --report)"
      : `run again (with another --state file if ${summary.state} already holds rows of this target)`;
  switch (stopped.cause) {
    case "target":
      return `check the target id ${summary.target}: to load the rows into the right one, ${afresh} with the corrected id`;
    case "full":
      return `the target is full: to load the rest into another one, ${afresh} with its id`;
    case "credentials":
      return `once the credentials or their permissions are fixed, ${rest}`;
  }
  return stopped.reason === "provider" ? `once the cause is fixed, ${rest}` : `to finish later: ${rest}`;
}

function exitMeaning(summary: RunSummary): string {
  const bad = summary.counts.invalid + summary.counts.rejected;
  switch (summary.exit_code) {
    case ExitCode.ok:
      if (summary.dry_run) return bad === 0 ? "every row is valid" : `every row is valid but ${thousands(bad)}, within --max-bad-rows`;
      return bad === 0 ? "every row is in the target" : `every row is in the target but ${thousands(bad)} invalid or rejected, within --max-bad-rows`;
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

function shortened(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

import { appendFile } from "node:fs/promises";
import { describeError } from "../errors.js";
import { thousands } from "./format-numbers.js";
import { ROW_STATUSES } from "./row-result.js";
import type { RunSummary } from "./summary.js";

/**
 * GitHub Actions: when `GITHUB_STEP_SUMMARY` names a file, a Markdown table of the counts
 * and the reasons is appended to it (other steps' summaries stay), as well-behaved CI tools
 * do. Failing to write it only earns a note: the run itself is done.
 */
export async function appendStepSummary(summary: RunSummary, env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY?.trim();
  if (path === undefined || path === "") return;
  try {
    await appendFile(path, stepSummary(summary));
  } catch (error) {
    stderr.write(`addlist: note: cannot append the step summary to ${path}: ${describeError(error)}\n`);
  }
}

function stepSummary(summary: RunSummary): string {
  const cell = (text: string): string => text.replaceAll("|", "\\|").replace(/[\r\n]+/g, " ");
  const lines = [
    `### addlist ${cell(summary.driver)} → ${cell(summary.target)}${summary.dry_run ? " (dry run)" : ""}`,
    "",
    `${thousands(summary.rows)} rows, ${thousands(summary.requests)} requests, exit code **${summary.exit_code}**; report \`${cell(summary.report)}\``,
    "",
    "| status | rows |",
    "|---|---:|",
    ...ROW_STATUSES.filter((status) => summary.counts[status] > 0).map((status) => `| ${status} | ${thousands(summary.counts[status])} |`),
  ];
  if (summary.stopped !== undefined) lines.push("", `Stopped: ${cell(summary.stopped.message)}`);
  if (summary.reasons.length > 0) {
    lines.push("", "| reason | code | rows | message |", "|---|---|---:|---|");
    for (const reason of summary.reasons)
      lines.push(`| ${reason.status} | ${cell(reason.code)} | ${thousands(reason.count)} | ${cell(reason.message.slice(0, 200))} |`);
  }
  return `${lines.join("\n")}\n\n`;
}

import { buildProgram, type CliActions, CommanderError, commanderExitCode } from "./cli.js";
import { type CliOptions, resolveConfig } from "./config.js";
import { DRIVERS, PROVIDERS } from "./drivers/registry.js";
import type { DriverSpec } from "./drivers/types.js";
import { AddlistError, describeError, ExitCode } from "./errors.js";
import { emptyCounts } from "./report/row-result.js";
import { type RunSummary, summaryText } from "./report/summary.js";
import { runUpload } from "./run.js";

/** Runs the command line; returns the exit code. The one place errors become exit codes. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const sandbox = async (options: Parameters<CliActions["sandbox"]>[0]): Promise<number> => (await import("./sandbox/serve.js")).serveSandbox(options);
  const program = buildProgram({ upload, sandbox, drivers: listDrivers }, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    return reportError(error);
  }
  return exitCode;
}

async function upload(spec: DriverSpec, target: string, input: string | undefined, options: CliOptions): Promise<number> {
  const started = Date.now();
  try {
    const config = resolveConfig(spec, target, input, options, process.env, process.stdin.isTTY === true);
    const summary = await runUpload(config, { stderr: process.stderr, env: process.env });
    if (config.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stderr.write(summaryText(summary));
    return summary.exit_code;
  } catch (error) {
    const code = reportError(error);
    if (options.json === true && options.report !== "-") {
      process.stdout.write(`${JSON.stringify(failedSummary(spec, target, options, code, error, Date.now() - started))}\n`);
    }
    return code;
  }
}

/** With --json, even a run that never started prints its one JSON object. */
function failedSummary(spec: DriverSpec, target: string, options: CliOptions, exitCode: number, error: unknown, elapsed: number): RunSummary & { error: { code: string; message: string } } {
  return {
    driver: spec.name,
    target,
    dry_run: options.dryRun === true,
    rows: 0,
    counts: emptyCounts(),
    requests: 0,
    retries: 0,
    elapsed_ms: elapsed,
    report: options.report ?? "",
    exit_code: exitCode,
    rate_limited: 0,
    split_requests: 0,
    error: { code: error instanceof AddlistError ? error.code : "internal", message: describeError(error) },
  };
}

/** One line on stderr, no stack trace; returns the exit code for the error. */
function reportError(error: unknown): number {
  if (error instanceof AddlistError) {
    process.stderr.write(`addlist: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`addlist: internal error: ${describeError(error)}\n`);
  if (process.env.ADDLIST_DEBUG === "1" && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  return ExitCode.internal;
}

function listDrivers(): number {
  const rows = DRIVERS.map((spec) => [
    spec.name,
    spec.endpoint,
    spec.maxBatch.toLocaleString("en-US"),
    PROVIDERS[spec.provider].credentials.map((set) => set.join(" + ")).join(" | "),
  ]);
  const header = ["driver", "endpoint", "max rows/request", "credentials (environment)"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()}\n`);
  return ExitCode.ok;
}

import { buildProgram, type CliActions, CommanderError, commanderExitCode } from "./cli.js";
import { type CliOptions, reportPath, resolveConfig } from "./config.js";
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
  const started = Date.now();
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return ExitCode.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) return reportError(error);
    const code = commanderExitCode(error);
    // With --json, stdout holds its one object even when the command line itself is wrong.
    if (code !== ExitCode.ok && argv.includes("--json")) {
      const failure = new AddlistError(error.message.replace(/^error: /, ""), "usage", ExitCode.usage);
      const input = argv[2]?.startsWith("-") === true ? undefined : argv[2];
      printFailure({ driver: argv[0] ?? "", target: argv[1] ?? "", report: reportPath(undefined, input), dryRun: argv.includes("--dry-run") }, failure, started);
    }
    return code;
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
    if (options.json === true) {
      printFailure({ driver: spec.name, target, report: reportPath(options.report, input), dryRun: options.dryRun === true }, error, started);
    }
    return code;
  }
}

/** With --json, even a run that never started prints its one JSON object. */
function printFailure(run: { driver: string; target: string; report: string; dryRun: boolean }, error: unknown, started: number): void {
  const summary: RunSummary & { error: { code: string; message: string } } = {
    driver: run.driver,
    target: run.target,
    dry_run: run.dryRun,
    rows: 0,
    counts: emptyCounts(),
    requests: 0,
    retries: 0,
    elapsed_ms: Date.now() - started,
    report: run.report,
    exit_code: error instanceof AddlistError ? error.exitCode : ExitCode.internal,
    rate_limited: 0,
    split_requests: 0,
    error: { code: error instanceof AddlistError ? error.code : "internal", message: describeError(error) },
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** One line on stderr, no stack trace; returns the exit code for the error. */
function reportError(error: unknown): number {
  if (error instanceof AddlistError) {
    process.stderr.write(`addlist: ${error.message}\n`);
    if (error.exitCode === ExitCode.internal) printStack(error.cause);
    return error.exitCode;
  }
  process.stderr.write(`addlist: internal error: ${describeError(error)}\n`);
  printStack(error);
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

/** The stack of an internal error, with ADDLIST_DEBUG=1 only: never the user's everyday output. */
function printStack(error: unknown): void {
  if (process.env.ADDLIST_DEBUG === "1" && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
}

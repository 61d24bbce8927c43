import { buildProgram, type CliActions, CommanderError, commanderExitCode } from "./cli.js";
import { type CliOptions, reportPath, resolveConfig } from "./config.js";
import { credentialSets, DRIVERS } from "./drivers/registry.js";
import type { DriverSpec } from "./drivers/types.js";
import { AddlistError, describeError, ExitCode } from "./errors.js";
import { emptyCounts } from "./report/row-result.js";
import { appendStepSummary } from "./report/step-summary.js";
import { type RunSummary, summaryText } from "./report/summary.js";
import { type RunIo, runUpload } from "./run.js";

/** What the command line runs with: the drivers it offers, and the process's streams and environment. */
export interface CliContext {
  drivers: readonly DriverSpec[];
  io: RunIo;
}

export function processContext(): CliContext {
  return { drivers: DRIVERS, io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env } };
}

/** Runs the command line; returns the exit code. The one place errors become exit codes. */
export async function runCli(argv: readonly string[], context: CliContext = processContext()): Promise<number> {
  const { io } = context;
  let exitCode: number = ExitCode.ok;
  const actions: CliActions = {
    upload: (spec, target, input, options) => upload(spec, target, input, options, io),
    sandbox: async (options) => (await import("./sandbox/serve.js")).serveSandbox(options, context.drivers, io),
    drivers: () => listDrivers(context.drivers, io),
  };
  const output = { writeOut: (text: string) => void io.stdout.write(text), writeErr: (text: string) => void io.stderr.write(text) };
  const program = buildProgram(context.drivers, actions, output, (code) => {
    exitCode = code;
  });
  const started = Date.now();
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return ExitCode.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) return reportError(error, io);
    const code = commanderExitCode(error);
    // With --json, stdout holds its one object even when the command line itself is wrong.
    if (code !== ExitCode.ok && argv.includes("--json")) {
      const failure = new AddlistError(error.message.replace(/^error: /, ""), "usage", ExitCode.usage);
      const input = argv[2]?.startsWith("-") === true ? undefined : argv[2];
      printFailure(
        { driver: argv[0] ?? "", target: argv[1] ?? "", report: reportPath(undefined, input), dryRun: argv.includes("--dry-run") },
        failure,
        started,
        io,
      );
    }
    return code;
  }
  return exitCode;
}

async function upload(spec: DriverSpec, target: string, input: string | undefined, options: CliOptions, io: RunIo): Promise<number> {
  const started = Date.now();
  try {
    const config = resolveConfig(spec, target, input, options, io.env, (io.stdin as { isTTY?: boolean }).isTTY === true);
    const summary = await runUpload(config, io);
    if (config.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else io.stderr.write(summaryText(summary, { stamped: config.quiet && io.stderr.isTTY !== true }));
    await appendStepSummary(summary, io.env, io.stderr);
    return summary.exit_code;
  } catch (error) {
    const code = reportError(error, io);
    if (options.json === true) {
      const report = reportPath(typeof options.report === "string" ? options.report : undefined, input);
      printFailure({ driver: spec.name, target, report, dryRun: options.dryRun === true }, error, started, io);
    }
    return code;
  }
}

/** With --json, even a run that never started prints its one JSON object. */
function printFailure(run: { driver: string; target: string; report: string; dryRun: boolean }, error: unknown, started: number, io: RunIo): void {
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
    reasons: [],
    rate_limited: 0,
    split_requests: 0,
    error: { code: error instanceof AddlistError ? error.code : "internal", message: describeError(error) },
  };
  io.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** One line on stderr, no stack trace; returns the exit code for the error. */
function reportError(error: unknown, io: RunIo): number {
  if (error instanceof AddlistError) {
    io.stderr.write(`addlist: ${error.message}\n`);
    if (error.exitCode === ExitCode.internal) printStack(error.cause, io);
    return error.exitCode;
  }
  io.stderr.write(`addlist: internal error: ${describeError(error)}\n`);
  printStack(error, io);
  return ExitCode.internal;
}

function listDrivers(drivers: readonly DriverSpec[], io: RunIo): number {
  const rows = drivers.map((spec) => [spec.name, spec.endpoint, spec.maxBatch.toLocaleString("en-US"), credentialSets(spec.provider).join(" | ")]);
  const header = ["driver", "endpoint", "max rows/request", "credentials (environment)"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  for (const row of [header, ...rows])
    io.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd()}\n`,
    );
  return ExitCode.ok;
}

/** The stack of an internal error, with ADDLIST_DEBUG=1 only: never the user's everyday output. */
function printStack(error: unknown, io: RunIo): void {
  if (io.env.ADDLIST_DEBUG === "1" && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
}

import { Command, CommanderError, Option } from "commander";
import type { CliOptions } from "./config.js";
import { credentialSets } from "./drivers/registry.js";
import type { DriverSpec } from "./drivers/types.js";
import { ExitCode } from "./errors.js";
import { FAULT_KINDS } from "./sandbox/faults.js";
import { addLimiterOptions } from "./sandbox/limiter-options.js";
import { version } from "./version.js";

export interface CliActions {
  upload(spec: DriverSpec, target: string, input: string | undefined, options: CliOptions): Promise<number>;
  sandbox(options: Record<string, string | boolean | undefined>): Promise<number>;
  drivers(): number;
}

export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** The command-line definitions, derived from the drivers: every command and option, and nothing else. */
export function buildProgram(drivers: readonly DriverSpec[], actions: CliActions, output: CliOutput, setExit: (code: number) => void): Command {
  const program = new Command("addlist")
    .description(
      "Add the rows of a file (CSV, TSV, JSON, NDJSON, gzip or stdin) to a list on a sales or marketing platform, and write a report of what became of every row.",
    )
    .version(version(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr, outputError: (text, write) => write(`addlist: ${text.replace(/^error: /, "")}`) })
    .exitOverride();
  program.addHelpText("after", programHelp(drivers));
  for (const spec of drivers) {
    const command = program
      .command(spec.name)
      .argument("<target-id>", spec.targetIs)
      .argument("[input]", "file to read (CSV, TSV, JSON, NDJSON, optionally .gz); - or omitted: standard input")
      .description(`${spec.summary}: ${spec.endpoint}, up to ${spec.maxBatch.toLocaleString("en-US")} rows per request`);
    addSharedOptions(command, spec);
    for (const option of spec.options) {
      const defined = new Option(option.flags, option.description);
      command.addOption(option.choices === undefined ? defined : defined.choices(option.choices));
    }
    command.addHelpText("after", driverHelp(spec));
    command.action(async (target: string, input: string | undefined, options: CliOptions) => {
      setExit(await actions.upload(spec, target, input, options));
    });
  }
  addSandboxCommand(program, actions, setExit);
  program
    .command("drivers")
    .description("list the drivers, their endpoints, batch limits and credentials")
    .action(() => setExit(actions.drivers()));
  return program;
}

function programHelp(drivers: readonly DriverSpec[]): string {
  const first = drivers[0]?.name ?? "<driver>";
  return `
Examples:
  addlist ${first} 6f1c... contacts.csv                 upload, report in contacts.report.csv
  addlist ${first} demo-list fixtures/leadlex-contacts.csv --sandbox
  addlist ${first} 6f1c... export.csv --state list.state     send only rows no earlier run confirmed
  addlist drivers                                            drivers, limits and credentials
  addlist <driver> --help                                    a driver's options

Exit codes: 0 all rows in the target (or within --max-bad-rows), 1 some rows invalid,
rejected or failed, 2 usage or input error (nothing sent), 3 stopped by the provider,
4 stopped at a quota (run again later), 130/143 interrupted, 70 an internal error (a bug).`;
}

function addSharedOptions(command: Command, spec: DriverSpec): void {
  const provider = spec.provider;
  command
    .option("-c, --column <name>", `column or JSON field holding the key (default: ${spec.keyColumn.candidates.join(", ")}, or the only column)`)
    .addOption(new Option("--format <format>", "input format (default: from the extension, or sniffed)").choices(["csv", "tsv", "json", "ndjson"]))
    .option("--delimiter <char>", "CSV delimiter (default: detected among , ; tab |)")
    .option("--no-header", "the CSV has no header line (columns are then named 1, 2, ...)")
    .option("-b, --batch-size <n>", `rows per request (default and most: ${spec.maxBatch})`)
    .option("-p, --concurrency <n>", "requests in flight (default: 4)")
    .option("--rate <n>", "at most n requests per second (default: adapt to the provider's limits)")
    .option("--retries <n>", "retries of a request after a 5xx, network error or timeout (default: 5)")
    .option("--max-wait <seconds>", "longest rate-limit or quota wait to sit out; longer stops the run, exit 4 (default: 900)")
    .option("--timeout <seconds>", "per request (default: 30)")
    .option("-o, --report <path>", "per-row report, .ndjson/.jsonl or else CSV; - for stdout (default: <input stem>.report.csv here)")
    .option("--resume", "continue the run recorded in the report: settled rows are not sent again")
    .option("--force", "overwrite an existing report")
    .option("--state <path>", "incremental loads: skip rows an earlier run confirmed in this target, and record what this run confirms")
    .option("--full-refresh", "with --state: send every row anyway and rebuild the state from the answers")
    .option("--max-bad-rows <n|p%>", "invalid + rejected rows tolerated before the exit code turns 1, a number or a percentage (default: 0)")
    .option("--dry-run", "read, validate, dedupe and plan batches; send nothing (the report lists rows as planned)")
    .option("--base-url <url>", `provider base URL (default: $${provider.baseUrlEnv}, then ${provider.defaultBaseUrl})`)
    .option("--sandbox", "send to the built-in provider sandbox on loopback instead (no credentials needed)")
    .option("--json", "print the summary as one JSON object on stdout")
    .option("-q, --quiet", "no progress output")
    .option("--no-progress", "no progress output")
    .option("-v, --verbose", "print each request's path, rows, status and time (never headers or credentials)");
}

function driverHelp(spec: DriverSpec): string {
  const settings = spec.provider.credentials.flatMap((scheme) => (scheme.settings ?? []).map((setting) => `${setting.name} (default ${setting.default})`));
  const credentials = credentialSets(spec.provider).join("  or  ");
  return `
One row is ${spec.rowIs}. Credentials (environment only): ${credentials}.${settings.length > 0 ? ` Also read: ${settings.join(", ")}.` : ""}

Examples:
  addlist ${spec.name} <target-id> rows.csv
  addlist ${spec.name} <target-id> rows.csv --dry-run
  addlist ${spec.name} <target-id> rows.csv --sandbox
  addlist ${spec.name} <target-id> rows.csv --resume          continue after a stop or crash
  addlist ${spec.name} <target-id> export.csv --state t.state  nightly: send only what is new
  cat rows.ndjson | addlist ${spec.name} <target-id> - --json --report rows.report.ndjson`;
}

function addSandboxCommand(program: Command, actions: CliActions, setExit: (code: number) => void): void {
  const sandbox = program
    .command("sandbox")
    .description("serve the provider sandbox on loopback, to rehearse a data load without an account")
    .option("--port <n>", "port to listen on, 0 for any free port (default: 4010)")
    .option("--list-cap <n>", "Amplemarket leads per list (default: 60000)")
    .option("--latency <ms>", "delay before every answer (default: 0)")
    .option("--latency-jitter <ms>", "a random extra delay of up to this long, seeded (default: 0)")
    .option("--faults <rate>", "share of requests that meet a fault, 0 to 1 (default: 0)")
    .option("--fault-kinds <list>", `faults to draw from, comma-separated, any of: ${FAULT_KINDS.join(", ")} (default: 500,502,503,reset-before,reset-after)`)
    .option("--seed <n>", "seed for the fault sequence and the jitter (default: 1)")
    .addHelpText(
      "after",
      `
Examples:
  addlist sandbox --port 4010
  addlist sandbox --faults 0.3 --seed 7                  30% of requests fail in mixed ways
  addlist sandbox --rate-limit 20/s --rate-limit-style retry-after
  addlist sandbox --daily-quota 100                      then POST /_sandbox/new-day to reset it`,
    )
    .action(async (options: Record<string, string | boolean | undefined>) => setExit(await actions.sandbox(options)));
  addLimiterOptions(sandbox);
}

/** Commander's own exits: help and version are fine, anything else is a usage error. */
export function commanderExitCode(error: CommanderError): number {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return ExitCode.ok;
  return ExitCode.usage;
}

export { CommanderError };

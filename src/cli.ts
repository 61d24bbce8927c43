import { Command, CommanderError, Option } from "commander";
import type { CliOptions } from "./config.js";
import { LEAD_TYPES } from "./drivers/amplemarket.js";
import { DRIVERS, PROVIDERS } from "./drivers/registry.js";
import type { DriverSpec } from "./drivers/types.js";
import { ExitCode } from "./errors.js";
import { FAULT_KINDS } from "./sandbox/faults.js";
import { version } from "./version.js";

export interface CliActions {
  upload(spec: DriverSpec, target: string, input: string | undefined, options: CliOptions): Promise<number>;
  sandbox(options: Record<string, string | boolean | undefined>): Promise<number>;
  drivers(): number;
}

const DRIVER_OPTIONS: Partial<Record<DriverSpec["name"], (command: Command) => void>> = {
  "leadlex-campaign": (command) => command.option("--source <tag>", "free-form tag stored on each enrollment (e.g. import:csv-2026-04)"),
  emarsys: (command) => command.option("--key-id <id>", "the field that identifies contacts (a field id, id or uid); omitted: the internal id"),
  amplemarket: (command) =>
    command.addOption(
      new Option("--type <type>", "lead type; omitted: inferred from the columns (linkedin_url, else email, else title + company)").choices(LEAD_TYPES),
    ),
};

/** The command-line definitions: every command and option, and nothing else. */
export function buildProgram(actions: CliActions, setExit: (code: number) => void): Command {
  const program = new Command("addlist")
    .description("Add the rows of a file (CSV, TSV, JSON, NDJSON, gzip or stdin) to a list on a sales or marketing platform,\nand write a report of what became of every row.")
    .version(version(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(`addlist: ${text.replace(/^error: /, "")}`) })
    .exitOverride();
  program.addHelpText(
    "after",
    `
Examples:
  addlist leadlex-list 6f1c... contacts.csv                 upload, report in contacts.report.csv
  addlist leadlex-list demo-list fixtures/leadlex-contacts.csv --sandbox
  zcat leads.ndjson.gz | addlist amplemarket 42 - --type email --json
  addlist drivers                                            drivers, limits and credentials
  addlist <driver> --help                                    a driver's options

Exit codes: 0 all rows in the target, 1 some rows invalid/rejected/failed, 2 usage or
input error (nothing sent), 3 stopped by the provider, 4 stopped at a quota (--resume
later), 130/143 interrupted, 70 an internal error (a bug).`,
  );
  for (const spec of DRIVERS) {
    const command = program
      .command(`${spec.name}`)
      .argument("<target-id>", targetHelp(spec))
      .argument("[input]", "file to read (CSV, TSV, JSON, NDJSON, optionally .gz); - or omitted: standard input")
      .description(`${spec.summary}: ${spec.endpoint}, up to ${spec.maxBatch.toLocaleString("en-US")} rows per request`);
    addSharedOptions(command, spec);
    DRIVER_OPTIONS[spec.name]?.(command);
    command.addHelpText("after", driverHelp(spec));
    command.action(async (target: string, input: string | undefined, options: CliOptions) => {
      setExit(await actions.upload(spec, target, input, options));
    });
  }
  program
    .command("sandbox")
    .description("serve the provider sandbox on loopback, to rehearse a data load without an account")
    .option("--port <n>", "port to listen on (0: any free port)", "4010")
    .option("--list-cap <n>", "Amplemarket leads per list", "60000")
    .option("--latency <ms>", "delay before every answer", "0")
    .option("--faults <rate>", "share of requests that meet a fault, 0 to 1", "0")
    .option("--fault-kinds <list>", `faults to draw from, comma-separated, any of: ${FAULT_KINDS.join(", ")}`, "500,502,503,reset-before,reset-after")
    .option("--seed <n>", "seed for the fault sequence", "1")
    .option("--rate-limit <rate>", "requests per window and provider, e.g. 20/s or 60/m")
    .option("--daily-quota <n>", "requests per provider per UTC day")
    .addOption(
      new Option("--rate-limit-style <style>", "how limits are told: headers (X-RateLimit-*), retry-after, or each provider's own way").choices(["provider", "headers", "retry-after"]).default("provider"),
    )
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
  program
    .command("drivers")
    .description("list the drivers, their endpoints, batch limits and credentials")
    .action(() => setExit(actions.drivers()));
  return program;
}

function addSharedOptions(command: Command, spec: DriverSpec): void {
  command
    .option("-c, --column <name>", `column or JSON field holding the key (auto: ${spec.keyColumn.candidates.join(", ")}, or the only column)`)
    .addOption(new Option("--format <format>", "input format (default: from the extension, or sniffed)").choices(["csv", "tsv", "json", "ndjson"]))
    .option("--delimiter <char>", "CSV delimiter (default: detected among , ; tab |)")
    .option("--no-header", "the CSV has no header line (columns are then named 1, 2, ...)")
    .option("-b, --batch-size <n>", `rows per request (at most ${spec.maxBatch})`)
    .option("-p, --concurrency <n>", "requests in flight", "4")
    .option("--rate <n>", "at most n requests per second (default: adapt to the provider's limits)")
    .option("--retries <n>", "retries of a request after a 5xx, network error or timeout", "5")
    .option("--max-wait <seconds>", "longest rate-limit or quota wait to sit out; longer stops the run (exit 4)", "900")
    .option("--timeout <seconds>", "per request", "30")
    .option("-o, --report <path>", "per-row report, .ndjson/.jsonl or else CSV; - for stdout (default: <input stem>.report.csv here)")
    .option("--resume", "continue the run recorded in the report: settled rows are not sent again")
    .option("--force", "overwrite an existing report")
    .option("--dry-run", "read, validate, dedupe and plan batches; send nothing (the report lists rows as planned)")
    .option("--base-url <url>", `provider base URL (default: $${PROVIDERS[spec.provider].baseUrlEnv}, then ${PROVIDERS[spec.provider].defaultBaseUrl})`)
    .option("--sandbox", "send to the built-in provider sandbox on loopback instead (no credentials needed)")
    .option("--json", "print the summary as one JSON object on stdout")
    .option("-q, --quiet", "no progress output")
    .option("--no-progress", "no progress output")
    .option("-v, --verbose", "print each request's path, rows, status and time (never headers or credentials)");
}

function targetHelp(spec: DriverSpec): string {
  return spec.provider === "amplemarket" ? "the lead list id" : spec.name === "leadlex-campaign" ? "the campaign id" : "the list id";
}

function driverHelp(spec: DriverSpec): string {
  const credentials = PROVIDERS[spec.provider].credentials.map((set) => set.join(" + ")).join("  or  ");
  return `
One row is ${spec.rowIs}. Credentials (environment only): ${credentials}.

Examples:
  addlist ${spec.name} <target-id> rows.csv
  addlist ${spec.name} <target-id> rows.csv --dry-run
  addlist ${spec.name} <target-id> rows.csv --sandbox
  addlist ${spec.name} <target-id> rows.csv --resume          continue after a stop or crash
  cat rows.ndjson | addlist ${spec.name} <target-id> - --json --report rows.report.ndjson`;
}

/** Commander's own exits: help and version are fine, anything else is a usage error. */
export function commanderExitCode(error: CommanderError): number {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return ExitCode.ok;
  return ExitCode.usage;
}

export { CommanderError };

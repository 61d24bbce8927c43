import { resolve } from "node:path";
import * as z from "zod/mini";
import type { CredentialScheme, DriverSpec } from "./drivers/types.js";
import { UsageError } from "./errors.js";
import { checkedUrl, isLoopback } from "./http/url.js";
import { inputStem } from "./input/source.js";
import { INPUT_FORMATS, type InputFormat } from "./input/table.js";
import { type ReportKind, reportKind } from "./report/format.js";

/** The options as commander hands them over: strings and flags, nothing checked yet; driver options by their camelCase names. */
export type CliOptions = Record<string, string | boolean | undefined>;

/** Credentials found in the environment, and the scheme they are for. */
export interface Credentials {
  scheme: CredentialScheme;
  values: Readonly<Record<string, string>>;
}

/** `--max-bad-rows`: a number of rows, or a share of the rows in percent. */
export type BadRowsAllowed = { rows: number } | { percent: number };

export interface RunConfig {
  spec: DriverSpec;
  target: string;
  /** A path, or undefined for stdin. */
  input: string | undefined;
  column: string | undefined;
  format: InputFormat | undefined;
  delimiter: string | undefined;
  header: "yes" | "no" | "auto";
  batchSize: number;
  concurrency: number;
  rate: number | undefined;
  retries: number;
  maxWaitMs: number;
  timeoutMs: number;
  /** A path, or "-" for stdout. */
  report: string;
  reportKind: ReportKind;
  resume: boolean;
  force: boolean;
  dryRun: boolean;
  sandbox: boolean;
  /** `--state`: a path, when the run is incremental. */
  state: string | undefined;
  fullRefresh: boolean;
  maxBadRows: BadRowsAllowed;
  /** Undefined with `--sandbox`: the sandbox's own address is used. */
  baseUrl: URL | undefined;
  /** Undefined for `--dry-run` and `--sandbox`, which need none. */
  credentials: Credentials | undefined;
  json: boolean;
  progress: boolean;
  quiet: boolean;
  verbose: boolean;
  driverOptions: Record<string, string | undefined>;
  /** One-line notes to show before anything is sent. */
  notes: string[];
}

/** Checks the command line and the environment; every mistake is a UsageError before anything is read. */
export function resolveConfig(
  spec: DriverSpec,
  target: string,
  input: string | undefined,
  options: CliOptions,
  env: NodeJS.ProcessEnv,
  stdinIsTty: boolean,
): RunConfig {
  const flag = (name: string): boolean => options[name] === true;
  const text = (name: string): string | undefined => (typeof options[name] === "string" ? options[name] : undefined);
  if (target.trim() === "") throw new UsageError("the target id is empty");
  if (input === undefined && stdinIsTty) throw new UsageError("no input: give a file path, or pipe the rows in (use - to read standard input)", "no_input");
  const report = reportPath(text("report"), input);
  checkCombinations(options, report, input);
  const sandbox = flag("sandbox");
  const credentials = flag("dryRun") || sandbox ? undefined : readCredentials(spec, env);
  const baseUrl = sandbox ? undefined : resolveBaseUrl(spec, text("baseUrl"), env, credentials);
  return {
    spec,
    target,
    input: input === "-" ? undefined : input,
    column: text("column"),
    format: parse("--format", z.enum(INPUT_FORMATS), text("format"), `one of ${INPUT_FORMATS.join(", ")}`),
    delimiter: delimiterOption(text("delimiter")),
    header: options.header === false ? "no" : "auto",
    batchSize:
      parse("--batch-size", integer(1, spec.maxBatch), text("batchSize"), `a whole number from 1 to ${spec.maxBatch} (the ${spec.name} limit)`) ??
      spec.maxBatch,
    concurrency: parse("--concurrency", integer(1, 64), text("concurrency"), "a whole number from 1 to 64") ?? 4,
    rate: parse("--rate", positive(), text("rate"), "a number of requests per second above 0"),
    retries: parse("--retries", integer(0, 100), text("retries"), "a whole number from 0 to 100") ?? 5,
    maxWaitMs: (parse("--max-wait", seconds(), text("maxWait"), "a number of seconds, 0 or more") ?? 900) * 1000,
    timeoutMs: (parse("--timeout", positive(), text("timeout"), "a number of seconds above 0") ?? 30) * 1000,
    report,
    reportKind: reportKind(report),
    resume: flag("resume"),
    force: flag("force"),
    dryRun: flag("dryRun"),
    sandbox,
    state: text("state"),
    fullRefresh: flag("fullRefresh"),
    maxBadRows: badRowsOption(text("maxBadRows")),
    baseUrl,
    credentials,
    json: flag("json"),
    progress: !flag("quiet") && options.progress !== false,
    quiet: flag("quiet") || options.progress === false,
    verbose: flag("verbose"),
    driverOptions: driverOptions(spec, options),
    // A dry run reads no credentials, but is the rehearsal where the note helps most.
    notes: endpointNotes(baseUrl, credentials ?? (flag("dryRun") ? credentialsIfSet(spec, env) : undefined)),
  };
}

function checkCombinations(options: CliOptions, report: string, input: string | undefined): void {
  const flag = (name: string): boolean => options[name] === true;
  if (flag("json") && report === "-") throw new UsageError("--json and --report - both want standard output; choose one");
  if (flag("resume") && flag("force")) throw new UsageError("--resume and --force contradict each other; choose one");
  if (flag("resume") && report === "-") throw new UsageError("--resume needs a report file to continue from, not --report -");
  if (flag("resume") && flag("dryRun")) throw new UsageError("--dry-run cannot continue a report: it would overwrite the outcomes with plans");
  if (flag("sandbox") && options.baseUrl !== undefined) throw new UsageError("--sandbox and --base-url both say where to send; choose one");
  if (flag("fullRefresh") && options.state === undefined) throw new UsageError("--full-refresh rebuilds a --state file; give --state <path>");
  if (report !== "-" && input !== undefined && input !== "-" && resolve(report) === resolve(input)) {
    throw new UsageError("the report would overwrite the input; choose another --report path");
  }
  if (
    typeof options.state === "string" &&
    ((input !== undefined && resolve(options.state) === resolve(input)) || (report !== "-" && resolve(options.state) === resolve(report)))
  ) {
    throw new UsageError("--state must be a file of its own, not the input or the report");
  }
}

/** `--report`, else `<input stem>.report.csv` in the current directory (`addlist.report.csv` for stdin). */
export function reportPath(option: string | undefined, input: string | undefined): string {
  return option ?? `${inputStem(input) ?? "addlist"}.report.csv`;
}

function parse<T>(option: string, schema: z.ZodMiniType<T>, value: string | undefined, expected: string): T | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`${option} must be ${expected}; got ${JSON.stringify(value)}`, "bad_option");
  return result.data;
}

/** Text of digits (a decimal point allowed when `decimals`) read as a number, then checked. */
function numeric(decimals: boolean, ...checks: z.core.$ZodCheck<number>[]): z.ZodMiniType<number> {
  const text = z.string().check(z.trim(), z.regex(decimals ? /^\d+(\.\d+)?$/ : /^\d+$/));
  return z.pipe(z.pipe(text, z.transform(Number)), z.number().check(...checks));
}

function integer(min: number, max: number): z.ZodMiniType<number> {
  return numeric(false, z.gte(min), z.lte(max));
}

function positive(): z.ZodMiniType<number> {
  return numeric(true, z.positive());
}

function seconds(): z.ZodMiniType<number> {
  return numeric(true, z.gte(0));
}

function delimiterOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const named: Record<string, string> = { tab: "\t", "\\t": "\t", comma: ",", semicolon: ";", pipe: "|" };
  const delimiter = named[value.toLowerCase()] ?? value;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new UsageError(`--delimiter must be one character (or tab); got ${JSON.stringify(value)}`, "bad_option");
  }
  return delimiter;
}

/** `--max-bad-rows 10` or `--max-bad-rows 0.5%`. */
function badRowsOption(value: string | undefined): BadRowsAllowed {
  if (value === undefined) return { rows: 0 };
  const percent = /^\s*(\d+(\.\d+)?)\s*%\s*$/.exec(value);
  if (percent !== null && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  const rows = parse("--max-bad-rows", integer(0, Number.MAX_SAFE_INTEGER), value, "a number of rows or a percentage, e.g. 10 or 0.5%");
  return { rows: rows ?? 0 };
}

/** The driver's own options, checked against the schemas it declares. */
function driverOptions(spec: DriverSpec, options: CliOptions): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const option of spec.options) {
    const name = optionName(option.flags);
    const value = typeof options[name] === "string" ? options[name] : undefined;
    const flag = option.flags.split(/[ ,]/).find((part) => part.startsWith("--")) ?? name;
    values[name] = option.schema === undefined ? value : parse(flag, option.schema, value, option.expected ?? "valid");
  }
  return values;
}

/** Commander's attribute name for `--key-id <id>`: `keyId`. */
function optionName(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)?.[1] ?? "";
  return long.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
}

/** The first credential scheme whose variables are all set; a usage error when none is. */
export function readCredentials(spec: DriverSpec, env: NodeJS.ProcessEnv): Credentials {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  for (const scheme of spec.provider.credentials) {
    if (!scheme.variables.every((name) => get(name) !== undefined)) continue;
    const values: Record<string, string> = {};
    for (const name of scheme.variables) values[name] = get(name) ?? "";
    for (const setting of scheme.settings ?? []) values[setting.name] = get(setting.name) ?? setting.default;
    scheme.check?.(values);
    return { scheme, values };
  }
  const wanted = spec.provider.credentials.map((scheme) => scheme.variables.join(" and ")).join(", or ");
  throw new UsageError(`${spec.name} needs credentials in the environment: set ${wanted} (or use --dry-run or --sandbox)`, "missing_credentials");
}

function credentialsIfSet(spec: DriverSpec, env: NodeJS.ProcessEnv): Credentials | undefined {
  try {
    return readCredentials(spec, env);
  } catch {
    return undefined;
  }
}

/** `--base-url`, else the provider's variable, else the default (of the credential scheme, if it has its own). */
export function resolveBaseUrl(spec: DriverSpec, flag: string | undefined, env: NodeJS.ProcessEnv, credentials: Credentials | undefined): URL {
  const provider = spec.provider;
  const fromEnv = env[provider.baseUrlEnv]?.trim();
  const fallback = credentials?.scheme.defaultBaseUrl ?? provider.defaultBaseUrl;
  const text = flag ?? (fromEnv === undefined || fromEnv === "" ? fallback : fromEnv);
  const from = flag !== undefined ? "--base-url" : fromEnv !== undefined && fromEnv !== "" ? provider.baseUrlEnv : "the default base URL";
  return checkedUrl(text, from);
}

/**
 * A base URL on this machine (a sandbox, a proxy) while a setting such as the OAuth2 token
 * URL still points at the real provider: the token would come from there.
 */
function endpointNotes(baseUrl: URL | undefined, credentials: Credentials | undefined): string[] {
  if (baseUrl === undefined || credentials === undefined || !isLoopback(baseUrl.hostname)) return [];
  return (credentials.scheme.settings ?? [])
    .filter((setting) => credentials.values[setting.name] === setting.default && !isLoopback(new URL(setting.default).hostname))
    .map(
      (setting) => `the base URL is on this machine, but ${setting.name} is the real ${setting.default}; set ${setting.name} too (addlist sandbox prints it)`,
    );
}

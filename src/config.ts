import { resolve } from "node:path";
import * as z from "zod/mini";
import { LEAD_TYPES } from "./drivers/amplemarket.js";
import { PROVIDERS } from "./drivers/registry.js";
import type { DriverOptions, DriverSpec } from "./drivers/types.js";
import { UsageError } from "./errors.js";
import { inputStem } from "./input/source.js";
import { INPUT_FORMATS, type InputFormat } from "./input/table.js";
import { type ReportKind, reportKind } from "./report/format.js";

/** The options as commander hands them over: strings and flags, nothing checked yet. */
export interface CliOptions {
  column?: string;
  format?: string;
  delimiter?: string;
  header?: boolean;
  batchSize?: string;
  concurrency?: string;
  rate?: string;
  retries?: string;
  maxWait?: string;
  timeout?: string;
  report?: string;
  resume?: boolean;
  force?: boolean;
  dryRun?: boolean;
  baseUrl?: string;
  sandbox?: boolean;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  verbose?: boolean;
  source?: string;
  keyId?: string;
  type?: string;
}

export type Credentials =
  | { kind: "bearer"; token: string }
  | { kind: "oauth2"; clientId: string; clientSecret: string; tokenUrl: string }
  | { kind: "wsse"; username: string; secret: string };

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
  /** Undefined with `--sandbox`: the sandbox's own address is used. */
  baseUrl: URL | undefined;
  /** Undefined for `--dry-run` and `--sandbox`, which need none. */
  credentials: Credentials | undefined;
  json: boolean;
  progress: boolean;
  verbose: boolean;
  driverOptions: DriverOptions;
}

export const DEFAULT_EMARSYS_TOKEN_URL = "https://auth.emarsys.net/oauth2/token";
export const EMARSYS_WSSE_BASE_URL = "https://api.emarsys.net/api/v2";


export function resolveConfig(
  spec: DriverSpec,
  target: string,
  input: string | undefined,
  options: CliOptions,
  env: NodeJS.ProcessEnv,
  stdinIsTty: boolean,
): RunConfig {
  if (target.trim() === "") throw new UsageError("the target id is empty");
  if (input === undefined && stdinIsTty) {
    throw new UsageError("no input: give a file path, or pipe the rows in (use - to read standard input)", "no_input");
  }
  const report = reportPath(options.report, input);
  const dryRun = options.dryRun === true;
  const sandbox = options.sandbox === true;
  const resume = options.resume === true;
  const force = options.force === true;
  if (options.json === true && report === "-") throw new UsageError("--json and --report - both want standard output; choose one");
  if (resume && force) throw new UsageError("--resume and --force contradict each other; choose one");
  if (resume && report === "-") throw new UsageError("--resume needs a report file to continue from, not --report -");
  if (resume && dryRun) throw new UsageError("--dry-run cannot continue a report: it would overwrite the outcomes with plans");
  if (sandbox && options.baseUrl !== undefined) throw new UsageError("--sandbox and --base-url both say where to send; choose one");
  if (report !== "-" && input !== undefined && input !== "-" && resolve(report) === resolve(input)) {
    throw new UsageError("the report would overwrite the input; choose another --report path");
  }
  const credentials = dryRun || sandbox ? undefined : readCredentials(spec, env);
  return {
    spec,
    target,
    input: input === "-" ? undefined : input,
    column: options.column,
    format: parse("--format", z.enum(INPUT_FORMATS), options.format, `one of ${INPUT_FORMATS.join(", ")}`),
    delimiter: delimiterOption(options.delimiter),
    header: options.header === false ? "no" : "auto",
    batchSize: parse("--batch-size", integer(1, spec.maxBatch), options.batchSize, `a whole number from 1 to ${spec.maxBatch} (the ${spec.name} limit)`) ?? spec.maxBatch,
    concurrency: parse("--concurrency", integer(1, 64), options.concurrency, "a whole number from 1 to 64") ?? 4,
    rate: parse("--rate", positive(), options.rate, "a number of requests per second above 0"),
    retries: parse("--retries", integer(0, 100), options.retries, "a whole number from 0 to 100") ?? 5,
    maxWaitMs: (parse("--max-wait", seconds(0), options.maxWait, "a number of seconds, 0 or more") ?? 900) * 1000,
    timeoutMs: (parse("--timeout", positive(), options.timeout, "a number of seconds above 0") ?? 30) * 1000,
    report,
    reportKind: reportKind(report),
    resume,
    force,
    dryRun,
    sandbox,
    baseUrl: sandbox ? undefined : baseUrl(spec, options.baseUrl, env, credentials),
    credentials,
    json: options.json === true,
    progress: options.quiet !== true && options.progress !== false,
    verbose: options.verbose === true,
    driverOptions: {
      source: options.source,
      keyId: parse("--key-id", z.string().check(z.regex(/^(\d+|id|uid)$/)), options.keyId, "a field id (digits), id or uid"),
      type: parse("--type", z.enum(LEAD_TYPES), options.type, `one of ${LEAD_TYPES.join(", ")}`),
    },
  };
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

function seconds(min: number): z.ZodMiniType<number> {
  return numeric(true, z.gte(min));
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

/** Credentials come from the environment only; which set is needed depends on the driver. */
function readCredentials(spec: DriverSpec, env: NodeJS.ProcessEnv): Credentials {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  if (spec.provider === "emarsys") {
    const clientId = get("EMARSYS_CLIENT_ID");
    const clientSecret = get("EMARSYS_CLIENT_SECRET");
    if (clientId !== undefined && clientSecret !== undefined) {
      const tokenUrl = checkedUrl(get("EMARSYS_TOKEN_URL") ?? DEFAULT_EMARSYS_TOKEN_URL, "EMARSYS_TOKEN_URL").href;
      return { kind: "oauth2", clientId, clientSecret, tokenUrl };
    }
    const username = get("EMARSYS_USERNAME");
    const secret = get("EMARSYS_SECRET");
    if (username !== undefined && secret !== undefined) {
      // The X-WSSE header quotes the user name and has no escape for a quote.
      if (username.includes('"')) throw new UsageError('EMARSYS_USERNAME cannot hold a double quote (")', "bad_credentials");
      return { kind: "wsse", username, secret };
    }
  } else {
    const name = PROVIDERS[spec.provider].credentials[0]?.[0] ?? "";
    const token = get(name);
    if (token !== undefined) return { kind: "bearer", token };
  }
  const wanted = PROVIDERS[spec.provider].credentials.map((set) => set.join(" and ")).join(", or ");
  throw new UsageError(`${spec.name} needs credentials in the environment: set ${wanted} (or use --dry-run or --sandbox)`, "missing_credentials");
}

function baseUrl(spec: DriverSpec, flag: string | undefined, env: NodeJS.ProcessEnv, credentials: Credentials | undefined): URL {
  const provider = PROVIDERS[spec.provider];
  const fromEnv = env[provider.baseUrlEnv]?.trim();
  const fallback = credentials?.kind === "wsse" ? EMARSYS_WSSE_BASE_URL : provider.defaultBaseUrl;
  const text = flag ?? (fromEnv === undefined || fromEnv === "" ? fallback : fromEnv);
  const from = flag !== undefined ? "--base-url" : fromEnv !== undefined && fromEnv !== "" ? provider.baseUrlEnv : "the default base URL";
  return checkedUrl(text, from);
}

/** Secrets travel only over https, except to this machine (the sandbox, a local proxy). */
export function checkedUrl(text: string, from: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${from} is not a URL: ${JSON.stringify(text)}`, "bad_base_url");
  }
  if (url.username !== "" || url.password !== "") throw new UsageError(`${from} must not contain a user name or password`, "bad_base_url");
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return url;
  throw new UsageError(`${from} must use https (plain http is allowed only to this machine): ${url.href}`, "insecure_base_url");
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

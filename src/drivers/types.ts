import type * as z from "zod/mini";
import type { Auth } from "../auth/types.js";
import type { Redactor } from "../auth/redactor.js";
import type { HttpAnswer } from "../http/answer.js";
import type { RateLimitHints } from "../http/throttle.js";
import type { InputRecord } from "../input/table.js";
import type { KeyColumnRequest, RowAccess } from "../rows/columns.js";
import type { SandboxRoute } from "../sandbox/route.js";

/** A row the driver will send: its part of the request body, and how answers name it. */
export interface AcceptedRow {
  ok: true;
  /** The key as given, for the report. */
  key: string;
  /**
   * Normal form: rows with equal identities are the same contact or lead. It dedupes the
   * input, is what `--state` remembers, and is how the provider's answers name a row.
   */
  identity: string;
  /** The row's part of the request body (in the form the driver's `request` joins), made once and reused on every resend. */
  item: string;
}

/** A row that fails local validation; it is never sent. */
export interface InvalidRow {
  ok: false;
  key: string;
  code: string;
  message: string;
}

export type RowCheck = AcceptedRow | InvalidRow;

/** A row as it goes out in one request. */
export interface SentRow {
  readonly item: string;
  readonly identity: string;
}

export type SettledStatus = "added" | "already_present" | "added_or_present" | "rejected";

export interface RowOutcome {
  status: SettledStatus;
  code?: string | undefined;
  message?: string | undefined;
}

export interface ProviderError {
  code: string;
  message: string;
}

/** What one answer means for the rows of its request. */
export type BatchVerdict =
  /**
   * One outcome per sent row, in order. `provisional`: the outcomes stand only if the
   * target did not fill up (a partial answer from a capped list). `roomLeft`: the target
   * still had room when this request was applied.
   */
  | { kind: "settled"; outcomes: RowOutcome[]; provisional?: boolean; roomLeft?: boolean }
  /** The provider refused the request for the rows it named (by index): the rest is sent again. */
  | { kind: "reject_rows"; rejected: Map<number, ProviderError> }
  /** The provider refused the request without naming rows: halve it to isolate them. */
  | ({ kind: "split" } & ProviderError)
  /** The answer cannot be trusted for any row: the batch fails, nothing is assumed added. */
  | ({ kind: "fail" } & ProviderError)
  /** A refusal of the run that only this provider's envelope tells (an unknown Emarsys list). */
  | ({ kind: "stop"; cause?: StopCause } & ProviderError);

/**
 * What a refusal of the run is about, for the advice the summary gives: the target (an
 * unknown or deleted list: fix the id), the credentials (fix the key, then resume), or a
 * full list.
 */
export type StopCause = "target" | "credentials" | "full";

/**
 * One provider endpoint, created for one run. A driver is pure: it checks rows, builds
 * request bodies and reads answers. Sending, retrying, rate limits, run-level statuses
 * and the report belong to the pipeline: 429, 5xx, 413, redirects and the statuses that
 * refuse a whole run (401, 402, 403, 404, 409, 410) never reach `interpret`.
 */
export interface Driver {
  /** Request bodies stay under this many bytes; a 413 halves the batch anyway. */
  readonly maxBatchBytes: number;
  /**
   * What, besides the target, decides which rows are the same in the provider (Emarsys
   * `key_id`, Amplemarket `type`): a `--state` file is bound to it. Empty when nothing does.
   */
  readonly keyField: string;
  /** Checks one input row, reading its key or values through `access`. */
  check(record: InputRecord, access: RowAccess): RowCheck;
  request(rows: readonly SentRow[]): { path: string; body: string };
  interpret(answer: HttpAnswer, rows: readonly SentRow[]): BatchVerdict;
  /** The provider's code and message in an error answer, for the report and the user. */
  describeError(answer: HttpAnswer): ProviderError;
}

/** What a driver is created from, once the input's columns are known. */
export interface DriverContext {
  target: string;
  /** The input's column names (for drivers that infer things from them). */
  columns: readonly string[];
  /** The column the keys come from. */
  keyColumn: string;
  /** The first row's values, when the columns alone say little (bare JSON values). */
  sample?: Record<string, unknown> | undefined;
  /** The driver's own options, checked against their schemas (see `DriverOption`). */
  options: Readonly<Record<string, string | undefined>>;
}

/** A command-line option of one driver. */
export interface DriverOption {
  /** Commander flags, e.g. `--key-id <id>`; the value arrives under its camelCase name (`keyId`). */
  readonly flags: string;
  readonly description: string;
  /** The values allowed, listed in `--help`. */
  readonly choices?: readonly string[];
  /** Checks the text before anything is read; `expected` says what a wrong value should have been. */
  readonly schema?: z.ZodMiniType<string>;
  readonly expected?: string;
}

/** Everything a credential scheme needs to make its Auth. */
export interface AuthTools {
  timeoutMs: number;
  redactor: Redactor;
}

/** One way to authenticate with a provider: a set of environment variables that must all be set. */
export interface CredentialScheme {
  readonly variables: readonly string[];
  /** Optional variables read with the scheme, with their defaults (e.g. `EMARSYS_TOKEN_URL`). */
  readonly settings?: readonly { readonly name: string; readonly default: string }[];
  /** The base URL to use with this scheme when none is given (Emarsys WSSE lives on v2). */
  readonly defaultBaseUrl?: string;
  /** Checks the values before anything is read (throws a UsageError). */
  check?(values: Readonly<Record<string, string>>): void;
  create(values: Readonly<Record<string, string>>, tools: AuthTools): Auth;
}

/** How the sandbox plays a provider. */
export interface SandboxProvider {
  /** Path prefix of the provider's endpoints in the sandbox, e.g. `/leadlex`. */
  readonly prefix: string;
  /** How the provider tells clients about its limits, by default. */
  readonly limitStyle: "headers" | "retry-after";
  /** Routes that belong to the provider rather than to one endpoint (an OAuth2 token endpoint). */
  readonly routes?: readonly SandboxRoute[];
  /** The environment that points this provider's drivers at a sandbox at `origin`, with obviously fake credentials. */
  env(origin: string): Record<string, string>;
}

/** A provider: where it lives, how it authenticates, what its limits look like. */
export interface ProviderSpec {
  readonly name: string;
  readonly label: string;
  readonly baseUrlEnv: string;
  readonly defaultBaseUrl: string;
  /** Alternatives, in order of preference: the first whose variables are all set is used. */
  readonly credentials: readonly CredentialScheme[];
  readonly rateLimit: RateLimitHints;
  readonly sandbox: SandboxProvider;
}

/** Everything known about a driver before it is created: for help, `addlist drivers`, config and the sandbox. */
export interface DriverSpec {
  readonly name: string;
  readonly summary: string;
  readonly endpoint: string;
  readonly maxBatch: number;
  /** What one input row is. */
  readonly rowIs: string;
  /** What the target id names, for `--help`. */
  readonly targetIs: string;
  readonly keyColumn: Omit<KeyColumnRequest, "column">;
  readonly options: readonly DriverOption[];
  readonly provider: ProviderSpec;
  /** The endpoint as the sandbox serves it. */
  readonly sandbox: readonly SandboxRoute[];
  /** Whether a lone first cell is a key rather than a column name (a one-column file without header). */
  looksLikeKey(cell: string): boolean;
  /** Creates the driver; throws a UsageError when the options do not fit the input. */
  create(context: DriverContext): Driver;
}

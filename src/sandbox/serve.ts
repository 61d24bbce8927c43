import type { DriverSpec } from "../drivers/types.js";
import { handleSignalsFromHere } from "../early-signals.js";
import { describeError, UsageError } from "../errors.js";
import type { RunIo } from "../run.js";
import { parseFaultKinds } from "./faults.js";
import { type LimiterShapeName, parseRate, type RateLimitStyle, type ResetFormat, type RetryAfterFormat } from "./rate-limit.js";
import { type SandboxOptions, startSandbox } from "./server.js";

type Options = Record<string, string | boolean | undefined>;

/** `addlist sandbox`: serves until SIGINT/SIGTERM. */
export async function serveSandbox(options: Options, drivers: readonly DriverSpec[], io: RunIo): Promise<number> {
  const settings = { ...sandboxOptions(options), drivers };
  const port = settings.port ?? 0;
  const sandbox = await startSandbox(settings).catch((error: unknown) => {
    throw new UsageError(`cannot listen on 127.0.0.1:${port}: ${describeError(error)}`, "sandbox_listen");
  });
  // Listening before saying so: whoever reads the address may stop it at once.
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  handleSignalsFromHere(); // after: see handleSignalsFromHere
  const exports = Object.entries(sandbox.env()).map(([name, value]) => `  export ${name}=${value}`);
  io.stdout.write(
    [
      `addlist sandbox listening on ${sandbox.origin}`,
      "To send to it, set (fake credentials: the sandbox takes any key, except one starting with invalid):",
      ...exports,
      `Emarsys WSSE instead: EMARSYS_BASE_URL=${sandbox.origin}/emarsys/api/v2 with any EMARSYS_USERNAME and EMARSYS_SECRET=sandbox-secret`,
      `What it holds: ${sandbox.origin}/_sandbox/stats`,
      "",
    ].join("\n"),
  );
  if (settings.faults !== undefined || settings.rateLimit !== undefined || settings.latencyMs !== undefined || settings.clockSkewMs !== undefined) {
    io.stdout.write(`misbehaving on purpose: ${describeMisbehaviour(settings)}\n`);
  }
  await stopped;
  await sandbox.close();
  return 0;
}

type WholeNumber = (name: string, value: unknown, max?: number) => number;

function sandboxOptions(options: Options): SandboxOptions {
  const whole: WholeNumber = (name, value, max = Number.MAX_SAFE_INTEGER) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0 || number > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? "0 or more" : `from 0 to ${max}`;
      throw new UsageError(`--${name} must be a whole number ${range}; got ${JSON.stringify(value)}`, "bad_option");
    }
    return number;
  };
  const faultRate = Number(options.faults ?? 0);
  if (!(faultRate >= 0 && faultRate <= 1)) throw new UsageError(`--faults must be a share from 0 to 1; got ${JSON.stringify(options.faults)}`, "bad_option");
  let kinds;
  try {
    kinds = parseFaultKinds(String(options.faultKinds ?? "500,502,503,reset-before,reset-after"));
  } catch (error) {
    throw new UsageError(describeError(error), "bad_option");
  }
  const latencyMs = whole("latency", options.latency ?? 0);
  const latencyJitterMs = whole("latency-jitter", options.latencyJitter ?? 0);
  const seed = whole("seed", options.seed ?? 1);
  const skew = Number(options.clockSkew ?? 0);
  if (!Number.isInteger(skew))
    throw new UsageError(`--clock-skew must be a whole number of seconds (negative: behind); got ${JSON.stringify(options.clockSkew)}`, "bad_option");
  const rateLimit = rateLimitOptions(options, whole);
  return {
    port: whole("port", options.port ?? 4010, 65535),
    listCap: whole("list-cap", options.listCap ?? 60_000),
    ...(latencyMs > 0 ? { latencyMs } : {}),
    ...(latencyJitterMs > 0 ? { latencyJitterMs, seed } : {}),
    ...(faultRate > 0 ? { faults: { rate: faultRate, kinds, seed } } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ...(skew !== 0 ? { clockSkewMs: skew * 1000 } : {}),
  };
}

/** The limiter flags (see limiter-options.ts); undefined when nothing is limited. */
function rateLimitOptions(options: Options, whole: WholeNumber): SandboxOptions["rateLimit"] {
  let window;
  try {
    window = typeof options.rateLimit === "string" ? parseRate(options.rateLimit) : undefined;
  } catch (error) {
    throw new UsageError(describeError(error), "bad_option");
  }
  const shape = (options.limiter ?? "fixed") as LimiterShapeName;
  const burst = options.burst === undefined ? undefined : whole("burst", options.burst);
  if (burst !== undefined && (shape !== "bucket" || burst < 1))
    throw new UsageError("--burst is the capacity of a token bucket: 1 or more, with --limiter bucket", "bad_option");
  const dailyQuota = options.dailyQuota === undefined ? undefined : whole("daily-quota", options.dailyQuota);
  if (window === undefined && dailyQuota === undefined) return undefined;
  return {
    ...window,
    shape,
    burst,
    dailyQuota,
    style: options.rateLimitStyle === "provider" || options.rateLimitStyle === undefined ? undefined : (options.rateLimitStyle as RateLimitStyle),
    resetFormat: (options.resetFormat ?? "epoch") as ResetFormat,
    retryAfterFormat: (options.retryAfterFormat ?? "seconds") as RetryAfterFormat,
  };
}

function describeMisbehaviour(settings: SandboxOptions): string {
  const parts: string[] = [];
  if (settings.latencyMs !== undefined) parts.push(`${settings.latencyMs} ms latency`);
  if (settings.latencyJitterMs !== undefined) parts.push(`up to ${settings.latencyJitterMs} ms more at random`);
  if (settings.faults !== undefined) parts.push(`${settings.faults.rate * 100}% faults (${settings.faults.kinds.join(", ")}; seed ${settings.faults.seed})`);
  const limit = settings.rateLimit;
  if (limit?.limit !== undefined && limit.windowMs !== undefined) {
    const shape = limit.shape === "bucket" ? `a token bucket (burst ${limit.burst ?? limit.limit})` : `${limit.shape ?? "fixed"} windows`;
    parts.push(`${limit.limit} requests per ${limit.windowMs / 1000} s in ${shape}`);
  }
  if (limit?.dailyQuota !== undefined) parts.push(`${limit.dailyQuota} requests per day`);
  if (limit !== undefined) parts.push(`limits told by ${limit.style ?? "each provider's own way"}`);
  if (settings.clockSkewMs !== undefined)
    parts.push(`the server's clock ${Math.abs(settings.clockSkewMs / 1000)} s ${settings.clockSkewMs > 0 ? "ahead" : "behind"}`);
  return parts.join(", ");
}

import type { DriverSpec } from "../drivers/types.js";
import { handleSignalsFromHere } from "../early-signals.js";
import { describeError, UsageError } from "../errors.js";
import type { RunIo } from "../run.js";
import { parseFaultKinds } from "./faults.js";
import { parseRate, type RateLimitStyle } from "./rate-limit.js";
import { type SandboxOptions, startSandbox } from "./server.js";

type Options = Record<string, string | boolean | undefined>;

/** `addlist sandbox`: serves until SIGINT/SIGTERM. */
export async function serveSandbox(options: Options, drivers: readonly DriverSpec[], io: RunIo): Promise<number> {
  const settings = { ...sandboxOptions(options), drivers };
  const port = settings.port ?? 0;
  const sandbox = await startSandbox(settings).catch((error: unknown) => {
    throw new UsageError(`cannot listen on 127.0.0.1:${port}: ${describeError(error)}`, "sandbox_listen");
  });
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
  if (settings.faults !== undefined || settings.rateLimit !== undefined || settings.latencyMs !== undefined) {
    io.stdout.write(`misbehaving on purpose: ${describeMisbehaviour(settings)}\n`);
  }
  handleSignalsFromHere();
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sandbox.close();
  return 0;
}

function sandboxOptions(options: Options): SandboxOptions {
  const whole = (name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number => {
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
  let window;
  try {
    kinds = parseFaultKinds(String(options.faultKinds ?? ""));
    window = typeof options.rateLimit === "string" ? parseRate(options.rateLimit) : undefined;
  } catch (error) {
    throw new UsageError(describeError(error), "bad_option");
  }
  const dailyQuota = options.dailyQuota === undefined ? undefined : whole("daily-quota", options.dailyQuota);
  const style = options.rateLimitStyle === "provider" || options.rateLimitStyle === undefined ? undefined : (options.rateLimitStyle as RateLimitStyle);
  const latencyMs = whole("latency", options.latency ?? 0);
  const latencyJitterMs = whole("latency-jitter", options.latencyJitter ?? 0);
  const seed = whole("seed", options.seed ?? 1);
  return {
    port: whole("port", options.port ?? 4010, 65535),
    listCap: whole("list-cap", options.listCap ?? 60_000),
    ...(latencyMs > 0 ? { latencyMs } : {}),
    ...(latencyJitterMs > 0 ? { latencyJitterMs, seed } : {}),
    ...(faultRate > 0 ? { faults: { rate: faultRate, kinds, seed } } : {}),
    ...(window !== undefined || dailyQuota !== undefined ? { rateLimit: { ...window, dailyQuota, style } } : {}),
  };
}

function describeMisbehaviour(settings: SandboxOptions): string {
  const parts: string[] = [];
  if (settings.latencyMs !== undefined) parts.push(`${settings.latencyMs} ms latency`);
  if (settings.latencyJitterMs !== undefined) parts.push(`up to ${settings.latencyJitterMs} ms more at random`);
  if (settings.faults !== undefined) parts.push(`${settings.faults.rate * 100}% faults (${settings.faults.kinds.join(", ")}; seed ${settings.faults.seed})`);
  const limit = settings.rateLimit;
  if (limit?.limit !== undefined && limit.windowMs !== undefined) parts.push(`${limit.limit} requests per ${limit.windowMs === 1000 ? "second" : "minute"}`);
  if (limit?.dailyQuota !== undefined) parts.push(`${limit.dailyQuota} requests per day`);
  if (limit !== undefined) parts.push(`limits told by ${limit.style ?? "each provider's own way"}`);
  return parts.join(", ");
}

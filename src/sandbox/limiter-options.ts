import { type Command, Option } from "commander";

/**
 * The `addlist sandbox` options that shape its rate limits, so that a job can be rehearsed
 * against the kind of limiter its provider has. (Parsed in serve.ts.)
 */
export function addLimiterOptions(command: Command): Command {
  return command
    .option("--rate-limit <rate>", "requests per window and provider, e.g. 20/s, 100/2s or 60/m")
    .addOption(
      new Option(
        "--limiter <shape>",
        "how --rate-limit counts: fixed windows aligned to the clock, a sliding window, or a token bucket refilling at that rate (default: fixed)",
      ).choices(["fixed", "sliding", "bucket"]),
    )
    .option("--burst <n>", "the token bucket's capacity: requests it takes at once after a pause (default: the --rate-limit count)")
    .option("--daily-quota <n>", "requests per provider per UTC day")
    .addOption(
      new Option(
        "--rate-limit-style <style>",
        "how limits are told: headers (X-RateLimit-*), retry-after (on 429s only), ietf (RateLimit and RateLimit-Policy), ietf-legacy (RateLimit-Limit/-Remaining/-Reset), or each provider's own way (default: provider)",
      ).choices(["provider", "headers", "retry-after", "ietf", "ietf-legacy"]),
    )
    .addOption(
      new Option("--reset-format <format>", "X-RateLimit-Reset as epoch seconds, a delay in seconds, or epoch milliseconds (default: epoch)").choices([
        "epoch",
        "delay",
        "epoch-ms",
      ]),
    )
    .addOption(
      new Option("--retry-after-format <format>", "Retry-After as a delay in whole seconds or an HTTP date (default: seconds)").choices(["seconds", "date"]),
    )
    .option("--clock-skew <seconds>", "the server's clock runs this far ahead (negative: behind), in its Date header and every time it sends (default: 0)")
    .addHelpText(
      "after",
      `
Rate limits:
  addlist sandbox --rate-limit 50/s --limiter bucket --burst 10 --rate-limit-style retry-after
  addlist sandbox --rate-limit 100/2s --rate-limit-style headers --clock-skew 30
  addlist sandbox --rate-limit 50/s --limiter sliding --rate-limit-style ietf`,
    );
}

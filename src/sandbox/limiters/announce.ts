import type { Take } from "./shapes.js";

/**
 * How a limiter tells clients about itself, in the ways real APIs do:
 * - `headers`: `X-RateLimit-Limit/-Remaining/-Reset` on every answer and no Retry-After
 *   (LeadLex, Emarsys). The Limit counts requests per minute, as theirs does (a daily
 *   quota's, per day); the Reset is epoch seconds, a delay in seconds or epoch milliseconds;
 * - `retry-after`: nothing until a 429, which carries `Retry-After` in whole seconds or
 *   as an HTTP date (Amplemarket);
 * - `ietf`: `RateLimit-Policy: "default";q=50;w=1` and `RateLimit: "default";r=12;t=1`,
 *   one item per limit (draft-ietf-httpapi-ratelimit-headers, draft 08 on);
 * - `ietf-legacy`: `RateLimit-Limit/-Remaining/-Reset` (a delay) and `RateLimit-Policy: 50;w=1` (the older drafts).
 * Seconds are rounded up, as servers do, so that a client that waits as told is never early.
 */
export type RateLimitStyle = "headers" | "retry-after" | "ietf" | "ietf-legacy";
export type ResetFormat = "epoch" | "delay" | "epoch-ms";
export type RetryAfterFormat = "seconds" | "date";

export interface AnnounceOptions {
  style: RateLimitStyle;
  resetFormat: ResetFormat;
  retryAfterFormat: RetryAfterFormat;
}

/** One limit's state after a request: `limit` requests per `windowMs`. */
export interface LimitState extends Take {
  name: string;
  limit: number;
  windowMs: number;
}

const MINUTE_MS = 60_000;

/** The headers for an answer; `limits` are all the server's limits, `binding` the one closest to running out. */
export function announce(limits: readonly LimitState[], binding: LimitState, refused: boolean, now: number, options: AnnounceOptions): Record<string, string> {
  switch (options.style) {
    case "headers":
      return {
        "x-ratelimit-limit": String(binding.windowMs <= MINUTE_MS ? Math.round((binding.limit * MINUTE_MS) / binding.windowMs) : binding.limit),
        "x-ratelimit-remaining": String(binding.remaining),
        "x-ratelimit-reset": resetValue(binding.fullAt, now, options.resetFormat),
      };
    case "retry-after":
      return refused ? { "retry-after": retryAfterValue(binding.retryAt, now, options.retryAfterFormat) } : {};
    case "ietf":
      return {
        "ratelimit-policy": limits.map((state) => `"${state.name}";q=${state.limit};w=${seconds(state.windowMs)}`).join(", "),
        ratelimit: limits.map((state) => `"${state.name}";r=${state.remaining};t=${seconds(state.fullAt - now)}`).join(", "),
      };
    case "ietf-legacy":
      return {
        "ratelimit-limit": String(binding.limit),
        "ratelimit-remaining": String(binding.remaining),
        "ratelimit-reset": String(seconds(binding.fullAt - now)),
        "ratelimit-policy": limits.map((state) => `${state.limit};w=${seconds(state.windowMs)}`).join(", "),
      };
  }
}

function resetValue(at: number, now: number, format: ResetFormat): string {
  switch (format) {
    case "epoch":
      return String(seconds(at));
    case "delay":
      return String(seconds(at - now));
    case "epoch-ms":
      return String(Math.ceil(at));
  }
}

function retryAfterValue(at: number, now: number, format: RetryAfterFormat): string {
  if (format === "date") return new Date(seconds(at) * 1000).toUTCString();
  // At least a second: a Retry-After of 0 would invite the client straight back.
  return String(Math.max(1, seconds(at - now)));
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

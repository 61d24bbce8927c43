import { ietfPolicies } from "./ietf-rate-limit.js";
import { type HeaderBag, header } from "./retry-timing.js";

/** What a driver knows about its provider's rate-limit headers, which the headers alone do not say. */
export interface RateLimitHints {
  /** The window `X-RateLimit-Limit` (or `RateLimit-Limit`) counts requests over: a minute for LeadLex and Emarsys. */
  limitWindowMs?: number | undefined;
}

/**
 * A limit over a window this long or shorter is a rate, to be paced at; a longer one (an
 * hourly or daily quota) is not to be rationed until its end but used as it comes.
 */
export const RATE_WINDOW_MAX_MS = 60_000;
/** Resets are often told in whole seconds, rounded up. */
const RESET_ROUNDING_MS = 1000;

/**
 * The long-run rate, in requests per second, that the server's stated policy allows: the
 * tightest IETF `RateLimit-Policy` over a minute or less, or the `Limit` header over the
 * window the driver says it counts. Undefined when nothing states one.
 */
export function policyRate(headers: HeaderBag, resetInMs: number | undefined, hints: RateLimitHints): number | undefined {
  const get = (name: string): string | undefined => header(headers, name);
  const rates = ietfPolicies(get)
    .filter((policy) => policy.windowSeconds * 1000 <= RATE_WINDOW_MAX_MS)
    .map((policy) => policy.quota / policy.windowSeconds);
  if (rates.length > 0) return Math.min(...rates);
  const window = hints.limitWindowMs;
  if (window === undefined || window > RATE_WINDOW_MAX_MS) return undefined;
  const limit = plainNumber(get("x-ratelimit-limit") ?? get("ratelimit-limit"));
  // A reset further off than the hinted window means the server is reporting another of its
  // limits (LeadLex's daily quota), whose Limit does not count over that window.
  if (limit === undefined || limit <= 0 || resetInMs === undefined || resetInMs > window + RESET_ROUNDING_MS) return undefined;
  return (limit / window) * 1000;
}

function plainNumber(text: string | undefined): number | undefined {
  const first = text?.split(",")[0]?.trim();
  if (first === undefined || !/^\d+(\.\d+)?$/.test(first)) return undefined;
  return Number(first);
}

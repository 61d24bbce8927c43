import { announce, type LimitState, type RateLimitStyle, type ResetFormat, type RetryAfterFormat } from "./limiters/announce.js";
import { type LimiterShape, limiterShape, type LimiterShapeName } from "./limiters/shapes.js";

export type { RateLimitStyle, ResetFormat, RetryAfterFormat } from "./limiters/announce.js";
export type { LimiterShapeName } from "./limiters/shapes.js";

/**
 * A provider's rate limits as the sandbox plays them: `limit` requests per window, counted
 * in the shape real limiters have (fixed windows aligned to the clock, a sliding window,
 * or a token bucket with a small burst), and a daily quota that resets at midnight UTC;
 * told to clients in one of the ways real providers tell them (see announce).
 */
export interface RateLimitOptions {
  /** Requests per window, if limited. */
  limit?: number | undefined;
  windowMs?: number | undefined;
  /** How `limit` is counted (default: fixed windows). */
  shape?: LimiterShapeName | undefined;
  /** A token bucket's capacity (default: `limit`). */
  burst?: number | undefined;
  /** Requests per UTC day, if limited. */
  dailyQuota?: number | undefined;
  style: RateLimitStyle;
  /** `X-RateLimit-Reset` as epoch seconds (the default), a delay in seconds, or epoch milliseconds. */
  resetFormat?: ResetFormat | undefined;
  /** `Retry-After` in seconds (the default) or as an HTTP date. */
  retryAfterFormat?: RetryAfterFormat | undefined;
}

const DAY_MS = 86_400_000;

export interface Admission {
  refused: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  private readonly shape: LimiterShape | undefined;
  private day = -1;
  private today = 0;
  /** Days begun early by `newDay()` (to rehearse a quota reset without waiting for midnight). */
  private dayShift = 0;

  constructor(private readonly options: RateLimitOptions) {
    const { limit, windowMs } = options;
    this.shape = limit === undefined || windowMs === undefined ? undefined : limiterShape(options.shape ?? "fixed", limit, windowMs, options.burst);
  }

  /** `now`: the server's clock. */
  admit(now: number): Admission {
    const { limit = 0, windowMs = 0, dailyQuota } = this.options;
    const day = Math.floor(now / DAY_MS) + this.dayShift;
    if (day !== this.day) {
      this.day = day;
      this.today = 0;
    }
    const limits: LimitState[] = [];
    let refused = dailyQuota !== undefined && this.today >= dailyQuota;
    if (!refused && this.shape !== undefined) {
      const take = this.shape.take(now);
      refused = !take.admitted;
      limits.push({ ...take, name: "default", limit, windowMs });
    }
    if (!refused) this.today++;
    if (dailyQuota !== undefined) {
      const midnight = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
      limits.push({
        name: "daily",
        limit: dailyQuota,
        windowMs: DAY_MS,
        admitted: !refused,
        remaining: Math.max(0, dailyQuota - this.today),
        fullAt: midnight,
        retryAt: midnight,
      });
    }
    if (limits.length === 0) return { refused, headers: {} };
    // Where only one limit can be told, the tighter is the one the client hears about (the daily quota on a tie).
    const binding = limits.reduce((tightest, state) => (state.remaining <= tightest.remaining ? state : tightest));
    return {
      refused,
      headers: announce(limits, binding, refused, now, {
        style: this.options.style,
        resetFormat: this.options.resetFormat ?? "epoch",
        retryAfterFormat: this.options.retryAfterFormat ?? "seconds",
      }),
    };
  }

  newDay(): void {
    this.dayShift++;
  }
}

const UNITS_MS: Record<string, number> = { s: 1000, sec: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000 };

/** `20/s`, `100/2s`, `60/m` or `100/min`, as a limit and a window. */
export function parseRate(text: string): { limit: number; windowMs: number } {
  const match = /^(\d+)\/(\d*)([a-z]+)$/.exec(text.trim());
  const unit = match === null ? undefined : UNITS_MS[match[3] ?? ""];
  const count = Number(match?.[2] || 1);
  if (match === null || unit === undefined || count < 1) throw new Error(`expected a rate like 20/s, 100/2s or 60/m; got "${text}"`);
  return { limit: Number(match[1]), windowMs: count * unit };
}

/**
 * A provider's rate limits as the sandbox plays them: a fixed window aligned to the clock
 * (N requests per second or per minute) and a daily quota that resets at midnight UTC.
 * Two ways to tell clients, as real providers do: `X-RateLimit-Limit/Remaining/Reset`
 * (Reset in epoch seconds) on every answer and no Retry-After (LeadLex, Emarsys), or
 * only `Retry-After` on a 429 (Amplemarket).
 */
export type RateLimitStyle = "headers" | "retry-after";

export interface RateLimitOptions {
  /** Requests per window, if limited. */
  limit?: number | undefined;
  windowMs?: number | undefined;
  /** Requests per UTC day, if limited. */
  dailyQuota?: number | undefined;
  style: RateLimitStyle;
}

const DAY_MS = 86_400_000;

export interface Admission {
  refused: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  private windowStart = -1;
  private inWindow = 0;
  private day = -1;
  private today = 0;
  /** Days begun early by `newDay()` (to rehearse a quota reset without waiting for midnight). */
  private dayShift = 0;

  constructor(private readonly options: RateLimitOptions) {}

  admit(now: number): Admission {
    const { limit, windowMs, dailyQuota } = this.options;
    const day = Math.floor(now / DAY_MS) + this.dayShift;
    if (day !== this.day) {
      this.day = day;
      this.today = 0;
    }
    const windowStart = windowMs === undefined ? 0 : Math.floor(now / windowMs) * windowMs;
    if (windowStart !== this.windowStart) {
      this.windowStart = windowStart;
      this.inWindow = 0;
    }
    const quotaLeft = dailyQuota === undefined ? Number.POSITIVE_INFINITY : dailyQuota - this.today;
    const windowLeft = limit === undefined ? Number.POSITIVE_INFINITY : limit - this.inWindow;
    // The tighter of the two limits is the one the client hears about.
    const byQuota = quotaLeft <= windowLeft;
    const left = Math.min(quotaLeft, windowLeft);
    const resetAt = byQuota ? (Math.floor(now / DAY_MS) + 1) * DAY_MS : windowStart + (windowMs ?? 0);
    const refused = left <= 0;
    if (!refused) {
      this.inWindow++;
      this.today++;
    }
    if (!Number.isFinite(left)) return { refused, headers: {} };
    return { refused, headers: this.headers(refused, byQuota ? (dailyQuota ?? 0) : (limit ?? 0), Math.max(0, left - (refused ? 0 : 1)), resetAt, now) };
  }

  newDay(): void {
    this.dayShift++;
  }

  private headers(refused: boolean, limit: number, left: number, resetAt: number, now: number): Record<string, string> {
    if (this.options.style === "retry-after") return refused ? { "retry-after": String(Math.max(1, Math.ceil((resetAt - now) / 1000))) } : {};
    return { "x-ratelimit-limit": String(limit), "x-ratelimit-remaining": String(left), "x-ratelimit-reset": String(Math.ceil(resetAt / 1000)) };
  }
}

/** `20/s`, `60/m` or `100/min`, as a limit and a window. */
export function parseRate(text: string): { limit: number; windowMs: number } {
  const match = /^(\d+)\/(s|sec|second|m|min|minute)$/.exec(text.trim());
  if (match === null) throw new Error(`expected a rate like 20/s or 60/m; got "${text}"`);
  return { limit: Number(match[1]), windowMs: match[2]?.startsWith("s") === true ? 1000 : 60_000 };
}

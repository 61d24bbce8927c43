/**
 * How a limiter counts requests, in the shapes real APIs use. Every time is the server's
 * clock in epoch milliseconds.
 */
export type LimiterShapeName = "fixed" | "sliding" | "bucket";

export interface Take {
  admitted: boolean;
  /** Requests it would still admit right after this one. */
  remaining: number;
  /** When it is back to its whole budget. */
  fullAt: number;
  /** When a request it refused now would be admitted. */
  retryAt: number;
}

export interface LimiterShape {
  /** Admits one request if there is room. */
  take(now: number): Take;
}

/** `limit` requests per window, the windows aligned to the clock (multiples of the window since the epoch). */
export class FixedWindow implements LimiterShape {
  private start = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  take(now: number): Take {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    if (start !== this.start) {
      this.start = start;
      this.used = 0;
    }
    const admitted = this.used < this.limit;
    if (admitted) this.used++;
    const end = start + this.windowMs;
    return { admitted, remaining: this.limit - this.used, fullAt: end, retryAt: end };
  }
}

/** At most `limit` requests in any span of `windowMs` (a sliding log). */
export class SlidingWindow implements LimiterShape {
  /** When each request still in the window was admitted, oldest first. */
  private admittedAt: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  take(now: number): Take {
    const firstKept = this.admittedAt.findIndex((at) => at > now - this.windowMs);
    this.admittedAt = firstKept < 0 ? [] : this.admittedAt.slice(firstKept);
    const admitted = this.admittedAt.length < this.limit;
    if (admitted) this.admittedAt.push(now);
    const oldest = this.admittedAt[0] ?? now;
    const newest = this.admittedAt.at(-1) ?? now;
    return { admitted, remaining: this.limit - this.admittedAt.length, fullAt: newest + this.windowMs, retryAt: oldest + this.windowMs };
  }
}

/** Refills `limit` per window continuously, and holds at most `burst`: a token (or leaky) bucket. */
export class TokenBucket implements LimiterShape {
  private tokens: number;
  private at = Number.NaN;
  private readonly perMs: number;

  constructor(
    limit: number,
    windowMs: number,
    private readonly burst: number,
  ) {
    this.perMs = limit / windowMs;
    this.tokens = burst;
  }

  take(now: number): Take {
    if (!Number.isNaN(this.at)) this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.at) * this.perMs);
    this.at = now;
    const admitted = this.tokens >= 1;
    if (admitted) this.tokens -= 1;
    return {
      admitted,
      remaining: Math.floor(this.tokens),
      fullAt: now + (this.burst - this.tokens) / this.perMs,
      retryAt: now + Math.max(0, 1 - this.tokens) / this.perMs,
    };
  }
}

export function limiterShape(name: LimiterShapeName, limit: number, windowMs: number, burst: number | undefined): LimiterShape {
  switch (name) {
    case "fixed":
      return new FixedWindow(limit, windowMs);
    case "sliding":
      return new SlidingWindow(limit, windowMs);
    case "bucket":
      return new TokenBucket(limit, windowMs, burst ?? limit);
  }
}

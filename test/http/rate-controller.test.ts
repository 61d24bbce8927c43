import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Outcome, type Scenario, simulate } from "./rate-simulation.js";

/** LeadLex and Emarsys say their X-RateLimit-Limit counts requests per minute. */
const PER_MINUTE = { limitWindowMs: 60_000 };
const bucket = { shape: "bucket", limit: 50, windowMs: 1000, burst: 10 } as const;
const sliding = { shape: "sliding", limit: 50, windowMs: 1000 } as const;
const fixed2s = { shape: "fixed", limit: 100, windowMs: 2000 } as const;

type Case = [string, Omit<Scenario, "concurrency" | "durationMs" | "latencyMs"> & { latencyMs?: number }, { use: number; share429: number }];

/**
 * Each limiter shape at 50 requests per second, 16 requests in flight, half a simulated
 * minute: the share of the limit used, and of requests answered 429 (the first burst, sent
 * before anything is known, is most of them).
 */
const SHAPES: Case[] = [
  ["a token bucket (burst 10), Retry-After: 1", { limiter: { ...bucket, style: "retry-after" } }, { use: 0.95, share429: 0.025 }],
  ["the same, 50 ms away", { limiter: { ...bucket, style: "retry-after" }, latencyMs: 50 }, { use: 0.95, share429: 0.025 }],
  [
    "a token bucket, X-RateLimit-* (Limit per minute, Reset in epoch seconds)",
    { limiter: { ...bucket, style: "headers" }, hints: PER_MINUTE },
    { use: 0.95, share429: 0.01 },
  ],
  // Remaining is 0 in every answer, and Reset the next whole second: only a refill tells it
  // from a window. The first two seconds go to finding that out (49 requests/s after them);
  // with the Limit's window unknown, the pace is learnt, from 32 requests/s up to 45 in 20 s.
  [
    "a token bucket with no burst (1), X-RateLimit-* (Limit per minute, Reset in epoch seconds)",
    { limiter: { ...bucket, burst: 1, style: "headers" }, hints: PER_MINUTE },
    { use: 0.89, share429: 0.015 },
  ],
  [
    "a token bucket with no burst (1), X-RateLimit-*, the Limit's window unknown",
    { limiter: { ...bucket, burst: 1, style: "headers" } },
    { use: 0.78, share429: 0.03 },
  ],
  ["a token bucket, X-RateLimit-*, the Limit's window unknown", { limiter: { ...bucket, style: "headers" } }, { use: 0.94, share429: 0.03 }],
  ["fixed 2 s windows, X-RateLimit-*", { limiter: { ...fixed2s, style: "headers" }, hints: PER_MINUTE }, { use: 0.95, share429: 0.01 }],
  [
    "fixed 2 s windows, X-RateLimit-Reset in epoch ms, the Limit's window unknown",
    { limiter: { ...fixed2s, style: "headers", resetFormat: "epoch-ms" } },
    { use: 0.97, share429: 0.01 },
  ],
  ["fixed 1 s windows, Retry-After", { limiter: { shape: "fixed", limit: 50, windowMs: 1000, style: "retry-after" } }, { use: 0.93, share429: 0.025 }],
  // Every request in flight is refused at once (its burst is larger than they are), then waits out a date rounded up to the second.
  [
    "a sliding window, Retry-After as an HTTP date",
    { limiter: { ...sliding, style: "retry-after", retryAfterFormat: "date" } },
    { use: 0.88, share429: 0.025 },
  ],
  [
    "a sliding window, X-RateLimit-Reset as a delay",
    { limiter: { ...sliding, style: "headers", resetFormat: "delay" }, hints: PER_MINUTE },
    { use: 0.94, share429: 0.01 },
  ],
  ["a token bucket, IETF RateLimit and RateLimit-Policy", { limiter: { ...bucket, style: "ietf" } }, { use: 0.95, share429: 0.01 }],
  ["a sliding window, the older IETF RateLimit-Limit/-Remaining/-Reset", { limiter: { ...sliding, style: "ietf-legacy" } }, { use: 0.94, share429: 0.01 }],
  ["fixed 2 s windows, the server's clock 30 s ahead", { limiter: { ...fixed2s, style: "headers" }, skewMs: 30_000 }, { use: 0.97, share429: 0.01 }],
  ["fixed 2 s windows, the server's clock 30 s behind", { limiter: { ...fixed2s, style: "headers" }, skewMs: -30_000 }, { use: 0.97, share429: 0.01 }],
];

describe("the rate controller against each limiter shape (simulated)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse("2026-11-23T12:00:00.123Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(SHAPES)("%s", async (_, scenario, bounds) => {
    const outcome: Outcome = await simulate({ concurrency: 16, latencyMs: 3, durationMs: 30_000, ...scenario });
    expect(outcome.early).toBe(0); // a 429 is never retried sooner than it says
    expect(outcome.useOfLimit).toBeGreaterThanOrEqual(bounds.use);
    expect(outcome.share429).toBeLessThanOrEqual(bounds.share429);
  });

  it("paces nothing without a limiter: every slot stays busy", async () => {
    const outcome = await simulate({ limiter: { style: "headers" }, concurrency: 8, latencyMs: 50, durationMs: 10_000 });
    expect(outcome.admitted).toBeGreaterThanOrEqual(8 * (10_000 / 50) - 8);
  });
});

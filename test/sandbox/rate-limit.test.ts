import { describe, expect, it } from "vitest";
import { FixedWindow, type LimiterShape, SlidingWindow, TokenBucket } from "../../src/sandbox/limiters/shapes.js";
import { parseRate, RateLimiter, type RateLimitOptions } from "../../src/sandbox/rate-limit.js";

const NOW = Date.parse("2026-11-23T12:00:00Z");

/** Which of the requests at these times (ms after NOW) the shape admits. */
function admitted(shape: LimiterShape, times: readonly number[]): boolean[] {
  return times.map((t) => shape.take(NOW + t).admitted);
}

describe("limiter shapes", () => {
  it.each([
    // 2 per second in windows aligned to the clock: a new window at 1000 ms whatever came before.
    ["fixed windows", new FixedWindow(2, 1000), [0, 10, 20, 990, 1000, 1001, 1002], [true, true, false, false, true, true, false]],
    // 2 in any second: the third waits until the first is a second old.
    ["a sliding window", new SlidingWindow(2, 1000), [0, 10, 20, 990, 1000, 1001, 1011], [true, true, false, false, true, false, true]],
    // 10 per second, 3 at once: the burst, then one every 100 ms.
    ["a token bucket", new TokenBucket(10, 1000, 3), [0, 0, 0, 0, 50, 100, 150, 200], [true, true, true, false, false, true, false, true]],
  ])("%s admit what they should", (_, shape, times, expected) => {
    expect(admitted(shape, times)).toEqual(expected);
  });

  it.each([
    ["fixed windows: the window's end", new FixedWindow(5, 2000), 300, { remaining: 4, fullAt: NOW + 2000, retryAt: NOW + 2000 }],
    ["a sliding window: when the newest request leaves it", new SlidingWindow(5, 1000), 300, { remaining: 4, fullAt: NOW + 1300, retryAt: NOW + 1300 }],
    ["a token bucket: when it is full again", new TokenBucket(10, 1000, 5), 300, { remaining: 4, fullAt: NOW + 400, retryAt: NOW + 300 }],
  ])("%s tell what is left and when", (_, shape, at, expected) => {
    expect(shape.take(NOW + at)).toMatchObject(expected);
  });
});

describe("how a limiter is told", () => {
  const limiter = (options: Partial<RateLimitOptions>): RateLimiter => new RateLimiter({ limit: 50, windowMs: 1000, style: "headers", ...options });
  const spend = (rate: RateLimiter, times: number): void => {
    for (let i = 0; i < times; i++) rate.admit(NOW + 100);
  };

  it.each([
    ["epoch seconds, the Limit per minute", {}, { "x-ratelimit-limit": "3000", "x-ratelimit-remaining": "49", "x-ratelimit-reset": String(NOW / 1000 + 1) }],
    ["a delay in seconds", { resetFormat: "delay" as const }, { "x-ratelimit-reset": "1" }],
    ["epoch milliseconds", { resetFormat: "epoch-ms" as const }, { "x-ratelimit-reset": String(NOW + 1000) }],
  ])("X-RateLimit-* with the reset as %s", (_, options, expected) => {
    expect(limiter(options).admit(NOW + 100).headers).toMatchObject(expected);
  });

  it.each([
    ["whole seconds, at least one", "seconds" as const, "1"],
    ["an HTTP date, the next whole second", "date" as const, new Date(NOW + 1000).toUTCString()],
  ])("Retry-After on a 429 only, in %s", (_, retryAfterFormat, expected) => {
    const rate = limiter({ style: "retry-after", retryAfterFormat });
    expect(rate.admit(NOW + 100).headers).toEqual({});
    spend(rate, 49);
    expect(rate.admit(NOW + 100)).toEqual({ refused: true, headers: { "retry-after": expected } });
  });

  it("the IETF fields, one item per limit, the daily quota with them", () => {
    const rate = limiter({ style: "ietf", dailyQuota: 1000 });
    expect(rate.admit(NOW + 100).headers).toEqual({
      "ratelimit-policy": '"default";q=50;w=1, "daily";q=1000;w=86400',
      ratelimit: '"default";r=49;t=1, "daily";r=999;t=43200',
    });
  });

  it("the older IETF fields", () => {
    expect(limiter({ style: "ietf-legacy", shape: "sliding" }).admit(NOW + 100).headers).toEqual({
      "ratelimit-limit": "50",
      "ratelimit-remaining": "49",
      "ratelimit-reset": "1",
      "ratelimit-policy": "50;w=1",
    });
  });

  it("tells of the tighter of the window and the daily quota, and refuses on either", () => {
    const rate = limiter({ dailyQuota: 3 });
    expect(rate.admit(NOW + 100).headers).toMatchObject({
      "x-ratelimit-limit": "3",
      "x-ratelimit-remaining": "2",
      "x-ratelimit-reset": String((NOW + 12 * 3600_000) / 1000),
    });
    spend(rate, 2);
    expect(rate.admit(NOW + 5000)).toMatchObject({ refused: true, headers: { "x-ratelimit-remaining": "0" } });
    rate.newDay();
    expect(rate.admit(NOW + 5000).refused).toBe(false);
  });
});

describe("parseRate", () => {
  it.each([
    ["20/s", { limit: 20, windowMs: 1000 }],
    ["100/2s", { limit: 100, windowMs: 2000 }],
    ["60/m", { limit: 60, windowMs: 60_000 }],
    ["100/min", { limit: 100, windowMs: 60_000 }],
    ["5/10minutes", { limit: 5, windowMs: 600_000 }],
  ])("reads %s", (text, expected) => {
    expect(parseRate(text)).toEqual(expected);
  });

  it.each(["fast", "20/h", "20/0s", "/s"])("refuses %s", (text) => {
    expect(() => parseRate(text)).toThrow("expected a rate like 20/s, 100/2s or 60/m");
  });
});

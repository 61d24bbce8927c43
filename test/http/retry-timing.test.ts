import { describe, expect, it } from "vitest";
import { parseRetryAfter, remaining, resetAt, serverWaitMs } from "../../src/http/retry-timing.js";

const NOW = Date.parse("2026-11-23T12:00:00Z");

describe("retry timing", () => {
  it.each([
    ["seconds", "120", 120_000],
    ["fractional seconds", "1.5", 1500],
    ["an HTTP date", "Mon, 23 Nov 2026 12:00:30 GMT", 30_000],
    ["a date in the past", "Mon, 23 Nov 2026 11:00:00 GMT", 0],
    ["garbage", "soon", undefined],
    ["nothing", undefined, undefined],
    ["an absurd delay (capped, so a resume time can still be named)", "99999999999999", 366 * 24 * 3600 * 1000],
  ])("reads Retry-After as %s", (_, value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it.each([
    ["a delay in seconds", { "x-ratelimit-reset": "30" }, NOW + 30_000],
    ["epoch seconds", { "x-ratelimit-reset": String(NOW / 1000 + 45) }, NOW + 45_000],
    ["epoch milliseconds", { "x-ratelimit-reset": String(NOW + 5000) }, NOW + 5000],
    ["the IETF header first", { "ratelimit-reset": "10", "x-ratelimit-reset": "99" }, NOW + 10_000],
    ["a negative number", { "x-ratelimit-reset": "-5" }, undefined],
    ["the other header when the first is garbled", { "ratelimit-reset": "soon", "x-ratelimit-reset": "30" }, NOW + 30_000],
    ["an absurd epoch time (capped)", { "x-ratelimit-reset": "99999999999999999999" }, NOW + 366 * 24 * 3600 * 1000],
    ["nothing", {}, undefined],
  ])("reads the reset time from %s", (_, headers, expected) => {
    expect(resetAt(headers, NOW)).toBe(expected);
  });

  it("prefers Retry-After over the reset headers", () => {
    expect(serverWaitMs({ "retry-after": "2", "x-ratelimit-reset": "60" }, NOW)).toBe(2000);
    expect(serverWaitMs({ "x-ratelimit-reset": "60" }, NOW)).toBe(60_000);
    expect(serverWaitMs({}, NOW)).toBeUndefined();
  });

  it("reads the requests remaining", () => {
    expect(remaining({ "x-ratelimit-remaining": "0" })).toBe(0);
    expect(remaining({ "ratelimit-remaining": "17" })).toBe(17);
    expect(remaining({ "x-ratelimit-remaining": "many" })).toBeUndefined();
  });
});

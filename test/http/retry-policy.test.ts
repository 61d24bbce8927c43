import { describe, expect, it } from "vitest";
import { answerAction, backoffMs, outageWaitMs, retryPolicy } from "../../src/http/retry-policy.js";

const NOW = Date.parse("2026-11-23T12:00:00Z");

describe("retry policy", () => {
  it.each([
    [200, "read"],
    [202, "read"],
    [400, "read"],
    [422, "read"],
    [429, "rate_limited"],
    [500, "retry"],
    [503, "retry"],
    [413, "halve"],
    [301, "redirect"],
    [307, "redirect"],
    [401, "refuse_run"],
    [402, "refuse_run"],
    [403, "refuse_run"],
    [404, "refuse_run"],
    [409, "refuse_run"],
    [410, "refuse_run"],
  ])("HTTP %i: %s", (status, action) => {
    expect(answerAction(status)).toBe(action);
  });

  it("backs off exponentially under a cap, with full jitter", () => {
    const policy = { ...retryPolicy(5), baseMs: 100, capMs: 1000 };
    expect(backoffMs(policy, 0, () => 0.999)).toBe(99);
    expect(backoffMs(policy, 3, () => 0.5)).toBe(400);
    expect(backoffMs(policy, 10, () => 0.999)).toBe(999);
    expect(backoffMs(policy, 2, () => 0)).toBe(0);
  });

  it("reads an outage's length from Retry-After only, never from a rate-limit reset", () => {
    expect(outageWaitMs({ "retry-after": "3" }, NOW)).toBe(3000);
    expect(outageWaitMs({ "x-ratelimit-reset": String(NOW / 1000 + 3600) }, NOW)).toBe(0);
    expect(outageWaitMs(undefined, NOW)).toBe(0);
  });
});

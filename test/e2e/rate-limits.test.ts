import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RateLimitOptions } from "../../src/sandbox/rate-limit.js";
import type { SandboxOptions } from "../../src/sandbox/server.js";
import { runCli } from "../helpers/cli.js";
import { tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

interface Summary {
  requests: number;
  rate_limited: number;
  retries: number;
  elapsed_ms: number;
  counts: Record<string, number>;
}

const REQUESTS = 150;
const BATCH = 10;
/** Every limit below allows 50 requests per second over time. */
const PER_SECOND = 50;
const bucket = { shape: "bucket", limit: 50, windowMs: 1000, burst: 10 } as const;
const sliding = { shape: "sliding", limit: 50, windowMs: 1000 } as const;
const fixed2s = { shape: "fixed", limit: 100, windowMs: 2000 } as const;

/**
 * 1,500 rows in 150 requests, 8 in flight, through each kind of limiter the sandbox plays:
 * every row arrives exactly once, with few 429s. Timing is only bounded loosely (a busy
 * machine can be slow, never faster than the limit): the simulation in
 * test/http/rate-controller.test.ts holds the controller to its use of the limit.
 */
describe("rate limits of every shape", () => {
  it.each<[string, Omit<RateLimitOptions, "style"> & { style: RateLimitOptions["style"] }, Pick<SandboxOptions, "clockSkewMs">?]>([
    ["a token bucket with a burst of 10, Retry-After: 1", { ...bucket, style: "retry-after" }],
    ["a token bucket, X-RateLimit-* with the Reset in epoch seconds", { ...bucket, style: "headers" }],
    // Remaining 0 in every answer and a reset a second away, Date in whole seconds: it once sent a request a second.
    ["a token bucket with no burst (1), X-RateLimit-*", { ...bucket, burst: 1, style: "headers" }],
    ["fixed 2 s windows, X-RateLimit-*", { ...fixed2s, style: "headers" }],
    ["a sliding window, Retry-After as an HTTP date", { ...sliding, style: "retry-after", retryAfterFormat: "date" }],
    ["a sliding window, X-RateLimit-Reset as a delay", { ...sliding, style: "headers", resetFormat: "delay" }],
    ["a token bucket, IETF RateLimit and RateLimit-Policy", { ...bucket, style: "ietf" }],
    ["a sliding window, the older IETF RateLimit-Limit/-Remaining/-Reset", { ...sliding, style: "ietf-legacy" }],
  ])("%s", async (_, rateLimit, server = {}) => {
    const box = await sandbox({ rateLimit, ...server });
    const dir = tempDir();
    const ids = Array.from({ length: REQUESTS * BATCH }, (_, i) => uuid(i));
    writeFileSync(join(dir, "c.csv"), `contact_id\n${ids.join("\n")}\n`);
    const run = await runCli(["leadlex-list", "l", "c.csv", "-b", String(BATCH), "-p", "8", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.counts.added).toBe(ids.length);
    expect(Object.values(box.state.receivedCounts("leadlex-list:l"))).toEqual(ids.map(() => 1));
    expectFewRefusals(summary);
    // Never faster than the limit allows, a first burst or window aside.
    expect(summary.elapsed_ms).toBeGreaterThan(((REQUESTS - 2 * PER_SECOND) / PER_SECOND) * 1000);
  });

  it.each([
    ["X-RateLimit-Reset in epoch seconds, the server's clock 30 s ahead", { resetFormat: "epoch" as const }, 30_000],
    ["X-RateLimit-Reset in epoch seconds, the server's clock 30 s behind", { resetFormat: "epoch" as const }, -30_000],
    ["X-RateLimit-Reset in epoch milliseconds", { resetFormat: "epoch-ms" as const }, 0],
  ])("fixed 2 s windows used as they come, %s", async (_, format, clockSkewMs) => {
    // Amplemarket's driver names no window for the Limit: each window's budget is spent, then its reset waited for.
    const box = await sandbox({ rateLimit: { ...fixed2s, style: "headers", ...format }, clockSkewMs });
    const dir = tempDir();
    const emails = Array.from({ length: REQUESTS * BATCH }, (_, i) => `lead${i}@example.com`);
    writeFileSync(join(dir, "leads.csv"), `email\n${emails.join("\n")}\n`);
    const env = { AMPLEMARKET_API_KEY: FAKE_KEY, AMPLEMARKET_BASE_URL: box.baseUrl("amplemarket") };
    const run = await runCli(["amplemarket", "ll", "leads.csv", "--type", "email", "-b", String(BATCH), "-p", "8", "--json"], { cwd: dir, env });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(Object.values(box.state.receivedCounts("amplemarket:ll"))).toEqual(emails.map(() => 1));
    // A reset read 30 s off would either wait half a minute or meet a storm of 429s.
    expectFewRefusals(summary);
  });
});

/** The requests in flight when the limit is first met, and a few to learn its shape; no retry used up; not too slow. */
function expectFewRefusals(summary: Summary): void {
  expect(summary.requests - summary.rate_limited).toBe(REQUESTS);
  expect(summary.rate_limited).toBeLessThanOrEqual(16);
  expect(summary.retries).toBe(0);
  expect(summary.elapsed_ms).toBeLessThan(15_000);
}

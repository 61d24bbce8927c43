import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.js";
import { countBy, readCsvReport, type ReportRecord, tempDir, uuid } from "../helpers/files.js";
import { leadlexEnv, sandbox } from "../helpers/sandbox.js";

const SETTLED = new Set(["added", "already_present", "added_or_present", "duplicate_in_input", "invalid", "rejected"]);

function contacts(dir: string, count: number, name = "c.csv"): string[] {
  const ids = Array.from({ length: count }, (_, i) => uuid(i));
  writeFileSync(join(dir, name), `contact_id\n${ids.join("\n")}\n`);
  return ids;
}

/** One record per row, rows 1..n. */
function expectOneRecordPerRow(report: ReportRecord[], rows: number): void {
  expect(report).toHaveLength(rows);
  expect(new Set(report.map((r) => r.row))).toEqual(new Set(Array.from({ length: rows }, (_, i) => String(i + 1))));
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("reliability", () => {
  it("gets every row into the target through 30% mixed faults, one settled record each", async () => {
    const box = await sandbox({ faults: { rate: 0.3, kinds: ["500", "502", "503", "reset-before", "reset-after", "hang"], seed: 11 } });
    const dir = tempDir();
    const ids = contacts(dir, 2000);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--timeout", "1", "--retries", "10", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    const faults = box.state.stats().faults;
    expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
    expect(box.state.membersOf("leadlex-list:l")).toEqual(new Set(ids));
    const report = readCsvReport(join(dir, "c.report.csv"));
    expectOneRecordPerRow(report, 2000);
    expect(report.every((r) => SETTLED.has(r.status ?? ""))).toBe(true);
    // A retry after a request that may have applied never claims "already there".
    expect(report.some((r) => r.status === "already_present")).toBe(false);
    expect(JSON.parse(run.stdout)).toMatchObject({ retries: expect.any(Number) });
  });

  it.each(["headers", "retry-after"] as const)("keeps under a 20 requests/s limit told by %s, with few 429s", async (style) => {
    const box = await sandbox({ rateLimit: { limit: 20, windowMs: 1000, style } });
    const dir = tempDir();
    contacts(dir, 1200);
    const run = await runCli(["leadlex-list", "l", "c.csv", "-b", "20", "-p", "8", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { requests: number; rate_limited: number; retries: number };
    expect(summary.requests - summary.rate_limited).toBe(60);
    // The requests in flight when the limit is first met, and a few when the pace, told nothing
    // but Retry-After, climbs to find where the limit is; with headers, the pace holds at once.
    expect(summary.rate_limited).toBeLessThanOrEqual(style === "headers" ? 8 : 12);
    expect(summary.retries).toBe(0); // rate-limit waits do not use up retries
  });

  it("stops at an exhausted daily quota with exit 4 and resume_after; --resume finishes the next day", async () => {
    const box = await sandbox({ rateLimit: { dailyQuota: 6, style: "headers" } });
    const dir = tempDir();
    const ids = contacts(dir, 1000);
    const first = await runCli(["leadlex-list", "l", "c.csv", "-p", "1", "--max-wait", "30", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(first.code).toBe(4);
    const summary = JSON.parse(first.stdout) as { resume_after: string; counts: Record<string, number> };
    expect(Date.parse(summary.resume_after) % 86_400_000).toBe(0); // midnight UTC
    expect(summary.counts).toMatchObject({ added: 600, not_sent: 400 });
    expectOneRecordPerRow(readCsvReport(join(dir, "c.report.csv")), 1000);
    box.newDay();
    const second = await runCli(["leadlex-list", "l", "c.csv", "-p", "1", "--max-wait", "30", "--resume", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ requests: 4, counts: { added: 1000 } });
    const report = readCsvReport(join(dir, "c.report.csv"));
    expectOneRecordPerRow(report, 1000);
    expect(Object.values(box.state.receivedCounts("leadlex-list:l"))).toEqual(ids.map(() => 1));
  });

  it("finishes after kill -9 with --resume, sending no row the report had settled", async () => {
    const box = await sandbox({ latencyMs: 15 });
    const dir = tempDir();
    contacts(dir, 4000);
    const run = startCli(["leadlex-list", "l", "c.csv", "-b", "20", "-p", "2"], { cwd: dir, env: leadlexEnv(box) });
    await until(() => box.state.requests >= 60);
    await new Promise((resolve) => setTimeout(resolve, 150)); // let the journal catch up on some of them
    run.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    expect(existsSync(join(dir, "c.report.csv"))).toBe(false);
    const journal = readCsvReport(join(dir, "c.report.csv.part"));
    const settledBefore = journal.filter((r) => SETTLED.has(r.status ?? "")).map((r) => r.key ?? "");
    expect(settledBefore.length).toBeGreaterThan(0);
    const resumed = await runCli(["leadlex-list", "l", "c.csv", "-b", "20", "--resume", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(resumed.code).toBe(0);
    expect(existsSync(join(dir, "c.report.csv.part"))).toBe(false);
    const report = readCsvReport(join(dir, "c.report.csv"));
    expectOneRecordPerRow(report, 4000);
    expect(report.every((r) => SETTLED.has(r.status ?? ""))).toBe(true);
    const received = box.state.receivedCounts("leadlex-list:l");
    expect(settledBefore.filter((key) => received[key] !== 1)).toEqual([]);
    expect(box.state.membersOf("leadlex-list:l").size).toBe(4000);
    // Rows the crashed run applied but never wrote down were sent again: never "already_present".
    const sentTwice = new Set(Object.keys(received).filter((key) => (received[key] ?? 0) > 1));
    expect(report.filter((r) => sentTwice.has(r.key ?? "") && r.status === "already_present")).toEqual([]);
  });

  it("exits 130 on SIGINT with a complete report, and --resume completes it", async () => {
    const box = await sandbox({ latencyMs: 20 });
    const dir = tempDir();
    contacts(dir, 3000);
    const run = startCli(["leadlex-list", "l", "c.csv", "-b", "20", "-p", "2"], { cwd: dir, env: leadlexEnv(box) });
    await until(() => box.state.requests >= 10);
    run.kill("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(done.stderr).toContain("SIGINT: finishing requests in flight");
    const report = readCsvReport(join(dir, "c.report.csv"));
    expectOneRecordPerRow(report, 3000);
    const counts = countBy(report, (r) => r.status ?? "");
    expect(counts.not_sent).toBeGreaterThan(0);
    expect(report.find((r) => r.status === "not_sent")).toMatchObject({ code: "interrupted" });
    const resumed = await runCli(["leadlex-list", "l", "c.csv", "--resume"], { cwd: dir, env: leadlexEnv(box) });
    expect(resumed.code).toBe(0);
    expect(countBy(readCsvReport(join(dir, "c.report.csv")), (r) => r.status ?? "")).toEqual({ added: 3000 });
  });

  it("exits at once on a second SIGINT; SIGTERM exits 143; --resume finishes either", async () => {
    const box = await sandbox({ latencyMs: 400 });
    const dir = tempDir();
    contacts(dir, 2000);
    const run = startCli(["leadlex-list", "l", "c.csv", "-b", "10", "-p", "4"], { cwd: dir, env: leadlexEnv(box) });
    await until(() => box.state.requests >= 4);
    run.kill("SIGINT");
    await run.waitForStderr("SIGINT: finishing requests in flight");
    const started = Date.now();
    run.kill("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(2000);
    // Requests in flight were cut off: their rows are recorded as possibly applied. Rows not
    // read back from the spool by then have no record: the report stays in `.part`.
    const kept = existsSync(join(dir, "c.report.csv")) ? join(dir, "c.report.csv") : join(dir, "c.report.csv.part");
    expect(countBy(readCsvReport(kept), (r) => r.status ?? "")).toMatchObject({
      failed: expect.any(Number),
      not_sent: expect.any(Number),
    });
    const terminated = startCli(["leadlex-list", "l", "c.csv", "-b", "10", "-p", "4", "--resume"], { cwd: dir, env: leadlexEnv(box) });
    await until(() => box.state.requests >= 12);
    terminated.kill("SIGTERM");
    expect((await terminated.done).code).toBe(143);
    expectOneRecordPerRow(readCsvReport(join(dir, "c.report.csv")), 2000);
    const resumed = await runCli(["leadlex-list", "l", "c.csv", "-b", "100", "-p", "8", "--resume"], { cwd: dir, env: leadlexEnv(box) });
    expect(resumed.code).toBe(0);
    const report = readCsvReport(join(dir, "c.report.csv"));
    expectOneRecordPerRow(report, 2000);
    expect(report.every((r) => SETTLED.has(r.status ?? ""))).toBe(true);
  });

  it("isolates rows refused without being named by splitting the batch, within a bound", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const ids = Array.from({ length: 100 }, (_, i) => uuid(i));
    ids[17] = "badc0de0-0000-4000-8000-000000000017";
    ids[80] = "badc0de0-0000-4000-8000-000000000080";
    writeFileSync(join(dir, "c.csv"), `contact_id\n${ids.join("\n")}\n`);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as { split_requests: number; counts: Record<string, number> };
    expect(summary.counts).toMatchObject({ added: 98, rejected: 2 });
    expect(summary.split_requests).toBeGreaterThan(0);
    expect(summary.split_requests).toBeLessThanOrEqual(64);
    const rejected = readCsvReport(join(dir, "c.report.csv")).filter((r) => r.status === "rejected");
    expect(rejected.map((r) => r.row).sort()).toEqual(["18", "81"]);
    expect(box.state.membersOf("leadlex-list:l").size).toBe(98);
  });

  it("refuses to resume with a changed input (exit 2), sending nothing", async () => {
    const box = await sandbox({ rateLimit: { dailyQuota: 1, style: "headers" } });
    const dir = tempDir();
    contacts(dir, 300);
    expect((await runCli(["leadlex-list", "l", "c.csv", "--max-wait", "30"], { cwd: dir, env: leadlexEnv(box) })).code).toBe(4);
    const ids = Array.from({ length: 300 }, (_, i) => uuid(i));
    ids[42] = uuid(9999);
    writeFileSync(join(dir, "c.csv"), `contact_id\n${ids.join("\n")}\n`);
    box.newDay();
    const before = box.state.requests;
    const resumed = await runCli(["leadlex-list", "l", "c.csv", "--resume"], { cwd: dir, env: leadlexEnv(box) });
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain("c.csv is not the input c.report.csv was written for: row 43 has a different key");
    expect(box.state.requests).toBe(before);
    writeFileSync(join(dir, "c.csv"), `contact_id\n${ids.slice(0, 299).join("\n")}\n`);
    const shorter = await runCli(["leadlex-list", "l", "c.csv", "--resume"], { cwd: dir, env: leadlexEnv(box) });
    expect(shorter.code).toBe(2);
  });

  it("stops with exit 3 when batch after batch fails, instead of hammering a dead API", async () => {
    const box = await sandbox({ faults: { rate: 1, kinds: ["500"], seed: 1 } });
    const dir = tempDir();
    contacts(dir, 2000);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--retries", "1", "-p", "1", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(3);
    const summary = JSON.parse(run.stdout) as { requests: number; counts: Record<string, number>; stopped: { reason: string } };
    expect(summary.stopped.reason).toBe("breaker");
    expect(summary.requests).toBe(10);
    expect(summary.counts).toMatchObject({ failed: 500, not_sent: 1500 });
    const failed = readCsvReport(join(dir, "c.report.csv")).find((r) => r.status === "failed");
    expect(failed).toMatchObject({ code: "internal_server_error", attempts: "2", http_status: "500" });
  });

  it("reads an HTML error page cleanly and does not retry other 4xx", async () => {
    const box = await sandbox({ faults: { rate: 1, kinds: ["502"], seed: 1 } });
    const dir = tempDir();
    contacts(dir, 5);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--retries", "0"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(1);
    expect(readCsvReport(join(dir, "c.report.csv"))[0]).toMatchObject({
      status: "failed",
      code: "http_502",
      message: "HTTP 502: 502 Bad Gateway (no retries)",
    });
    const forbidden = await runCli(["leadlex-list", "forbidden-l", "c.csv", "--force", "--json"], { cwd: dir, env: leadlexEnv(await sandbox()) });
    expect(JSON.parse(forbidden.stdout)).toMatchObject({ requests: 1, retries: 0, exit_code: 3 });
    expect(readCsvReport(join(dir, "c.report.csv"))[0]).toMatchObject({
      status: "not_sent",
      code: "insufficient_permissions",
      attempts: "1",
      http_status: "403",
    });
  });
});

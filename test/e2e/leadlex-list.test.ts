import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { countBy, readCsvReport, tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

function csv(rows: string[], header = "contact_id"): string {
  return `${header}\n${rows.join("\n")}\n`;
}

describe("leadlex-list end to end", () => {
  it("streams 1,050 rows in 11 requests of at most 100 and reports every row", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "contacts.csv"), csv(Array.from({ length: 1050 }, (_, i) => uuid(i))));
    const run = await runCli(["leadlex-list", "list-1", "contacts.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.stderr).toContain("exit 0");
    expect(run.code).toBe(0);
    expect(box.state.stats()).toMatchObject({ requests: 11, by_status: { "200": 11 }, members: { "leadlex-list:list-1": 1050 } });
    const report = readCsvReport(join(dir, "contacts.report.csv"));
    expect(report).toHaveLength(1050);
    expect(countBy(report, (r) => r.status ?? "")).toEqual({ added: 1050 });
    expect(new Set(report.map((r) => r.row)).size).toBe(1050);
    expect(Object.keys(report[0] ?? {})).toEqual(["row", "key", "status", "code", "message", "attempts", "http_status", "contact_id"]);
  });

  it("reports pre-existing members as added_or_present (counts only) or already_present", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const first = Array.from({ length: 150 }, (_, i) => uuid(i));
    writeFileSync(join(dir, "first.csv"), csv(first));
    expect((await runCli(["leadlex-list", "l", "first.csv"], { cwd: dir, env: leadlexEnv(box) })).code).toBe(0);
    // The second file repeats the first 150 and adds 50: batch 1 is all old, batch 2 is mixed.
    writeFileSync(join(dir, "second.csv"), csv([...first, ...Array.from({ length: 50 }, (_, i) => uuid(1000 + i))]));
    const run = await runCli(["leadlex-list", "l", "second.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    const statuses = countBy(readCsvReport(join(dir, "second.report.csv")), (r) => r.status ?? "");
    expect(statuses).toEqual({ already_present: 100, added_or_present: 100 });
  });

  it("never sends invalid or duplicate rows, and sends the rest of a batch after a rejection", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const unknown = "deadbeef-0000-4000-8000-000000000001";
    const keys = [uuid(1), "not-a-uuid", "", uuid(2), uuid(1), uuid(2).toUpperCase(), unknown, uuid(3)];
    writeFileSync(
      join(dir, "mixed.csv"),
      csv(
        keys.map((key, i) => `${key},note ${i}`),
        "contact_id,note",
      ),
    );
    const run = await runCli(["leadlex-list", "l", "mixed.csv", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      driver: "leadlex-list",
      target: "l",
      dry_run: false,
      rows: 8,
      counts: { added: 3, invalid: 2, duplicate_in_input: 2, rejected: 1, failed: 0, not_sent: 0 },
      requests: 2,
      report: "mixed.report.csv",
      exit_code: 1,
    });
    expect(Object.keys(summary).slice(0, 10)).toEqual([
      "driver",
      "target",
      "dry_run",
      "rows",
      "counts",
      "requests",
      "retries",
      "elapsed_ms",
      "report",
      "exit_code",
    ]);
    const received = box.state.receivedCounts("leadlex-list:l");
    expect(received).toEqual({ [uuid(1)]: 1, [uuid(2)]: 1, [uuid(3)]: 1 });
    const report = readCsvReport(join(dir, "mixed.report.csv")).sort((a, b) => Number(a.row) - Number(b.row));
    expect(report.map((r) => [r.row, r.status, r.code])).toEqual([
      ["1", "added", ""],
      ["2", "invalid", "invalid_uuid"],
      ["3", "invalid", "missing_key"],
      ["4", "added", ""],
      ["5", "duplicate_in_input", "duplicate"],
      ["6", "duplicate_in_input", "duplicate"],
      ["7", "rejected", "validation_error"],
      ["8", "added", ""],
    ]);
    expect(report.find((r) => r.row === "8")?.attempts).toBe("2");
  });

  it("refuses a malformed CSV with exit 2 naming the line, and sends nothing", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "bad.csv"), `contact_id,name\n${uuid(1)},a\n${uuid(2)},"b\n${uuid(3)},c\n`);
    const run = await runCli(["leadlex-list", "l", "bad.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "addlist: bad.csv: line 3: a quote opened in the record starting on this line is never closed (the file ends inside it, at line 4)\n",
    );
    expect(box.state.stats().requests).toBe(0);
    expect(existsSync(join(dir, "bad.report.csv"))).toBe(false);
  });

  it("refuses a ragged CSV row, naming its line, before sending anything", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const rows = Array.from({ length: 500 }, (_, i) => `${uuid(i)},x`);
    rows[400] = uuid(400);
    writeFileSync(join(dir, "ragged.csv"), csv(rows, "contact_id,name"));
    const run = await runCli(["leadlex-list", "l", "ragged.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("line 402: expected 2 fields as in the first line, found 1");
    expect(box.state.stats().requests).toBe(0);
  });

  it("names the columns it found when the key column is missing", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "people.csv"), "email,name\na@x.com,A\n");
    const run = await runCli(["leadlex-list", "l", "people.csv"], { cwd: dir, env: { LEADLEX_API_KEY: FAKE_KEY } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'has no key column: expected one of "contact_id", "id", "uuid" (or name it with --column); the columns found are: "email", "name"',
    );
  });

  it("reads stdin, gzip and JSON, and writes an NDJSON report to stdout", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "seed.csv"), csv([uuid(1), uuid(2)]));
    expect((await runCli(["leadlex-list", "l", "seed.csv", "-q"], { cwd: dir, env: leadlexEnv(box) })).code).toBe(0);
    const body = gzipSync(`${JSON.stringify([uuid(1), { contact_id: uuid(2) }])}\n`);
    const toStdout = await runCli(["leadlex-list", "l", "-", "--report", "-", "-q"], { cwd: dir, env: leadlexEnv(box), stdin: body });
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(
      `row,key,status,code,message,attempts,http_status,contact_id\n1,${uuid(1)},already_present,,,1,200,${uuid(1)}\n2,${uuid(2)},already_present,,,1,200,${uuid(2)}\n`,
    );
    const run = await runCli(["leadlex-list", "l2", "-", "--report", "out.ndjson", "-q"], { cwd: dir, env: leadlexEnv(box), stdin: body });
    expect(run.code).toBe(0);
    const lines = readFileSync(join(dir, "out.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      { row: 1, key: uuid(1), status: "added", code: null, message: null, attempts: 1, http_status: 200, input: uuid(1) },
      { row: 2, key: uuid(2), status: "added", code: null, message: null, attempts: 1, http_status: 200, input: { contact_id: uuid(2) } },
    ]);
  });

  it("plans without sending on --dry-run, needing no credentials", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), csv([uuid(1), uuid(2), "bad", uuid(1)]));
    const run = await runCli(["leadlex-list", "l", "c.csv", "--dry-run", "--json", "-b", "1"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ dry_run: true, requests: 2, counts: { planned: 2, invalid: 1, duplicate_in_input: 1 } });
  });

  it("refuses to overwrite a report without --force, and overwrites with it", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), csv([uuid(1)]));
    writeFileSync(join(dir, "c.report.csv"), "keep me\n");
    const refused = await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("the report c.report.csv already exists: use --resume to continue that run, or --force to overwrite it");
    expect(readFileSync(join(dir, "c.report.csv"), "utf8")).toBe("keep me\n");
    expect(box.state.stats().requests).toBe(0);
    const forced = await runCli(["leadlex-list", "l", "c.csv", "--force"], { cwd: dir, env: leadlexEnv(box) });
    expect(forced.code).toBe(0);
    expect(readCsvReport(join(dir, "c.report.csv"))).toHaveLength(1);
  });

  it("stops with exit 3 on an unknown list, leaving the other rows not_sent", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), csv(Array.from({ length: 300 }, (_, i) => uuid(i))));
    const run = await runCli(["leadlex-list", "missing-list", "c.csv", "-p", "1"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("stopped: the provider refused the run (not_found: List not found or not in your workspace)");
    expect(box.state.stats().requests).toBe(1);
    const statuses = countBy(readCsvReport(join(dir, "c.report.csv")), (r) => r.status ?? "");
    expect(statuses).toEqual({ not_sent: 300 });
  });

  it.each([
    [["--batch-size", "101"], '--batch-size must be a whole number from 1 to 100 (the leadlex-list limit); got "101"'],
    [["--concurrency", "0"], "--concurrency must be a whole number from 1 to 64"],
    [["--json", "--report", "-"], "--json and --report - both want standard output"],
    [["--base-url", "http://api.example.com"], "must use https"],
  ])("refuses bad options %j with exit 2", async (args, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), csv([uuid(1)]));
    const run = await runCli(["leadlex-list", "l", "c.csv", ...args], { cwd: dir, env: { LEADLEX_API_KEY: FAKE_KEY } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("needs credentials unless it is a dry run or the sandbox, and never prints the key", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), csv([uuid(1)]));
    const missing = await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("leadlex-list needs credentials in the environment: set LEADLEX_API_KEY");
    const box = await sandbox();
    const run = await runCli(["leadlex-list", "l", "c.csv", "-v"], { cwd: dir, env: leadlexEnv(box, "sk-live-never-print-this") });
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr + readFileSync(join(dir, "c.report.csv"), "utf8")).not.toContain("sk-live-never-print-this");
    expect(run.stderr).toMatch(/POST \/leadlex\/v1\/lists\/l\/contacts \(1 rows\) → HTTP 200/);
  });

  it("stops on a refused key with exit 3", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), csv([uuid(1)]));
    const run = await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: leadlexEnv(box, "invalid-key-for-test") });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("invalid_key: Invalid API key");
  });

  it("runs the quick start: the fixture into the embedded sandbox", async () => {
    const dir = tempDir();
    const fixture = new URL("../../fixtures/leadlex-contacts.csv", import.meta.url).pathname;
    const run = await runCli(["leadlex-list", "demo-list", fixture, "--sandbox"], { cwd: dir });
    expect([0, 1]).toContain(run.code);
    expect(run.stderr).toMatch(/leadlex-list → demo-list: [\d,]+ rows/);
    expect(existsSync(join(dir, "leadlex-contacts.report.csv"))).toBe(true);
  });

  it("prints help with examples, and its version", async () => {
    const dir = tempDir();
    const help = await runCli(["leadlex-list", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("--resume");
    const version = await runCli(["--version"], { cwd: dir });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = await runCli(["leadlex-list", "l", "x.csv", "--frobnicate"], { cwd: dir });
    expect(unknown.code).toBe(2);
  });
});

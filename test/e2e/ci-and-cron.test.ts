import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, runCli } from "../helpers/cli.js";
import { countBy, readCsvReport, tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

const BAD_ID = "not-a-uuid";
const UNKNOWN = "deadbeef-0000-4000-8000-00000000000"; // + a digit: refused by the sandbox, named in invalid_ids

/** `good` valid ids, then `invalid` ids that are not UUIDs and `rejected` ids the sandbox refuses. */
function mixed(dir: string, good: number, invalid: number, rejected: number): void {
  const rows = [
    ...Array.from({ length: good }, (_, i) => uuid(i)),
    ...Array.from({ length: invalid }, (_, i) => `${BAD_ID}-${i}`),
    ...Array.from({ length: rejected }, (_, i) => `${UNKNOWN}${i}`),
  ];
  writeFileSync(join(dir, "c.csv"), `contact_id\n${rows.join("\n")}\n`);
}

describe("--max-bad-rows", () => {
  it.each([
    ["none allowed (the default)", [], 1],
    ["exactly n", ["--max-bad-rows", "3"], 0],
    ["below n", ["--max-bad-rows", "10"], 0],
    ["one short of n", ["--max-bad-rows", "2"], 1],
    ["a share of the rows within it", ["--max-bad-rows", "3%"], 0],
    ["a share of the rows below them", ["--max-bad-rows", "2.5%"], 1],
  ])("%s", async (_, option, code) => {
    const box = await sandbox();
    const dir = tempDir();
    mixed(dir, 97, 2, 1); // 100 rows: 2 invalid + 1 rejected
    const run = await runCli(["leadlex-list", "l", "c.csv", "--json", ...option], { cwd: dir, env: leadlexEnv(box) });
    expect(JSON.parse(run.stdout)).toMatchObject({ exit_code: code, counts: { added: 97, invalid: 2, rejected: 1 } });
    expect(run.code).toBe(code);
  });

  it("never tolerates failed rows", async () => {
    const box = await sandbox({ faults: { rate: 1, kinds: ["500"], seed: 1 } });
    const dir = tempDir();
    mixed(dir, 5, 0, 0);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--retries", "0", "--max-bad-rows", "100%", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(JSON.parse(run.stdout)).toMatchObject({ exit_code: 1, counts: { failed: 5 } });
    expect(run.code).toBe(1);
  });

  it("refuses a value that is neither a count nor a percentage", async () => {
    const run = await runCli(["leadlex-list", "l", "c.csv", "--max-bad-rows", "lots", "--dry-run"], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--max-bad-rows must be a number of rows or a percentage, e.g. 10 or 0.5%; got "lots"');
  });
});

describe("why rows did not make it", () => {
  it("lists the most frequent reasons, with counts that match the report, in the summary and in --json", async () => {
    const box = await sandbox();
    const dir = tempDir();
    mixed(dir, 50, 4, 2);
    writeFileSync(join(dir, "c.csv"), `${readFileSync(join(dir, "c.csv"), "utf8")}\n`); // and a blank line, skipped
    const json = await runCli(["leadlex-list", "l", "c.csv", "--json", "-o", "r.csv"], { cwd: dir, env: leadlexEnv(box) });
    const { reasons } = JSON.parse(json.stdout) as { reasons: { status: string; code: string; count: number; message: string }[] };
    const report = readCsvReport(join(dir, "r.csv")).filter((record) => record.status !== "added");
    expect(reasons).toEqual(
      Object.entries(countBy(report, (record) => `${record.status}/${record.code}`))
        .map(([key, count]) => ({ status: key.split("/")[0], code: key.split("/")[1], count, message: expect.any(String) }))
        .sort((a, b) => b.count - a.count),
    );
    expect(reasons[0]).toMatchObject({ status: "invalid", code: "invalid_uuid", count: 4, message: '"not-a-uuid-0" is not a UUID' });
    const human = await runCli(["leadlex-list", "l", "c.csv", "-o", "h.csv", "--force"], { cwd: dir, env: leadlexEnv(box) });
    expect(human.stderr).toMatch(
      /why:\n +4 invalid \(invalid_uuid\): "not-a-uuid-0" is not a UUID\n +2 rejected \(validation_error\): One or more contact IDs/,
    );
  });

  it("names the cause when every batch fails: an unreachable OAuth2 token endpoint", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "e.csv"), "external_id\n1\n2\n3\n");
    const env = {
      EMARSYS_CLIENT_ID: "fake-client",
      EMARSYS_CLIENT_SECRET: "fake-client-secret",
      EMARSYS_TOKEN_URL: "http://127.0.0.1:1/token",
      EMARSYS_BASE_URL: box.baseUrl("emarsys"),
    };
    const run = await runCli(["emarsys", "1", "e.csv", "--retries", "0", "--json"], { cwd: dir, env });
    expect(JSON.parse(run.stdout)).toMatchObject({
      counts: { failed: 3 },
      reasons: [{ status: "failed", code: "auth_unavailable", count: 3, message: expect.stringContaining("the OAuth2 token endpoint cannot be reached") }],
    });
  });
});

describe("the report is in input order", () => {
  it("whatever order the answers come in (jittered latency, 8 requests in flight)", async () => {
    const box = await sandbox({ latencyMs: 2, latencyJitterMs: 40, seed: 3 });
    const dir = tempDir();
    const rows = [...Array.from({ length: 3000 }, (_, i) => uuid(i)), "bad", uuid(5)];
    writeFileSync(join(dir, "c.csv"), `contact_id\n${rows.join("\n")}\n`);
    const run = await runCli(["leadlex-list", "l", "c.csv", "-b", "20", "-p", "8"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(1);
    const report = readCsvReport(join(dir, "c.report.csv"));
    expect(report.map((record) => record.row)).toEqual(rows.map((_, i) => String(i + 1)));
    expect(report.map((record) => record.key)).toEqual(rows);
  });
});

describe("cron and CI", () => {
  it("with --quiet and no terminal, the summary's first line starts with the date and time", async () => {
    const box = await sandbox();
    const dir = tempDir();
    mixed(dir, 3, 0, 0);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--quiet"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.stderr.split("\n")[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z leadlex-list → l: 3 rows in /);
    const loud = await runCli(["leadlex-list", "l", "c.csv", "--force"], { cwd: dir, env: leadlexEnv(box) });
    expect(loud.stderr).toMatch(/\nleadlex-list → l: 3 rows in /);
  });

  it("appends a Markdown table of counts and reasons to GITHUB_STEP_SUMMARY, keeping what was there", async () => {
    const box = await sandbox();
    const dir = tempDir();
    mixed(dir, 8, 2, 0);
    const summary = join(dir, "step-summary.md");
    writeFileSync(summary, "## Earlier step\n\n");
    const env = { ...leadlexEnv(box), GITHUB_STEP_SUMMARY: summary };
    await runCli(["leadlex-list", "l", "c.csv", "-o", "r.csv"], { cwd: dir, env });
    await runCli(["leadlex-list", "l", "c.csv", "-o", "r2.csv"], { cwd: dir, env });
    const text = readFileSync(summary, "utf8");
    expect(text.startsWith("## Earlier step\n\n### addlist leadlex-list → l\n")).toBe(true);
    expect(text.match(/### addlist leadlex-list → l/g)).toHaveLength(2);
    expect(text).toContain("| status | rows |\n|---|---:|\n| added | 8 |\n| invalid | 2 |");
    expect(text).toContain('| invalid | invalid_uuid | 2 | "not-a-uuid-0" is not a UUID |');
    expect(text).toContain("exit code **1**; report `r.csv`");
  });
});

describe("the sandbox and real endpoints", () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill("SIGTERM");
  });

  it("addlist sandbox prints the environment to use it, the Emarsys token URL included", async () => {
    const child = spawn(BIN, ["sandbox", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const out = await new Promise<string>((resolve) => {
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
        if (text.includes("What it holds")) resolve(text);
      });
    });
    const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? "";
    for (const line of [
      `export LEADLEX_BASE_URL=${origin}/leadlex`,
      "export LEADLEX_API_KEY=sandbox-key",
      `export EMARSYS_BASE_URL=${origin}/emarsys/api/v3`,
      `export EMARSYS_TOKEN_URL=${origin}/emarsys/oauth2/token`,
      "export EMARSYS_CLIENT_ID=sandbox-client",
      `export AMPLEMARKET_BASE_URL=${origin}/amplemarket`,
    ]) {
      expect(out).toContain(line);
    }
  });

  it("notes, before sending, a loopback base URL whose token would still come from the real endpoint", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "e.csv"), "external_id\n1\n");
    const env = { EMARSYS_CLIENT_ID: "fake-client", EMARSYS_CLIENT_SECRET: "fake-client-secret" };
    const run = await runCli(["emarsys", "1", "e.csv", "--base-url", "http://127.0.0.1:1/emarsys/api/v3", "--retries", "0", "--dry-run"], { cwd: dir, env });
    expect(run.stderr.split("\n")[0]).toBe(
      "addlist: note: the base URL is on this machine, but EMARSYS_TOKEN_URL is the real https://auth.emarsys.net/oauth2/token; set EMARSYS_TOKEN_URL too (addlist sandbox prints it)",
    );
    const help = await runCli(["emarsys", "--help"], { cwd: dir });
    expect(help.stdout.replace(/\s+/g, " ")).toContain("Also read: EMARSYS_TOKEN_URL (default https://auth.emarsys.net/oauth2/token)");
  });
});

describe("small things that confused a first-time user", () => {
  it("shows defaults as plain values in --help", async () => {
    const help = await runCli(["leadlex-list", "--help"], { cwd: tempDir() });
    expect(help.stdout).toContain("(default: 4)");
    expect(help.stdout).not.toMatch(/default: "/);
  });

  it("suggests the driver meant by a mistyped one", async () => {
    const run = await runCli(["leadlex-lst", "l", "c.csv"], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("(Did you mean leadlex-list?)");
  });

  it("hints that the target and the file look swapped", async () => {
    const dir = tempDir();
    mixed(dir, 1, 0, 0);
    const run = await runCli(["leadlex-list", "c.csv", "my-list", "--dry-run"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "cannot read my-list: no such file (c.csv is a file: did you give the file before the target? addlist leadlex-list <target-id> <input>)",
    );
  });

  it("refuses a file given as the target with nothing on standard input: the target was left out", async () => {
    const box = await sandbox();
    const dir = tempDir();
    mixed(dir, 3, 0, 0);
    const run = await runCli(["leadlex-list", "c.csv"], { cwd: dir, env: leadlexEnv(box), stdin: "" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "standard input holds no rows, and the target c.csv is a file: was the target left out? addlist leadlex-list <target-id> c.csv",
    );
    expect(box.state.requests).toBe(0);
    expect(readdirSync(dir)).toEqual(["c.csv"]);
  });

  it("reads an Excel `sep=` first line as the delimiter, not as the header", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "x.csv"), `sep=;\r\ncontact_id;name\r\n${uuid(1)};Ada\r\n`);
    const run = await runCli(["leadlex-list", "l", "x.csv", "--dry-run", "--json"], { cwd: dir });
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 1, counts: { planned: 1 } });
  });

  it("a stopped run's last progress line says it stopped, and does not claim 100%", async () => {
    const box = await sandbox({ rateLimit: { dailyQuota: 1, style: "headers" } });
    const dir = tempDir();
    mixed(dir, 300, 0, 0);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--max-wait", "5"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(4);
    const last =
      run.stderr
        .split("\n")
        .filter((line) => line.includes("addlist leadlex-list → l:"))
        .at(-1) ?? "";
    expect(last).toMatch(/stopped \(quota\) at 100\/300 rows \(33\.3%\)/);
  });
});

describe("a stopped run whose report went to standard output", () => {
  it("does not advise --resume, which needs a report file", async () => {
    const box = await sandbox({ rateLimit: { dailyQuota: 1, style: "headers" } });
    const dir = tempDir();
    mixed(dir, 300, 0, 0);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--max-wait", "5", "--report", "-"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("a run of the rows the report does not show as settled sends the rest (--resume needs a --report file)");
    expect(run.stderr).not.toContain("the same command with --resume");
    writeFileSync(join(dir, "out.csv"), run.stdout);
    expect(countBy(readCsvReport(join(dir, "out.csv")), (record) => record.status ?? "")).toEqual({ added: 100, not_sent: 200 });
  });
});

describe("credentials stay out of every output", () => {
  it("also out of the step summary", async () => {
    const box = await sandbox();
    const dir = tempDir();
    mixed(dir, 2, 0, 0);
    const summary = join(dir, "s.md");
    await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: { ...leadlexEnv(box), GITHUB_STEP_SUMMARY: summary } });
    expect(readFileSync(summary, "utf8")).not.toContain(FAKE_KEY);
  });
});

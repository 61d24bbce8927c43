import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.js";
import { readCsvReport, tempDir, uuid } from "../helpers/files.js";
import { leadlexEnv, sandbox } from "../helpers/sandbox.js";

/** Runs addlist on the file and expects a clean refusal: exit 2, one line on stderr, nothing sent. */
async function refused(name: string, content: string | Buffer, expected: RegExp, extra: string[] = []): Promise<void> {
  const box = await sandbox();
  const dir = tempDir();
  writeFileSync(join(dir, name), content);
  const run = await runCli(["leadlex-list", "l", name, ...extra], { cwd: dir, env: leadlexEnv(box) });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(expected);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(box.state.requests).toBe(0);
}

const ROWS = Array.from({ length: 300 }, (_, i) => uuid(i));

describe("hostile input files", () => {
  it("binary garbage: refused as not UTF-8 text", async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256).filter((b) => b !== 0));
    await refused("garbage.csv", garbage, /garbage\.csv: line \d+: the input has bytes that are not valid UTF-8 text/);
  });

  it("invalid UTF-8 in the middle: refused naming its line", async () => {
    const content = Buffer.concat([
      Buffer.from(
        `contact_id,name\n${ROWS.slice(0, 40)
          .map((id) => `${id},ok`)
          .join("\n")}\n`,
      ),
      Buffer.from("c0ffee00-0000-4000-8000-000000000000,Ren"),
      Buffer.from([0xe9]),
      Buffer.from("\n"),
    ]);
    await refused("latin1.csv", content, /latin1\.csv: line 42: the input has bytes that are not valid UTF-8 text/);
  });

  it("NUL bytes: refused naming the line", async () => {
    await refused("nul.csv", `contact_id\n${ROWS[0]}\n${ROWS[1]}\0\n`, /nul\.csv: line 3: the input has a NUL byte \(is this a binary file\?\)/);
  });

  it("a large file (parsed on a worker thread): a bad byte near its end is refused naming its line", async () => {
    const lines = Array.from({ length: 150_000 }, (_, i) => uuid(i));
    const content = Buffer.concat([
      Buffer.from(`contact_id\n${lines.join("\n")}\n`),
      Buffer.from([0xff, 0x0a]),
      Buffer.from(`${lines.slice(0, 10).join("\n")}\n`),
    ]);
    await refused("large.csv", content, /large\.csv: line 150002: the input has bytes that are not valid UTF-8 text/);
  });

  it("a large file (parsed on a worker thread) without a key column: refused at once", async () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => `n${i},e${i}@example.com`);
    await refused("large.csv", `name,email\n${rows.join("\n")}\n`, /large\.csv has no key column: expected one of "contact_id", "id", "uuid"/);
  });

  it("a large file (parsed on a worker thread): an interrupt during the check ends the run at once, nothing sent", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "large.csv"), `contact_id\n${`${uuid(1)}\n`.repeat(2_000_000)}`);
    const run = startCli(["leadlex-list", "l", "large.csv"], { cwd: dir, env: leadlexEnv(box) });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const started = Date.now();
    run.kill("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(done.stderr).toContain("interrupted by SIGINT while reading the input; nothing was sent");
    expect(box.state.requests).toBe(0);
  });

  it("a 100 MB single line: refused once a record passes 1 MiB, without reading it all", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const path = join(dir, "long.csv");
    const out = createWriteStream(path);
    const block = Buffer.alloc(1024 * 1024, "a");
    out.write("contact_id\n");
    for (let i = 0; i < 100; i++) out.write(block);
    await new Promise((resolve) => out.end(resolve));
    const run = await runCli(["leadlex-list", "l", "long.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("addlist: long.csv: line 2: the record starting on this line is longer than 1 MiB (is a quote left open?)\n");
    expect(box.state.requests).toBe(0);
  });

  it("10,000 columns: read, the key found, every column carried into the report", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const columns = Array.from({ length: 10_000 }, (_, i) => (i === 5000 ? "contact_id" : `c${i}`));
    const row = (id: string): string => columns.map((c, i) => (i === 5000 ? id : String(i))).join(",");
    writeFileSync(join(dir, "wide.csv"), `${columns.join(",")}\n${row(ROWS[0] ?? "")}\n${row(ROWS[1] ?? "")}\n`);
    const run = await runCli(["leadlex-list", "l", "wide.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    const report = readCsvReport(join(dir, "wide.report.csv"));
    expect(report).toHaveLength(2);
    expect(Object.keys(report[0] ?? {})).toHaveLength(10_007);
  });

  it("an unclosed quote: refused naming the line where its record starts, and where the file ended inside it", async () => {
    await refused(
      "quote.csv",
      `contact_id,note\n${ROWS[0]},"never closed\n${ROWS[1]},fine\n${ROWS[2]},x\n`,
      /quote\.csv: line 2: a quote opened in the record starting on this line is never closed \(the file ends inside it, at line 4\)/,
    );
  });

  it("mixed line endings: read as they come", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "mixed.csv"), `contact_id\r\n${ROWS[0]}\n${ROWS[1]}\r${ROWS[2]}\r\n${ROWS[3]}`);
    const run = await runCli(["leadlex-list", "l", "mixed.csv", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 4, counts: { added: 4 } });
  });

  it("JSON nested 10,000 deep: refused naming the line", async () => {
    await refused(
      "deep.json",
      `[\n"${ROWS[0]}",\n${"[".repeat(10_000)}${"]".repeat(10_000)}\n]`,
      /deep\.json: line 3: an array element is nested deeper than 32 levels/,
    );
    await refused("deep.ndjson", `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}\n`, /deep\.ndjson: line 1: the line is nested deeper than 32 levels/);
  });

  it("NDJSON with a truncated last line: refused naming it", async () => {
    await refused(
      "cut.ndjson",
      `{"contact_id":"${ROWS[0]}"}\n{"contact_id":"${ROWS[1]}"}\n{"contact_id":"${ROWS[2]}`,
      /cut\.ndjson: line 3: the last line \(cut short\?\) is not valid JSON/,
    );
  });

  it("a directory as input: refused", async () => {
    const box = await sandbox();
    const dir = tempDir();
    mkdirSync(join(dir, "folder"));
    const run = await runCli(["leadlex-list", "l", "folder"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("addlist: folder is a directory, not an input file\n");
  });

  it("a FIFO as input (process substitution): read like standard input", async () => {
    const box = await sandbox();
    const dir = tempDir();
    execFileSync("mkfifo", [join(dir, "pipe")]);
    const run = startCli(["leadlex-list", "l", "pipe", "--json", "--format", "csv"], { cwd: dir, env: leadlexEnv(box) });
    writeFileSync(join(dir, "pipe"), `contact_id\n${ROWS.slice(0, 5).join("\n")}\n`);
    const done = await run.done;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ rows: 5, counts: { added: 5 } });
  });

  it("a report in a missing directory or a place files cannot be created: refused before reading", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), `contact_id\n${ROWS[0]}\n`);
    const missing = await runCli(["leadlex-list", "l", "c.csv", "--dry-run", "-o", "no/such/dir/r.csv"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot write the report no\/such\/dir\/r\.csv: the directory .* does not exist/);
    const readOnly = process.getuid?.() === 0 ? "/proc/addlist-test-report.csv" : join(dir, "ro", "r.csv");
    if (!readOnly.startsWith("/proc")) {
      mkdirSync(join(dir, "ro"));
      execFileSync("chmod", ["555", join(dir, "ro")]);
    }
    const denied = await runCli(["leadlex-list", "l", "c.csv", "--dry-run", "-o", readOnly], { cwd: dir });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/cannot write the report .*: (files cannot be created there|permission denied)/);
    expect(denied.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("never follows a stack trace or a partial report out of a refusal", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.csv"), `contact_id,x\n${ROWS[0]}\n`);
    const run = await runCli(["leadlex-list", "l", "bad.csv", "--dry-run"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("addlist: bad.csv: line 2: expected 2 fields as in the first line, found 1\n");
    expect(() => readFileSync(join(dir, "bad.report.csv"))).toThrow();
    expect(() => readFileSync(join(dir, "bad.report.csv.part"))).toThrow();
  });
});

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.js";
import { countBy, readCsvReport, tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

function contacts(dir: string, count: number, name = "c.csv"): string[] {
  const ids = Array.from({ length: count }, (_, i) => uuid(i));
  writeFileSync(join(dir, name), `contact_id\n${ids.join("\n")}\n`);
  return ids;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("a crash, and two runs at once", () => {
  it("after kill -9, --resume sends again at most the batches that were in flight", async () => {
    const box = await sandbox({ latencyMs: 15 });
    const dir = tempDir();
    contacts(dir, 4000);
    const [batch, concurrency] = [20, 2];
    const run = startCli(["leadlex-list", "l", "c.csv", "-b", String(batch), "-p", String(concurrency)], { cwd: dir, env: leadlexEnv(box) });
    await until(() => box.state.requests >= 60);
    run.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    const resumed = await runCli(["leadlex-list", "l", "c.csv", "-b", String(batch), "--resume", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(resumed.code).toBe(0);
    const received = box.state.receivedCounts("leadlex-list:l");
    const sentTwice = Object.keys(received).filter((key) => (received[key] ?? 0) > 1);
    expect(sentTwice.length).toBeLessThanOrEqual(batch * concurrency);
    expect(Object.keys(received)).toHaveLength(4000);
    expect(readCsvReport(join(dir, "c.report.csv")).map((record) => record.row)).toEqual(Array.from({ length: 4000 }, (_, i) => String(i + 1)));
  });

  it.each([["--resume"], ["--force"]])("a second run on a report in use (%s) is refused at once, naming the process, and sends nothing", async (flag) => {
    const box = await sandbox({ latencyMs: 20 });
    const dir = tempDir();
    contacts(dir, 2000);
    const first = startCli(["leadlex-list", "l", "c.csv", "-b", "20", "-p", "1"], { cwd: dir, env: leadlexEnv(box) });
    await until(() => box.state.requests >= 3);
    const sent = box.state.receivedCounts("leadlex-list:l");
    const second = await runCli(["leadlex-list", "l", "c.csv", "-b", "20", flag], { cwd: dir, env: leadlexEnv(box) });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`^addlist: another addlist run \\(pid ${first.pid}, since [^)]+\\) is using the report c\\.report\\.csv`));
    expect((await first.done).code).toBe(0);
    const received = box.state.receivedCounts("leadlex-list:l");
    expect(Object.values(received).every((count) => count === 1)).toBe(true);
    expect(Object.keys(received).length).toBeGreaterThan(Object.keys(sent).length);
  });

  it("takes over a lock left by a process that is gone", async () => {
    const box = await sandbox();
    const dir = tempDir();
    contacts(dir, 10);
    writeFileSync(
      join(dir, "c.report.csv.lock"),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import("node:os")).hostname(), started: "2026-01-01T00:00:00Z" }),
    );
    const run = await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["c.csv", "c.report.csv", "c.report.csv.addlist.json"]);
  });
});

describe("a report that waits long for one row", () => {
  it("finishes when many rows settle while a batch is slow (the reader waits, then goes on)", async () => {
    const box = await sandbox({ latencyMs: 300 });
    const dir = tempDir();
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => uuid(i)),
      ...Array.from({ length: 70_000 }, () => "not-a-uuid"),
      ...Array.from({ length: 100 }, (_, i) => uuid(1000 + i)),
    ];
    writeFileSync(join(dir, "c.csv"), `contact_id\n${rows.join("\n")}\n`);
    const run = await runCli(["leadlex-list", "l", "c.csv", "-p", "2", "--max-bad-rows", "100%", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 70_200, counts: { added: 200, invalid: 70_000 } });
    expect(readdirSync(dir).sort()).toEqual(["c.csv", "c.report.csv", "c.report.csv.addlist.json"]);
  });
});

describe("a JSON document that is not an array", () => {
  it.each([
    [
      "a pretty-printed object",
      "people.json",
      '{\n  "contact_id": "x",\n  "name": "y"\n}\n',
      /keys "contact_id", "name"\); addlist reads a JSON array of rows/,
    ],
    [
      "an API dump",
      "dump.json",
      `{"meta": {"page": 1}, "data": [{"contact_id": "${uuid(1)}"}]}`,
      /keys "meta", "data"\); to load the rows under "data": jq '\.data' dump\.json > rows\.json/,
    ],
    ["one bare object", "one.json", '{"a":1}', /keys "a"\); addlist reads a JSON array of rows/],
  ])("%s: exit 2, naming the keys found and how to take the array out", async (_, name, content, expected) => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, name), content);
    const run = await runCli(["leadlex-list", "l", name], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^addlist: \S+\.json: line 1: expected a JSON array of rows, found one JSON object \(/);
    expect(run.stderr).toMatch(expected);
    expect(box.state.stats().requests).toBe(0);
  });
});

describe("advice after a refusal", () => {
  it("after an unknown list, advises fixing the id with --force, not --resume", async () => {
    const box = await sandbox();
    const dir = tempDir();
    contacts(dir, 5);
    const run = await runCli(["leadlex-list", "missing-list", "c.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      "check the target id missing-list: to load the rows into the right one, run again with --force (or another --report) with the corrected id",
    );
    expect(run.stderr).not.toContain("--resume");
    // The advice works: the corrected id with --force.
    expect((await runCli(["leadlex-list", "right-list", "c.csv", "--force"], { cwd: dir, env: leadlexEnv(box) })).code).toBe(0);
  });

  it("after refused credentials, advises --resume once they are fixed", async () => {
    const box = await sandbox();
    const dir = tempDir();
    contacts(dir, 5);
    const run = await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: leadlexEnv(box, "invalid-key-not-a-secret") });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("once the credentials or their permissions are fixed, the same command with --resume sends the rest");
    expect((await runCli(["leadlex-list", "l", "c.csv", "--resume"], { cwd: dir, env: leadlexEnv(box) })).code).toBe(0);
  });
});

describe("internationalised addresses", () => {
  it("sends internationalised emails (RFC 6531) and leaves their fate to the provider", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "e.csv"), "email\nuser@bücher.de\nü@example.com\nJÜRGEN@Example.com\nnot-an-email\n");
    const env = {
      EMARSYS_CLIENT_ID: "fake-client",
      EMARSYS_CLIENT_SECRET: "fake-client-secret",
      EMARSYS_TOKEN_URL: box.tokenUrl,
      EMARSYS_BASE_URL: box.baseUrl("emarsys"),
    };
    const run = await runCli(["emarsys", "1", "e.csv", "--json"], { cwd: dir, env });
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { added: 3, invalid: 1 } });
    expect(Object.keys(box.state.receivedCounts("emarsys:1")).sort()).toEqual(["JÜRGEN@Example.com", "user@bücher.de", "ü@example.com"]);
  });

  it("sends LinkedIn profiles with non-ASCII slugs and internationalised emails to Amplemarket", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(
      join(dir, "l.csv"),
      "linkedin_url,email\nhttps://www.linkedin.com/in/jürgen-müller-123/,ü@bücher.de\nhttps://de.linkedin.com/in/mária-kovács,\n",
    );
    const run = await runCli(["amplemarket", "ll", "l.csv", "--json"], {
      cwd: dir,
      env: { AMPLEMARKET_API_KEY: FAKE_KEY, AMPLEMARKET_BASE_URL: box.baseUrl("amplemarket") },
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { added: 2 } });
    const emails = await runCli(["amplemarket", "le", "l.csv", "--type", "email", "--json", "-o", "e.csv"], {
      cwd: dir,
      env: { AMPLEMARKET_API_KEY: FAKE_KEY, AMPLEMARKET_BASE_URL: box.baseUrl("amplemarket") },
    });
    expect(JSON.parse(emails.stdout)).toMatchObject({ counts: { added: 1, invalid: 1 } });
    expect(countBy(readCsvReport(join(dir, "e.csv")), (record) => record.code ?? "")).toMatchObject({ missing_email: 1 });
    expect(readFileSync(join(dir, "e.csv"), "utf8")).toContain("ü@bücher.de");
  });
});

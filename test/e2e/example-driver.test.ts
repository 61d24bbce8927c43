import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DRIVERS } from "../../src/drivers/registry.js";
import { exampleList } from "../drivers/example/example-driver.js";
import { readCsvReport, tempDir } from "../helpers/files.js";
import { runInProcess } from "../helpers/in-process.js";
import { sandbox } from "../helpers/sandbox.js";

// A provider added the way the README's "Adding a driver" says: a driver module, its
// sandbox handler and its tests (here under test/drivers/example), and one line in the
// registry, which this list stands for. Nothing else is edited.
const drivers = [...DRIVERS, exampleList];

describe("a driver added through the registry alone", () => {
  it("shows up in addlist drivers and in --help, with its options and credentials", async () => {
    const listing = await runInProcess(["drivers"], drivers);
    expect(listing.stdout).toMatch(/example-list +POST \{base\}\/lists\/\{id\}\/members +50 +EXAMPLE_API_KEY/);
    const help = await runInProcess(["--help"], drivers);
    expect(help.stdout).toContain("example-list");
    const own = await runInProcess(["example-list", "--help"], drivers);
    expect(own.stdout).toContain("--tag <tag>");
    expect(own.stdout).toContain("Credentials (environment only): EXAMPLE_API_KEY");
    expect(own.stdout.replace(/\s+/g, " ")).toContain("$EXAMPLE_BASE_URL, then https://api.example.com");
  });

  it("checks its own options and credentials like any driver's", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "m.csv"), "member_id\nm1\n");
    const noKey = await runInProcess(["example-list", "l", join(dir, "m.csv"), "-o", join(dir, "r.csv")], drivers);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("example-list needs credentials in the environment: set EXAMPLE_API_KEY");
    const badTag = await runInProcess(["example-list", "l", join(dir, "m.csv"), "--tag", "NO", "--dry-run", "-o", join(dir, "r.csv")], drivers);
    expect(badTag.code).toBe(2);
    expect(badTag.stderr).toContain('--tag must be lower-case letters, digits and dashes; got "NO"');
  });

  it("uploads end to end into the sandbox, which serves its endpoint", async () => {
    const box = await sandbox({ drivers });
    const dir = tempDir();
    const members = Array.from({ length: 120 }, (_, i) => `m${i}`);
    writeFileSync(join(dir, "m.csv"), `member_id\n${members.join("\n")}\nnot-valid!\nm1\n`);
    const env = { EXAMPLE_API_KEY: "example-key-not-a-secret", EXAMPLE_BASE_URL: box.baseUrl("example") };
    const run = await runInProcess(["example-list", "team", join(dir, "m.csv"), "--tag", "q4-import", "--json", "-o", join(dir, "r.csv")], drivers, env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 122, requests: 3, counts: { added: 120, invalid: 1, duplicate_in_input: 1 } });
    expect(box.state.membersOf("example-list:team").size).toBe(120);
    expect(box.state.sources.get("example-list:team")).toEqual(new Set(["q4-import"]));
    expect(readCsvReport(join(dir, "r.csv")).map((record) => record.row)).toEqual(Array.from({ length: 122 }, (_, i) => String(i + 1)));
    expect(readFileSync(join(dir, "r.csv"), "utf8")).not.toContain("example-key-not-a-secret");
  });

  it("runs against the embedded sandbox with --sandbox, which knows its fake credentials", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "m.csv"), "member_id\nm1\nm2\n");
    const run = await runInProcess(["example-list", "team", join(dir, "m.csv"), "--sandbox", "--json", "-o", join(dir, "r.csv")], drivers);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { added: 2 } });
  });
});

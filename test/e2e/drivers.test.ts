import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SANDBOX_WSSE_SECRET } from "../../src/sandbox/emarsys.js";
import { runCli, startCli } from "../helpers/cli.js";
import { countBy, readCsvReport, tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

const fixture = (name: string): string => new URL(`../../fixtures/${name}`, import.meta.url).pathname;
const statuses = (path: string): Record<string, number> => countBy(readCsvReport(path), (r) => r.status ?? "");

describe("every driver with --sandbox and its fixture", () => {
  it.each([
    ["leadlex-list", "demo-list", "leadlex-contacts.csv", []],
    ["leadlex-campaign", "cmp_demo", "leadlex-campaign-contacts.ndjson", ["--source", "import:fixture"]],
    ["emarsys", "123", "emarsys-contacts.csv", ["--key-id", "3"]],
    ["amplemarket", "ll-linkedin", "amplemarket-linkedin.csv", []],
    ["amplemarket", "ll-email", "amplemarket-emails.json", []],
    ["amplemarket", "ll-titles", "amplemarket-titles.tsv", []],
  ])("%s %s %s", async (driver, target, file, extra) => {
    const dir = tempDir();
    const run = await runCli([driver, target, fixture(file), "--sandbox", "--json", "-o", "out.csv", ...extra], { cwd: dir });
    expect(run.code).toBe(1); // every fixture holds rows that are invalid or refused on purpose
    const summary = JSON.parse(run.stdout) as { counts: Record<string, number>; rows: number };
    expect(summary.counts.added).toBeGreaterThan(100);
    expect((summary.counts.invalid ?? 0) + (summary.counts.rejected ?? 0)).toBeGreaterThan(0);
    expect(readCsvReport(join(dir, "out.csv"))).toHaveLength(summary.rows);
  });
});

describe("leadlex-campaign", () => {
  it("attributes each row exactly, sends the source tag, and stops on an unknown campaign", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "c.csv"), `contact_id\n${[uuid(1), uuid(2), "00000000-0000-4000-8000-000000000009", uuid(1), "nope"].join("\n")}\n`);
    const run = await runCli(["leadlex-campaign", "cmp_1", "c.csv", "--source", "list:q2"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(1);
    expect(statuses(join(dir, "c.report.csv"))).toEqual({ added: 2, already_present: 1, duplicate_in_input: 1, invalid: 1 });
    expect([...(box.state.sources.get("leadlex-campaign:cmp_1") ?? [])]).toEqual(["list:q2"]);
    const again = await runCli(["leadlex-campaign", "cmp_1", "c.csv", "--force"], { cwd: dir, env: leadlexEnv(box) });
    expect(again.code).toBe(1);
    expect(statuses(join(dir, "c.report.csv"))).toEqual({ already_present: 3, duplicate_in_input: 1, invalid: 1 });
    const missing = await runCli(["leadlex-campaign", "missing-cmp", "c.csv", "--force"], { cwd: dir, env: leadlexEnv(box) });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("campaign_not_found: No campaign with this ID");
    expect(statuses(join(dir, "c.report.csv"))).toEqual({ not_sent: 3, duplicate_in_input: 1, invalid: 1 });
  });
});

describe("emarsys", () => {
  const oauthEnv = (box: Awaited<ReturnType<typeof sandbox>>, secret = "fake-client-secret"): Record<string, string> => ({
    EMARSYS_CLIENT_ID: "fake-client",
    EMARSYS_CLIENT_SECRET: secret,
    EMARSYS_TOKEN_URL: box.tokenUrl,
    EMARSYS_BASE_URL: box.baseUrl("emarsys"),
  });

  it("adds by email over OAuth2: duplicates, unknown contacts, bad emails and members already there", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const rows = ["ann@example.com", "Ann@Example.com", "unknown.bob@example.com", "not-an-email", "cy@example.com"];
    writeFileSync(join(dir, "e.csv"), `email\n${rows.join("\n")}\n`);
    const run = await runCli(["emarsys", "42", "e.csv", "--key-id", "3"], { cwd: dir, env: oauthEnv(box) });
    expect(run.code).toBe(1);
    const report = readCsvReport(join(dir, "e.report.csv"));
    expect(Object.fromEntries(report.map((r) => [r.key, [r.status, r.code]]))).toEqual({
      "ann@example.com": ["added", ""],
      "Ann@Example.com": ["duplicate_in_input", "duplicate"],
      "unknown.bob@example.com": ["rejected", "2008"],
      "not-an-email": ["invalid", "invalid_email"],
      "cy@example.com": ["added", ""],
    });
    writeFileSync(join(dir, "f.csv"), "email\nann@example.com\ndee@example.com\n");
    const second = await runCli(["emarsys", "42", "f.csv", "--key-id", "3"], { cwd: dir, env: oauthEnv(box) });
    expect(second.code).toBe(0);
    expect(statuses(join(dir, "f.report.csv"))).toEqual({ added_or_present: 2 });
  });

  it("signs every request with WSSE (a fresh nonce each time) against the v2 base", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "ids.csv"), `external_id\n${Array.from({ length: 30 }, (_, i) => `${1000 + i}`).join("\n")}\n`);
    const env = { EMARSYS_USERNAME: "fake-user", EMARSYS_SECRET: SANDBOX_WSSE_SECRET, EMARSYS_BASE_URL: `${box.origin}/emarsys/api/v2` };
    const run = await runCli(["emarsys", "7", "ids.csv", "-b", "10"], { cwd: dir, env });
    expect(run.code).toBe(0);
    expect(box.state.nonces.size).toBe(3);
    const wrong = await runCli(["emarsys", "7", "ids.csv", "--force"], { cwd: dir, env: { ...env, EMARSYS_SECRET: "wrong-fake-secret" } });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain("PasswordDigest does not match");
    expect(wrong.stdout + wrong.stderr).not.toContain("wrong-fake-secret");
  });

  it("fetches a new token once after a 401 and carries on", async () => {
    const box = await sandbox({ latencyMs: 20 });
    const dir = tempDir();
    writeFileSync(join(dir, "ids.csv"), `external_id\n${Array.from({ length: 200 }, (_, i) => `${1000 + i}`).join("\n")}\n`);
    const run = startCli(["emarsys", "7", "ids.csv", "-b", "10", "-p", "1"], { cwd: dir, env: oauthEnv(box) });
    while (box.state.requests < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    box.state.tokens.clear(); // the provider revokes the token mid-run
    const done = await run.done;
    expect(done.code).toBe(0);
    expect(statuses(join(dir, "ids.report.csv"))).toEqual({ added: 200 });
    expect(box.state.stats().by_status["401"]).toBe(1);
  });

  it("stops with exit 3 on an invalid list id or refused client credentials", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "ids.csv"), "external_id\na\nb\n");
    const badList = await runCli(["emarsys", "not-a-number", "ids.csv"], { cwd: dir, env: oauthEnv(box) });
    expect(badList.code).toBe(3);
    expect(badList.stderr).toContain("3004: Invalid contact list id: not-a-number");
    expect(statuses(join(dir, "ids.report.csv"))).toEqual({ not_sent: 2 });
    const refused = await runCli(["emarsys", "7", "ids.csv", "--force"], { cwd: dir, env: oauthEnv(box, "invalid-fake-secret") });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("the OAuth2 token endpoint gave no token: HTTP 401 invalid_client");
  });
});

describe("amplemarket", () => {
  const env = (box: Awaited<ReturnType<typeof sandbox>>): Record<string, string> => ({
    AMPLEMARKET_API_KEY: FAKE_KEY,
    AMPLEMARKET_BASE_URL: box.baseUrl("amplemarket"),
  });

  it("rejects the lead the provider points at and sends the rest; duplicates by identity", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const leads = [{ email: "a@x.com", first_name: "A" }, { email: "b@mail.invalid" }, { email: "A@X.COM" }, { email: "nope" }, { email: "c@x.com", score: 7 }];
    writeFileSync(join(dir, "leads.json"), JSON.stringify(leads));
    const run = await runCli(["amplemarket", "ll1", "leads.json", "--json"], { cwd: dir, env: env(box) });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ requests: 2, counts: { added: 2, rejected: 1, duplicate_in_input: 1, invalid: 1 } });
    const rejected = readCsvReport(join(dir, "leads.report.csv")).find((r) => r.status === "rejected");
    expect(rejected).toMatchObject({ key: "b@mail.invalid", code: "unsupported_value", message: "Unsupported value provided for field: leads[1].email" });
    expect(box.state.receivedCounts("amplemarket:ll1")).toEqual({ "a@x.com": 1, "c@x.com": 1 });
  });

  it("stops at the list cap: the partial batch is failed (list_full), later rows not_sent, exit 3", async () => {
    const box = await sandbox({ listCap: 150 });
    const dir = tempDir();
    writeFileSync(join(dir, "l.csv"), `email\n${Array.from({ length: 320 }, (_, i) => `lead${i}@x.com`).join("\n")}\n`);
    const run = await runCli(["amplemarket", "capped", "l.csv", "-b", "100", "-p", "1", "--json"], { cwd: dir, env: env(box) });
    expect(run.code).toBe(3);
    const summary = JSON.parse(run.stdout) as { counts: Record<string, number>; stopped: { reason: string; message: string } };
    expect(summary.counts).toMatchObject({ added: 100, failed: 100, not_sent: 120 });
    expect(summary.stopped.message).toContain("the list is full (conflict: The maximum of 150 leads per list has been reached.)");
    const failed = readCsvReport(join(dir, "l.report.csv")).filter((r) => r.status === "failed");
    expect(failed[0]).toMatchObject({ code: "list_full" });
    expect(box.state.stats().members["amplemarket:capped"]).toBe(150);
  });

  it("keeps a partial batch when a later batch shows the list had room (duplicates, not the cap)", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "first.csv"), "email\nold1@x.com\nold2@x.com\n");
    expect((await runCli(["amplemarket", "ll", "first.csv"], { cwd: dir, env: env(box) })).code).toBe(0);
    writeFileSync(join(dir, "second.csv"), `email\nold1@x.com\nnew1@x.com\n${Array.from({ length: 4 }, (_, i) => `more${i}@x.com`).join("\n")}\n`);
    const run = await runCli(["amplemarket", "ll", "second.csv", "-b", "2", "-p", "1"], { cwd: dir, env: env(box) });
    expect(run.code).toBe(0);
    expect(statuses(join(dir, "second.report.csv"))).toEqual({ added_or_present: 2, added: 4 });
  });

  it.each([
    ["missing-list", "not_found: Could not find lead list."],
    ["gone-list", "gone: Lead list is no longer available."],
    ["nocredit-list", "insufficient_credits: You do not have enough credits to perform this operation."],
  ])("stops with exit 3 on %s", async (target, message) => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "l.csv"), "email\na@x.com\nb@x.com\n");
    const run = await runCli(["amplemarket", target, "l.csv"], { cwd: dir, env: env(box) });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(message);
    expect(statuses(join(dir, "l.report.csv"))).toEqual({ not_sent: 2 });
  });

  it("refuses to guess the lead type from unknown columns (exit 2, nothing sent)", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "l.csv"), "name,phone\nAnn,123\n");
    const run = await runCli(["amplemarket", "ll", "l.csv"], { cwd: dir, env: env(box) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot tell the lead type from the columns (name, phone)");
    expect(box.state.requests).toBe(0);
  });
});

describe("addlist drivers", () => {
  it("lists every driver with its endpoint, batch limit and credentials", async () => {
    const run = await runCli(["drivers"], { cwd: tempDir() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("leadlex-list      POST {base}/v1/lists/{id}/contacts      100");
    expect(run.stdout).toContain("EMARSYS_CLIENT_ID + EMARSYS_CLIENT_SECRET | EMARSYS_USERNAME + EMARSYS_SECRET");
    expect(run.stdout).toContain("amplemarket");
    expect(run.stdout).toContain("10,000");
  });
});

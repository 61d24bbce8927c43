import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.js";
import { tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

/** Writes the night's export: these ids in a shuffled order (a regenerated export), seeded by `night`. */
function exportOf(dir: string, ids: readonly string[], night: number): void {
  const shuffled = [...ids];
  let seed = night * 7919;
  for (let i = shuffled.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
  }
  writeFileSync(join(dir, "export.csv"), `contact_id\n${shuffled.join("\n")}\n`);
}

const ids = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => uuid(from + i));

interface Summary {
  counts: Record<string, number>;
  requests: number;
  exit_code: number;
}

async function night(dir: string, env: Record<string, string>, n: number, extra: string[] = [], target = "l"): Promise<Summary & { stderr: string }> {
  const run = await runCli(["leadlex-list", target, "export.csv", "--state", "list.state", "-o", `night-${n}.csv`, "--json", ...extra], { cwd: dir, env });
  return { ...(JSON.parse(run.stdout) as Summary), stderr: run.stderr };
}

describe("incremental loads with --state", () => {
  it("night 2 sends exactly the new rows of a regenerated export and reports the rest known", async () => {
    const box = await sandbox();
    const dir = tempDir();
    exportOf(dir, ids(0, 1000), 1);
    expect(await night(dir, leadlexEnv(box), 1)).toMatchObject({ exit_code: 0, counts: { added: 1000 } });
    exportOf(dir, ids(0, 1100), 2);
    expect(await night(dir, leadlexEnv(box), 2)).toMatchObject({ exit_code: 0, requests: 1, counts: { added: 100, known: 1000 } });
    const received = box.state.receivedCounts("leadlex-list:l");
    expect(Object.keys(received)).toHaveLength(1100);
    expect(Object.values(received).every((count) => count === 1)).toBe(true);
    const state = readFileSync(join(dir, "list.state"), "utf8").split("\n");
    expect(state[0]).toBe('# addlist state {"driver":"leadlex-list","target":"l","origin":"' + new URL(box.origin).origin + '","key":""}');
    expect(state.slice(1, -1).sort()).toEqual(ids(0, 1100).sort());
  });

  it("carries on after a quota stop, night after night, with no row sent twice and no --resume", async () => {
    const box = await sandbox({ rateLimit: { dailyQuota: 8, style: "headers" } });
    const dir = tempDir();
    const all = ids(0, 2000);
    const nights: Summary[] = [];
    for (let n = 1; n <= 3; n++) {
      exportOf(dir, all, n);
      nights.push(await night(dir, leadlexEnv(box), n, ["--max-wait", "30"]));
      box.newDay();
    }
    expect(nights.map((summary) => summary.exit_code)).toEqual([4, 4, 0]);
    expect(nights.map((summary) => summary.counts.added)).toEqual([800, 800, 400]);
    expect(nights.map((summary) => summary.counts.known)).toEqual([0, 800, 1600]);
    const received = box.state.receivedCounts("leadlex-list:l");
    expect(Object.keys(received)).toHaveLength(2000);
    expect(Object.values(received).every((count) => count === 1)).toBe(true);
  });

  it("refuses a second run with the same state at once, and the first completes", async () => {
    const box = await sandbox({ latencyMs: 20 });
    const dir = tempDir();
    exportOf(dir, ids(0, 2000), 1);
    const first = startCli(["leadlex-list", "l", "export.csv", "--state", "list.state", "-o", "a.csv", "-b", "20", "-p", "1"], {
      cwd: dir,
      env: leadlexEnv(box),
    });
    while (box.state.requests < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await runCli(["leadlex-list", "l", "export.csv", "--state", "list.state", "-o", "b.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`another addlist run \\(pid ${first.pid}, since [^)]+\\) is using the state file list\\.state`));
    expect((await first.done).code).toBe(0);
    expect(Object.values(box.state.receivedCounts("leadlex-list:l")).every((count) => count === 1)).toBe(true);
  });

  it("after kill -9 the state holds only confirmed identities, and the next run completes", async () => {
    const box = await sandbox({ latencyMs: 15 });
    const dir = tempDir();
    exportOf(dir, ids(0, 3000), 1);
    const run = startCli(["leadlex-list", "l", "export.csv", "--state", "list.state", "-b", "20", "-p", "2"], { cwd: dir, env: leadlexEnv(box) });
    while (box.state.requests < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    run.kill("SIGKILL");
    await run.done;
    const remembered = readFileSync(join(dir, "list.state"), "utf8").split("\n").slice(1, -1);
    expect(remembered.length).toBeGreaterThan(0);
    const members = box.state.membersOf("leadlex-list:l");
    expect(remembered.filter((id) => !members.has(id))).toEqual([]);
    const next = await night(dir, leadlexEnv(box), 2);
    expect(next.exit_code).toBe(0);
    expect(members.size).toBe(3000);
    expect(next.counts.known).toBe(remembered.length);
  });

  it("a dry run reads the state and leaves it byte for byte", async () => {
    const box = await sandbox();
    const dir = tempDir();
    exportOf(dir, ids(0, 300), 1);
    await night(dir, leadlexEnv(box), 1);
    const before = readFileSync(join(dir, "list.state"));
    exportOf(dir, ids(0, 350), 2);
    const dry = await night(dir, leadlexEnv(box), 2, ["--dry-run"]);
    expect(dry).toMatchObject({ exit_code: 0, counts: { known: 300, planned: 50 } });
    expect(readFileSync(join(dir, "list.state")).equals(before)).toBe(true);
  });

  it("refuses a state written for another target, driver, provider or key field, naming both, and sends nothing", async () => {
    const box = await sandbox();
    const other = await sandbox();
    const dir = tempDir();
    exportOf(dir, ids(0, 10), 1);
    await night(dir, leadlexEnv(box), 1);
    const sent = box.state.requests;
    const target = await night(dir, leadlexEnv(box), 2, [], "other-list");
    expect(target.exit_code).toBe(2);
    expect(target.stderr).toContain("the state file list.state belongs to `leadlex-list l` at http://127.0.0.1:");
    expect(target.stderr).toContain("not to `leadlex-list other-list` at");
    const origin = await night(dir, leadlexEnv(other), 3);
    expect(origin.exit_code).toBe(2);
    const campaign = await runCli(["leadlex-campaign", "l", "export.csv", "--state", "list.state", "-o", "c.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(campaign.code).toBe(2);
    expect(campaign.stderr).toContain("not to `leadlex-campaign l`");
    expect(box.state.requests + other.state.requests).toBe(sent);
  });

  it("binds an Emarsys state to its key field", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "e.csv"), "external_id\na@x.com\nb@x.com\n");
    const env = {
      EMARSYS_CLIENT_ID: "fake-client",
      EMARSYS_CLIENT_SECRET: "fake-client-secret",
      EMARSYS_TOKEN_URL: box.tokenUrl,
      EMARSYS_BASE_URL: box.baseUrl("emarsys"),
    };
    const first = await runCli(["emarsys", "1", "e.csv", "--key-id", "3", "--state", "e.state", "-o", "1.csv"], { cwd: dir, env });
    expect(first.code).toBe(0);
    const other = await runCli(["emarsys", "1", "e.csv", "--key-id", "uid", "--state", "e.state", "-o", "2.csv"], { cwd: dir, env });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("(key_id=3), not to `emarsys 1`");
  });

  it("--full-refresh puts back rows removed from the target by other means, and rebuilds the state", async () => {
    const box = await sandbox();
    const dir = tempDir();
    exportOf(dir, ids(0, 200), 1);
    await night(dir, leadlexEnv(box), 1);
    box.state.membersOf("leadlex-list:l").clear(); // emptied by hand, in the provider's own interface
    exportOf(dir, ids(0, 200), 2);
    expect(await night(dir, leadlexEnv(box), 2)).toMatchObject({ counts: { known: 200 } }); // the state trusts itself
    expect(box.state.membersOf("leadlex-list:l").size).toBe(0);
    expect(await night(dir, leadlexEnv(box), 3, ["--full-refresh"])).toMatchObject({ exit_code: 0, counts: { added: 200 } });
    expect(box.state.membersOf("leadlex-list:l").size).toBe(200);
    expect(readFileSync(join(dir, "list.state"), "utf8").split("\n").slice(1, -1).sort()).toEqual(ids(0, 200).sort());
  });

  it("sends rejected rows again the next night: only confirmed rows are remembered", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const unknown = "deadbeef-0000-4000-8000-000000000001"; // refused by the sandbox: not in the workspace
    exportOf(dir, [...ids(0, 50), unknown], 1);
    expect(await night(dir, leadlexEnv(box), 1)).toMatchObject({ exit_code: 1, counts: { added: 50, rejected: 1 } });
    expect(await night(dir, leadlexEnv(box), 2)).toMatchObject({ exit_code: 1, counts: { known: 50, rejected: 1 } });
    expect(box.state.receivedCounts("leadlex-list:l")[unknown]).toBeUndefined(); // refused whole requests are not applied
    expect(readFileSync(join(dir, "list.state"), "utf8")).not.toContain(unknown);
  });

  it("after a wrong target, the corrected id runs with the same state and report path, as the advice says", async () => {
    const box = await sandbox();
    const dir = tempDir();
    exportOf(dir, ids(0, 30), 1);
    const run = (target: string, ...extra: string[]) =>
      runCli(["leadlex-list", target, "export.csv", "--state", "list.state", ...extra], { cwd: dir, env: leadlexEnv(box) });
    const wrong = await run("missing-list");
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain(
      "check the target id missing-list: to load the rows into the right one, run again (with another --state file if list.state already holds rows of this target) with the corrected id",
    );
    const right = await run("l", "--json");
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ counts: { added: 30 } });
    expect((await run("l")).code).toBe(0); // the next night replaces the report: the state remembers
  });

  it("refuses a --state that is not a regular file before touching the report", async () => {
    const dir = tempDir();
    exportOf(dir, ids(0, 3), 1);
    mkdirSync(join(dir, "a-directory"));
    const run = await runCli(["leadlex-list", "l", "export.csv", "--state", "a-directory", "--sandbox"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot read the state file a-directory: it is not a regular file");
    expect(readdirSync(dir).sort()).toEqual(["a-directory", "export.csv"]);
  });

  it("ignores a last line cut short by a crash, and cuts it off before appending", async () => {
    const box = await sandbox();
    const dir = tempDir();
    exportOf(dir, ids(0, 20), 1);
    await night(dir, leadlexEnv(box), 1);
    appendFileSync(join(dir, "list.state"), "c0000099-0000-40"); // a torn line, no line end
    exportOf(dir, ids(0, 21), 2);
    expect(await night(dir, leadlexEnv(box), 2)).toMatchObject({ exit_code: 0, counts: { known: 20, added: 1 } });
    const lines = readFileSync(join(dir, "list.state"), "utf8").split("\n");
    expect(lines.slice(1, -1).sort()).toEqual(ids(0, 21).sort());
    expect(lines.at(-1)).toBe("");
  });

  it("the sandbox's own key names the embedded sandbox: --sandbox runs share a state", async () => {
    const dir = tempDir();
    exportOf(dir, ids(0, 5), 1);
    const first = await night(dir, {}, 1, ["--sandbox"]);
    expect(first.counts.added).toBe(5);
    const second = await night(dir, { LEADLEX_API_KEY: FAKE_KEY }, 2, ["--sandbox"]);
    expect(second.counts.known).toBe(5);
  });
});

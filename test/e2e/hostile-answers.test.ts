import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FaultKind } from "../../src/sandbox/faults.js";
import { runCli } from "../helpers/cli.js";
import { readCsvReport, tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

const CLAIMED = new Set(["added", "already_present", "added_or_present"]);

/** One batch against a sandbox that always answers with the given fault. */
async function against(kind: FaultKind, extra: string[] = [], redirectTo?: string) {
  const box = await sandbox({ faults: { rate: 1, kinds: [kind], seed: 1 }, ...(redirectTo === undefined ? {} : { redirectTo }) });
  const dir = tempDir();
  writeFileSync(join(dir, "c.csv"), `contact_id\n${Array.from({ length: 5 }, (_, i) => uuid(i)).join("\n")}\n`);
  const run = await runCli(["leadlex-list", "l", "c.csv", "--retries", "1", "--timeout", "2", ...extra], { cwd: dir, env: leadlexEnv(box) });
  const report = readCsvReport(join(dir, "c.report.csv"));
  return { run, report, box };
}

const traps: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const trap of traps.splice(0)) trap.close();
});

describe("hostile answers: a clear error for the batch, never a row claimed", () => {
  it.each([
    ["huge-body", "response_too_large", /the answer is larger than 16777216 bytes/],
    ["not-json", "bad_response", /the answer has no data\.added count \(HTTP 200: OK\)/],
    ["wrong-shape", "bad_response", /the answer has no data\.added count/],
    ["overcount", "bad_response", /the provider reports 1005 added of 5 sent/],
    ["slow-body", "timeout", /no complete answer within 2 s/],
  ] as const)("%s", async (kind, code, message) => {
    const started = Date.now();
    const { run, report } = await against(kind);
    expect(run.code).toBe(1);
    expect(report).toHaveLength(5);
    expect(report.some((r) => CLAIMED.has(r.status ?? ""))).toBe(false);
    expect(report[0]).toMatchObject({ status: "failed", code });
    expect(report[0]?.message).toMatch(message);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("a redirect: the run stops (exit 3) and nothing is sent to the other origin, credentials least of all", async () => {
    let trapped = 0;
    const trap = createServer((request, response) => {
      trapped++;
      response.end();
    });
    traps.push(trap);
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
    const elsewhere = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/steal`;
    const { run, report } = await against("redirect", [], elsewhere);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `redirect: the provider answered HTTP 307 with a redirect to http://127.0.0.1:${(trap.address() as AddressInfo).port}; redirects are not followed`,
    );
    expect(report.every((r) => r.status === "not_sent" && r.code === "redirect")).toBe(true);
    expect(trapped).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(FAKE_KEY);
  });
});

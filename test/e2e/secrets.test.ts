import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SANDBOX_WSSE_SECRET } from "../../src/sandbox/emarsys.js";
import type { RunningSandbox } from "../../src/sandbox/server.js";
import { type CliRun, runCli } from "../helpers/cli.js";
import { tempDir, uuid } from "../helpers/files.js";
import { sandbox } from "../helpers/sandbox.js";

const LEADLEX_KEY = "SECRET-LEADLEX-4f1b9c0e";
const AMPLE_KEY = "SECRET-AMPLE-8d2e71aa";
const CLIENT_ID = "client-7731";
const CLIENT_SECRET = "SECRET-EMARSYS-OAUTH-c3a0";
const WRONG_WSSE = "SECRET-WSSE-WRONG-77d1";

/** Every form in which a secret could leak: as is, and base64-encoded as HTTP Basic carries it. */
const FORBIDDEN = [
  LEADLEX_KEY,
  AMPLE_KEY,
  CLIENT_SECRET,
  WRONG_WSSE,
  SANDBOX_WSSE_SECRET,
  Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64"),
  Buffer.from(LEADLEX_KEY).toString("base64"),
];

interface Scenario {
  name: string;
  /** The exit code that shows the scenario ran the path it is about. */
  exit: number;
  args: string[];
  env: (box: RunningSandbox) => Record<string, string>;
  sandbox?: Parameters<typeof sandbox>[0];
}

const leadlex = (box: RunningSandbox, key = LEADLEX_KEY): Record<string, string> => ({ LEADLEX_API_KEY: key, LEADLEX_BASE_URL: box.baseUrl("leadlex") });
const oauth = (box: RunningSandbox, secret = CLIENT_SECRET): Record<string, string> => ({
  EMARSYS_CLIENT_ID: CLIENT_ID,
  EMARSYS_CLIENT_SECRET: secret,
  EMARSYS_TOKEN_URL: box.tokenUrl,
  EMARSYS_BASE_URL: box.baseUrl("emarsys"),
});
const wsse = (box: RunningSandbox, secret: string): Record<string, string> => ({
  EMARSYS_USERNAME: "user",
  EMARSYS_SECRET: secret,
  EMARSYS_BASE_URL: `${box.origin}/emarsys/api/v2`,
});
const ample = (box: RunningSandbox): Record<string, string> => ({ AMPLEMARKET_API_KEY: AMPLE_KEY, AMPLEMARKET_BASE_URL: box.baseUrl("amplemarket") });

const SCENARIOS: Scenario[] = [
  { name: "leadlex success, verbose, json", exit: 0, args: ["leadlex-list", "l", "ids.csv", "-v", "--json"], env: (b) => leadlex(b) },
  { name: "leadlex key refused", exit: 3, args: ["leadlex-list", "l", "ids.csv", "-v"], env: (b) => leadlex(b, `invalid-${LEADLEX_KEY}`) },
  {
    name: "leadlex through faults",
    exit: 1,
    args: ["leadlex-list", "l", "ids.csv", "-v", "--retries", "2", "--timeout", "1"],
    env: (b) => leadlex(b),
    sandbox: { faults: { rate: 0.5, kinds: ["500", "502", "reset-after", "not-json"], seed: 3 } },
  },
  { name: "leadlex report on stdout", exit: 0, args: ["leadlex-list", "l", "ids.csv", "--report", "-"], env: (b) => leadlex(b) },
  { name: "leadlex unknown list", exit: 3, args: ["leadlex-list", "missing-l", "ids.csv", "--json"], env: (b) => leadlex(b) },
  { name: "leadlex bad option", exit: 2, args: ["leadlex-list", "l", "ids.csv", "--batch-size", "0", "--json"], env: (b) => leadlex(b) },
  { name: "leadlex insecure base URL", exit: 2, args: ["leadlex-list", "l", "ids.csv", "--base-url", "http://api.example.com"], env: (b) => leadlex(b) },
  { name: "emarsys oauth, verbose", exit: 1, args: ["emarsys", "42", "ext.csv", "-v", "--json"], env: (b) => oauth(b) },
  { name: "emarsys oauth refused", exit: 3, args: ["emarsys", "42", "ext.csv", "-v"], env: (b) => oauth(b, `invalid-${CLIENT_SECRET}`) },
  { name: "emarsys wsse", exit: 1, args: ["emarsys", "42", "ext.csv", "-v"], env: (b) => wsse(b, SANDBOX_WSSE_SECRET) },
  { name: "emarsys wsse refused", exit: 3, args: ["emarsys", "42", "ext.csv", "-v", "--json"], env: (b) => wsse(b, WRONG_WSSE) },
  { name: "amplemarket success and a rejected lead", exit: 1, args: ["amplemarket", "ll", "leads.csv", "-v"], env: (b) => ample(b) },
  { name: "amplemarket gone", exit: 3, args: ["amplemarket", "gone-ll", "leads.csv", "--json"], env: (b) => ample(b) },
];

describe("secrets never leave the process", () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))("%s", async (_, scenario) => {
    const box = await sandbox(scenario.sandbox);
    const dir = tempDir();
    writeFileSync(join(dir, "ids.csv"), `contact_id\n${Array.from({ length: 150 }, (_, i) => uuid(i)).join("\n")}\n`);
    writeFileSync(join(dir, "ext.csv"), "external_id\n101\n102\nunknown-c\n");
    writeFileSync(join(dir, "leads.csv"), "email\na@x.com\nb@x.invalid\n");
    const run: CliRun = await runCli(scenario.args, { cwd: dir, env: scenario.env(box) });
    expect(run.code).toBe(scenario.exit);
    const files = readdirSync(dir).map((name) => readFileSync(join(dir, name), "utf8"));
    for (const output of [run.stdout, run.stderr, ...files]) {
      for (const secret of FORBIDDEN) expect(output).not.toContain(secret);
      expect(output).not.toMatch(/authorization|x-wsse|bearer /i);
    }
  });
});

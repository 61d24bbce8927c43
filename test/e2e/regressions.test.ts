import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, runCli, startCli } from "../helpers/cli.js";
import { countBy, readCsvReport, tempDir, uuid } from "../helpers/files.js";
import { FAKE_KEY, leadlexEnv, sandbox } from "../helpers/sandbox.js";

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A one-off provider on loopback answering every request with `handle`. */
async function provider(handle: (request: IncomingMessage, response: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => handle(request, response, Buffer.concat(chunks).toString("utf8")));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A provider that gives every request the same JSON answer. */
function answering(status: number, headers: Record<string, string>, body: string): Promise<string> {
  return provider((_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(body);
  });
}

function ids(dir: string, count: number, name = "c.csv"): string[] {
  const keys = Array.from({ length: count }, (_, i) => uuid(i));
  writeFileSync(join(dir, name), `contact_id\n${keys.join("\n")}\n`);
  return keys;
}

const statuses = (path: string): Record<string, number> => countBy(readCsvReport(path), (r) => r.status ?? "");

describe("resume tells the truth about rows an earlier run may have applied", () => {
  it("rows last failed after an ambiguous fault are added_or_present on resume, never already_present", async () => {
    const box = await sandbox({ faults: { rate: 0.5, kinds: ["reset-after"], seed: 3 } });
    const dir = tempDir();
    ids(dir, 20);
    const first = await runCli(["leadlex-campaign", "cmp", "c.csv", "-b", "1", "--retries", "0", "-p", "1"], { cwd: dir, env: leadlexEnv(box) });
    expect(first.code).toBe(1);
    expect(statuses(join(dir, "c.report.csv")).failed).toBeGreaterThan(0);
    const healthy = await sandbox();
    // The same provider state: move the members over, as if the faults had cleared.
    for (const member of box.state.membersOf("leadlex-campaign:cmp")) healthy.state.membersOf("leadlex-campaign:cmp").add(member);
    const resumed = await runCli(["leadlex-campaign", "cmp", "c.csv", "-b", "1", "--resume"], { cwd: dir, env: leadlexEnv(healthy) });
    expect(resumed.code).toBe(0);
    const after = statuses(join(dir, "c.report.csv"));
    expect(after.already_present ?? 0).toBe(0);
    expect((after.added ?? 0) + (after.added_or_present ?? 0)).toBe(20);
  });

  it("refuses to resume a report written for another driver or target", async () => {
    const box = await sandbox();
    const dir = tempDir();
    ids(dir, 5);
    expect((await runCli(["leadlex-list", "listA", "c.csv"], { cwd: dir, env: leadlexEnv(box) })).code).toBe(0);
    const other = await runCli(["leadlex-campaign", "campB", "c.csv", "--resume"], { cwd: dir, env: leadlexEnv(box) });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("the report c.report.csv belongs to `addlist leadlex-list listA`, not `addlist leadlex-campaign campB`");
    expect(box.state.membersOf("leadlex-campaign:campB").size).toBe(0);
  });

  it("refuses a journal that holds bytes that are not text (a crash on a full disk)", async () => {
    const dir = tempDir();
    const keys = ids(dir, 3);
    const header = "row,key,status,code,message,attempts,http_status,contact_id\n";
    writeFileSync(
      join(dir, "c.report.csv.part"),
      Buffer.concat([Buffer.from(header), Buffer.from([0, 0, 0, 0xff, 10]), Buffer.from(`2,${keys[1]},added,,,1,200,${keys[1]}\n`)]),
    );
    const run = await runCli(["leadlex-list", "l", "c.csv", "--resume"], { cwd: dir, env: { LEADLEX_API_KEY: FAKE_KEY } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^addlist: cannot resume from c\.report\.csv\.part: line 2: the input has a NUL byte .*Use --force to start over\.\n$/);
  });

  it("ignores a last record cut short by a crash, whatever its bytes, and sends that row again", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const keys = ids(dir, 3);
    const header = "row,key,status,code,message,attempts,http_status,contact_id\n";
    writeFileSync(join(dir, "c.report.csv.part"), Buffer.concat([Buffer.from(`${header}1,${keys[0]},added,,,1,200,${keys[0]}\n`), Buffer.from([0, 0, 0xff])]));
    const run = await runCli(["leadlex-list", "l", "c.csv", "--resume", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    expect(box.state.receivedCounts("leadlex-list:l")).toEqual({ [keys[1] ?? ""]: 1, [keys[2] ?? ""]: 1 });
  });
});

describe("Amplemarket partial batches at the end of a run", () => {
  const env = (origin: string): Record<string, string> => ({ AMPLEMARKET_API_KEY: FAKE_KEY, AMPLEMARKET_BASE_URL: `${origin}/amplemarket` });

  it("the last batch cut by the cap is confirmed: the list is full, the rows failed, exit 3", async () => {
    const box = await sandbox({ listCap: 10 });
    const dir = tempDir();
    writeFileSync(join(dir, "l.csv"), `email\n${Array.from({ length: 15 }, (_, i) => `lead${i}@x.com`).join("\n")}\n`);
    const run = await runCli(["amplemarket", "ll", "l.csv", "--json"], { cwd: dir, env: env(box.origin) });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({
      counts: { failed: 15, added_or_present: 0 },
      stopped: { reason: "provider", message: expect.stringContaining("the list is full") },
    });
    // Held rows and the rows of the request that met the 409 alike.
    expect(countBy(readCsvReport(join(dir, "l.report.csv")), (r) => r.code ?? "")).toEqual({ list_full: 15 });
  });

  it("the last batch short only by duplicates is confirmed in the list, exit 0", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "old.csv"), "email\nold1@x.com\nold2@x.com\n");
    expect((await runCli(["amplemarket", "ll", "old.csv"], { cwd: dir, env: env(box.origin) })).code).toBe(0);
    writeFileSync(join(dir, "new.csv"), "email\nold1@x.com\nnew1@x.com\nold2@x.com\nnew2@x.com\n");
    const run = await runCli(["amplemarket", "ll", "new.csv", "--json"], { cwd: dir, env: env(box.origin) });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ requests: 2, counts: { added_or_present: 4 } });
  });
});

describe("run-level failures that used to escape", () => {
  it("a token refused on renewal stops the run with every row recorded", async () => {
    const box = await sandbox({ latencyMs: 20 });
    const dir = tempDir();
    writeFileSync(join(dir, "ids.csv"), `external_id\n${Array.from({ length: 100 }, (_, i) => `${1000 + i}`).join("\n")}\n`);
    const env = {
      EMARSYS_CLIENT_ID: "fake-client",
      EMARSYS_CLIENT_SECRET: "fake-client-secret",
      EMARSYS_TOKEN_URL: box.tokenUrl,
      EMARSYS_BASE_URL: box.baseUrl("emarsys"),
    };
    const run = startCli(["emarsys", "7", "ids.csv", "-b", "10", "-p", "1"], { cwd: dir, env });
    while (box.state.requests < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    box.state.clientsRevoked = true;
    box.state.tokens.clear();
    const done = await run.done;
    expect(done.code).toBe(3);
    expect(done.stderr).toContain("the OAuth2 token endpoint gave no token: HTTP 401 invalid_client");
    expect(readCsvReport(join(dir, "ids.report.csv"))).toHaveLength(100);
  });

  it("a 503 asking to wait longer than --max-wait stops like a quota (exit 4)", async () => {
    const origin = await answering(503, { "retry-after": "3600" }, '{"error":{"code":"maintenance","message":"Back in an hour"}}');
    const dir = tempDir();
    ids(dir, 3);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--max-wait", "5", "--json"], {
      cwd: dir,
      env: { LEADLEX_API_KEY: FAKE_KEY, LEADLEX_BASE_URL: origin },
    });
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ resume_after: expect.any(String), counts: { failed: 3 } });
  });

  it("a provider that echoes the key in an error never gets it into the report or the output", async () => {
    const key = "wbk_TOPSECRET_0123456789";
    const origin = await provider((request, response) => {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "bad_request", message: `Received Authorization: ${request.headers.authorization ?? ""}` } }));
    });
    const dir = tempDir();
    ids(dir, 2);
    const run = await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: { LEADLEX_API_KEY: key, LEADLEX_BASE_URL: origin } });
    const report = readFileSync(join(dir, "c.report.csv"), "utf8");
    expect(report).toContain("[redacted]");
    expect(run.stdout + run.stderr + report).not.toContain(key);
  });

  it("the interrupt grace period cuts stuck requests but still writes every row's record", async () => {
    const box = await sandbox({ faults: { rate: 1, kinds: ["hang"], seed: 1 } });
    const dir = tempDir();
    ids(dir, 500);
    const run = startCli(["leadlex-list", "l", "c.csv", "--timeout", "1", "-b", "10"], { cwd: dir, env: leadlexEnv(box) });
    while ((box.state.faults.get("hang") ?? 0) < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    run.kill("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(readCsvReport(join(dir, "c.report.csv"))).toHaveLength(500);
  });

  it("an interrupt while waiting for stdin ends the run at once, nothing sent", async () => {
    const dir = tempDir();
    const child = spawn(BIN, ["leadlex-list", "l", "-", "--dry-run"], { cwd: dir, env: { PATH: process.env.PATH ?? "" }, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdin.write("contact_id\n");
    await new Promise((resolve) => setTimeout(resolve, 400));
    const started = Date.now();
    child.kill("SIGINT");
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(stderr).toContain("interrupted by SIGINT while reading the input; nothing was sent");
    child.stdin.destroy();
  });

  it("an interrupt while waiting for a FIFO that no one opens for writing ends the run at once", async () => {
    const dir = tempDir();
    execFileSync("mkfifo", [join(dir, "pipe")]);
    const run = startCli(["leadlex-list", "l", "pipe", "--dry-run", "--format", "csv"], { cwd: dir });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const started = Date.now();
    run.kill("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("a closed pipe for the report on stdout is a clean error, not a crash", async () => {
    const box = await sandbox({ latencyMs: 5 });
    const dir = tempDir();
    ids(dir, 3000);
    const child = spawn(BIN, ["leadlex-list", "l", "c.csv", "--report", "-", "-b", "10"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", ...leadlexEnv(box) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(3);
    expect(stderr).toMatch(/addlist: cannot write the report on standard output: .*EPIPE/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([["drivers"], ["leadlex-list", "--help"], ["help", "amplemarket"]])(
    "`addlist %s` into a pipe closed early ends quietly (exit 0)",
    async (...args) => {
      const child = spawn(BIN, args, { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy(); // a reader gone before the first line, as `| head -0` would be
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const code = await new Promise((resolve) => child.on("exit", resolve));
      expect(stderr).toBe("");
      expect(code).toBe(0);
    },
  );

  it("an input rewritten while it is being sent changes nothing: the rows checked are sent, and nothing is left behind", async () => {
    const box = await sandbox({ latencyMs: 5 });
    const dir = tempDir();
    ids(dir, 4000);
    const run = startCli(["leadlex-list", "l", "c.csv", "-p", "1", "-b", "20"], { cwd: dir, env: leadlexEnv(box) });
    while (box.state.requests < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    writeFileSync(join(dir, "c.csv"), '"unclosed\n');
    const done = await run.done;
    expect(done.code).toBe(0);
    expect(box.state.membersOf("leadlex-list:l").size).toBe(4000);
    expect(readdirSync(dir).sort()).toEqual(["c.csv", "c.report.csv", "c.report.csv.addlist.json"]);
  });
});

describe("inputs and reports", () => {
  it("a filtered report is a ready input: guarded cells are read back as they were", async () => {
    const box = await sandbox();
    const dir = tempDir();
    writeFileSync(join(dir, "ph.csv"), "external_id,name\n+4915112345,a\n-42,b\n");
    const env = {
      EMARSYS_CLIENT_ID: "fake-client",
      EMARSYS_CLIENT_SECRET: "fake-client-secret",
      EMARSYS_TOKEN_URL: box.tokenUrl,
      EMARSYS_BASE_URL: box.baseUrl("emarsys"),
    };
    expect((await runCli(["emarsys", "1", "ph.csv", "-o", "r.csv", "--key-id", "uid"], { cwd: dir, env })).code).toBe(0);
    expect(readFileSync(join(dir, "r.csv"), "utf8")).toContain("'+4915112345");
    expect((await runCli(["emarsys", "2", "r.csv", "--key-id", "uid"], { cwd: dir, env })).code).toBe(0);
    expect(Object.keys(box.state.receivedCounts("emarsys:2")).sort()).toEqual(["+4915112345", "-42"]);
  });

  it("an empty CSV is no rows (exit 0); --json still prints its object on command-line errors", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "empty.csv"), "");
    const empty = await runCli(["leadlex-list", "l", "empty.csv", "--dry-run", "--json"], { cwd: dir });
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toMatchObject({ rows: 0, exit_code: 0 });
    const bogus = await runCli(["leadlex-list", "l", "empty.csv", "--json", "--bogus"], { cwd: dir });
    expect(bogus.code).toBe(2);
    expect(JSON.parse(bogus.stdout)).toMatchObject({ driver: "leadlex-list", exit_code: 2, error: { code: "usage" } });
    expect(bogus.stderr).toMatch(/^addlist: unknown option '--bogus'/);
  });

  it("Amplemarket recognises bare LinkedIn URLs and a one-column file of emails without a header", async () => {
    const box = await sandbox();
    const dir = tempDir();
    const env = { AMPLEMARKET_API_KEY: FAKE_KEY, AMPLEMARKET_BASE_URL: box.baseUrl("amplemarket") };
    writeFileSync(join(dir, "li.json"), JSON.stringify(["https://www.linkedin.com/in/ann", "linkedin.com/in/bob"]));
    expect(JSON.parse((await runCli(["amplemarket", "l1", "li.json", "--json"], { cwd: dir, env })).stdout)).toMatchObject({ counts: { added: 2 } });
    writeFileSync(join(dir, "e.csv"), "ann@example.com\nbob@example.com\n");
    expect(JSON.parse((await runCli(["amplemarket", "l2", "e.csv", "--json"], { cwd: dir, env })).stdout)).toMatchObject({ rows: 2, counts: { added: 2 } });
  });

  it("Emarsys sends key_id 3 for an email column unless told otherwise", async () => {
    const bodies: unknown[] = [];
    const origin = await provider((_, response, body) => {
      bodies.push(JSON.parse(body));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ replyCode: 0, replyText: "OK", data: { inserted_contacts: "1", errors: [] } }));
    });
    const dir = tempDir();
    writeFileSync(join(dir, "e.csv"), "email\nann@example.com\n");
    const env = { EMARSYS_USERNAME: "fake-user", EMARSYS_SECRET: "fake-wsse-secret", EMARSYS_BASE_URL: origin };
    expect((await runCli(["emarsys", "1", "e.csv"], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(["emarsys", "1", "e.csv", "--key-id", "uid", "--force"], { cwd: dir, env })).code).toBe(0);
    expect(bodies).toEqual([
      { key_id: "3", external_ids: ["ann@example.com"] },
      { key_id: "uid", external_ids: ["ann@example.com"] },
    ]);
    const bad = await runCli(["emarsys", "1", "e.csv", "--dry-run", "--key-id", "email"], { cwd: tempDir() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--key-id must be a field id (digits), id or uid; got "email"');
  });

  it("refuses a report path that is not a regular file, and lets a real run replace a dry run's report", async () => {
    const box = await sandbox();
    const dir = tempDir();
    ids(dir, 3);
    execFileSync("mkfifo", [join(dir, "fifo.csv")]);
    const fifo = await runCli(["leadlex-list", "l", "c.csv", "-o", "fifo.csv", "--force"], { cwd: dir, env: leadlexEnv(box) });
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toContain("the report path fifo.csv is not a regular file (to discard the report: --report - and redirect standard output)");
    expect((await runCli(["leadlex-list", "l", "c.csv", "--dry-run"], { cwd: dir })).code).toBe(0);
    expect((await runCli(["leadlex-list", "l", "c.csv", "--dry-run", "--resume"], { cwd: dir })).code).toBe(2);
    const real = await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: leadlexEnv(box) });
    expect(real.code).toBe(0);
    expect(statuses(join(dir, "c.report.csv"))).toEqual({ added: 3 });
    expect((await runCli(["leadlex-list", "l", "c.csv"], { cwd: dir, env: leadlexEnv(box) })).code).toBe(2);
  });
});

describe("waits and failures that used to stop or stall a run", () => {
  const RATE_LIMITED = '{"error":{"code":"rate_limited","message":"slow down"}}';
  const leadlex = (origin: string): Record<string, string> => ({ LEADLEX_API_KEY: FAKE_KEY, LEADLEX_BASE_URL: origin });

  it("a 5xx is retried by backoff, not held to the quota reset its rate-limit headers name", async () => {
    let calls = 0;
    const midnight = String(Math.ceil(Date.now() / 86_400_000) * 86_400);
    const origin = await provider((_request, response, body) => {
      const headers = { "content-type": "application/json", "x-ratelimit-limit": "10000", "x-ratelimit-remaining": "9000", "x-ratelimit-reset": midnight };
      response.writeHead(++calls === 1 ? 500 : 200, headers);
      response.end(
        calls === 1
          ? '{"error":{"code":"internal_server_error","message":"oops"}}'
          : JSON.stringify({ success: true, data: { added: (JSON.parse(body) as { contact_ids: string[] }).contact_ids.length } }),
      );
    });
    const dir = tempDir();
    ids(dir, 3);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--max-wait", "5", "--json"], { cwd: dir, env: leadlex(origin) });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { added: 3 }, retries: 1 });
  });

  it("a provider that refuses for longer than --max-wait gives a resume time on the local clock, whatever the server's says", async () => {
    const hourMs = 3_600_000;
    const origin = await provider((_request, response) => {
      const serverNow = Date.now() + hourMs; // the server's clock is an hour ahead
      const headers = { "content-type": "application/json", date: new Date(serverNow).toUTCString(), "retry-after": new Date(serverNow + 2000).toUTCString() };
      response.writeHead(429, headers);
      response.end(RATE_LIMITED);
    });
    const dir = tempDir();
    ids(dir, 3);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--max-wait", "3", "--json"], { cwd: dir, env: leadlex(origin) });
    expect(run.code).toBe(4);
    const resumeAfter = Date.parse((JSON.parse(run.stdout) as { resume_after: string }).resume_after);
    expect(resumeAfter).toBeLessThan(Date.now() + hourMs / 2);
  });

  it.each([
    ["Retry-After", { "retry-after": "99999999999999" }],
    ["X-RateLimit-Reset", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999999999999999999" }],
  ])("an absurd %s is a quota to resume after (exit 4), not a crash", async (_, headers) => {
    const origin = await answering(429, headers, RATE_LIMITED);
    const dir = tempDir();
    ids(dir, 3);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--json"], { cwd: dir, env: leadlex(origin) });
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ resume_after: expect.stringMatching(/^\d{4}-/), counts: { not_sent: 3 } });
    expect(statuses(join(dir, "c.report.csv"))).toEqual({ not_sent: 3 });
  });

  it("a provider that answers 429 without end stops once --max-wait has passed (exit 4), instead of running forever", async () => {
    const origin = await answering(429, { "retry-after": "1" }, RATE_LIMITED);
    const dir = tempDir();
    ids(dir, 2);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--max-wait", "2", "--json"], { cwd: dir, env: leadlex(origin) });
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { not_sent: 2 } });
  });

  it("a base URL where nothing listens fails each batch naming the address tried", async () => {
    const dir = tempDir();
    ids(dir, 2);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--retries", "0"], { cwd: dir, env: leadlex("http://127.0.0.1:1/leadlex") });
    expect(run.code).toBe(1);
    expect(readCsvReport(join(dir, "c.report.csv"))[0]).toMatchObject({
      status: "failed",
      code: "connection_refused",
      message: "cannot connect to http://127.0.0.1:1 (ECONNREFUSED) (no retries)",
    });
  });

  it("says so when a one-column header may be data, the delimiter may be wrong, or there are no rows", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "cust.csv"), "CUST-001\nCUST-002\n");
    writeFileSync(join(dir, "semi.csv"), "id;email\n1;a@x.com\n");
    writeFileSync(join(dir, "empty.csv"), "");
    const note = async (file: string, ...extra: string[]): Promise<string> => {
      const { stderr } = await runCli(["emarsys", "12", file, "--dry-run", "--force", ...extra], { cwd: dir });
      return stderr
        .split("\n")
        .filter((line) => line.startsWith("addlist: note: "))
        .map((line) => `${line}\n`)
        .join("");
    };
    expect(await note("cust.csv", "--key-id", "4711")).toBe(
      'addlist: note: line 1 of cust.csv, "CUST-001", was read as the column name: if it is data, give --no-header\n',
    );
    expect(await note("semi.csv", "--delimiter", ",")).toBe(
      `addlist: note: semi.csv was read as one column, "id;email": if ";" separates its columns, give --delimiter ';'\n`,
    );
    expect(await note("empty.csv")).toBe("addlist: note: empty.csv holds no data rows: nothing to send\n");
    expect(await note("cust.csv", "--no-header")).toBe("");
  });

  it("--rate paces however slowly without counting as a quota wait", async () => {
    const box = await sandbox();
    const dir = tempDir();
    ids(dir, 3);
    const run = await runCli(["leadlex-list", "l", "c.csv", "-b", "1", "--rate", "5", "--max-wait", "0", "--json"], { cwd: dir, env: leadlexEnv(box) });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ requests: 3, counts: { added: 3 } });
  });

  it("an OAuth2 token endpoint that is busy or failing is waited out, not taken for a refusal", async () => {
    let tokenCalls = 0;
    const origin = await provider((request, response, body) => {
      if (request.url === "/token") {
        tokenCalls++;
        if (tokenCalls === 1) response.writeHead(429, { "retry-after": "1" }).end();
        else if (tokenCalls === 2) response.writeHead(503).end("<html>down</html>");
        else response.writeHead(200, { "content-type": "application/json" }).end('{"access_token":"fake-token-0001","expires_in":3600}');
        return;
      }
      const ids = (JSON.parse(body) as { external_ids: string[] }).external_ids;
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ replyCode: 0, replyText: "OK", data: { inserted_contacts: ids.length, errors: [] } }));
    });
    const dir = tempDir();
    writeFileSync(join(dir, "ids.csv"), "external_id\na1\na2\n");
    const env = {
      EMARSYS_CLIENT_ID: "fake-client",
      EMARSYS_CLIENT_SECRET: "fake-client-secret",
      EMARSYS_TOKEN_URL: `${origin}/token`,
      EMARSYS_BASE_URL: origin,
    };
    const run = await runCli(["emarsys", "7", "ids.csv", "--json"], { cwd: dir, env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { added: 2 }, rate_limited: 1 });
    expect(tokenCalls).toBe(3);
  });

  const HEADER = "row,key,status,code,message,attempts,http_status,contact_id\n";
  it.each([
    [
      "a row number beyond any input",
      `${HEADER}99999999999,x,added,,,1,200,x\n`,
      undefined,
      /^addlist: cannot resume from c\.report\.csv\.part: "99999999999" is not a row number\. Use --force/,
    ],
    [
      "a run record that is not an object",
      HEADER,
      "null\n",
      /^addlist: cannot resume from c\.report\.csv: its run record c\.report\.csv\.addlist\.json is damaged\. Use --force/,
    ],
    [
      "a run record that is a list",
      HEADER,
      "[]\n",
      /^addlist: cannot resume from c\.report\.csv: its run record c\.report\.csv\.addlist\.json is damaged\. Use --force/,
    ],
  ])("refuses to resume from %s, cleanly (exit 2)", async (_, journal, record, message) => {
    const dir = tempDir();
    ids(dir, 3);
    writeFileSync(join(dir, "c.report.csv.part"), journal);
    if (record !== undefined) writeFileSync(join(dir, "c.report.csv.addlist.json"), record);
    const run = await runCli(["leadlex-list", "l", "c.csv", "--resume"], { cwd: dir, env: { LEADLEX_API_KEY: FAKE_KEY } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain("internal error");
  });
});

import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.js";
import { post } from "../helpers/http.js";

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGTERM");
});

/** Starts `addlist sandbox` with the given flags; resolves with its origin once it listens. */
function serve(...flags: string[]): Promise<string> {
  const child = spawn(BIN, ["sandbox", "--port", "0", ...flags], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (origin !== undefined) resolve(origin);
    });
    child.on("exit", (code) => reject(new Error(`sandbox exited with ${code}: ${out}`)));
  });
}

const auth = { authorization: "Bearer test-key-not-a-secret" };
const body = { contact_ids: ["c0000001-0000-4000-8000-000000000001"] };

describe("addlist sandbox", () => {
  it("injects the faults it is told to, seeded", async () => {
    const origin = await serve("--faults", "1", "--fault-kinds", "503");
    const answer = await post(`${origin}/leadlex/v1/lists/l/contacts`, body, auth);
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("1");
    const stats = await fetch(`${origin}/_sandbox/stats`).then((r) => r.json());
    expect(stats).toMatchObject({ faults: { "503": 1 } });
  });

  it("rate-limits per day in the style asked, and starts a new day on request", async () => {
    const origin = await serve("--rate-limit", "1000/s", "--daily-quota", "2", "--rate-limit-style", "retry-after");
    const url = `${origin}/amplemarket/lead-lists/l/leads`;
    const lead = { type: "email", leads: [{ email: "a@x.com" }] };
    expect((await post(url, lead, auth)).status).toBe(202);
    expect((await post(url, lead, auth)).status).toBe(202);
    const limited = await post(url, lead, auth);
    expect(limited).toMatchObject({ status: 429, body: { _errors: [{ code: "rate_limited" }] } });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.headers["x-ratelimit-remaining"]).toBeUndefined();
    const leadlex = await post(`${origin}/leadlex/v1/lists/l/contacts`, body, auth);
    expect(leadlex.status).toBe(200); // each provider has its own limits
    expect((await post(`${origin}/_sandbox/new-day`, {})).status).toBe(200);
    expect((await post(url, lead, auth)).status).toBe(202);
  });

  it("stops on SIGTERM however soon after it says where it listens", async () => {
    for (let i = 0; i < 10; i++) {
      const child = spawn(BIN, ["sandbox", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
      children.push(child);
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      await new Promise<void>((resolve) => child.stdout.setEncoding("utf8").on("data", (chunk: string) => chunk.includes("listening on") && resolve()));
      child.kill("SIGTERM");
      const outcome = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 3000))]);
      expect(outcome).toBe(0);
    }
  });

  it("refuses bad flags with exit 2", async () => {
    const child = spawn(BIN, ["sandbox", "--rate-limit", "fast"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('expected a rate like 20/s, 100/2s or 60/m; got "fast"');
  });
});

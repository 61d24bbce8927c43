import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/files.js";

const BENCH = fileURLToPath(new URL("../../bench/run.js", import.meta.url));

describe("npm run bench", () => {
  it("runs end to end at small sizes and writes every figure (no timing is asserted)", async () => {
    const out = join(tempDir(), "bench.json");
    const child = spawn(process.execPath, [BENCH, "--quick", "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.resume();
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(stdout).toContain("overhead: addlist / floor wall time");
    const { results } = JSON.parse(readFileSync(out, "utf8")) as { results: Record<string, Record<string, unknown>> };
    expect(results.overhead).toMatchObject({ ratio: expect.any(Number), rows_per_s: expect.any(Number) });
    expect(results.latency).toMatchObject({ efficiency: expect.any(Number) });
    expect(results.incremental).toMatchObject({ requests: 2, known: 19_800, added: 200 });
    expect(results.rate_limited).toMatchObject({
      "bucket-retry-after": { use_of_limit: expect.any(Number) },
      "ietf-bucket": { share_429: expect.any(Number) },
    });
    expect(Object.values(results.memory ?? {})).toEqual([
      expect.objectContaining({ peak_rss_mb: expect.any(Number) }),
      expect.objectContaining({ peak_rss_mb: expect.any(Number) }),
    ]);
    expect(results.startup).toMatchObject({ ratio: expect.any(Number) });
  }, 120_000);
});

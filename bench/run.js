// addlist benchmark: `npm run bench` (or `node bench/run.js [--quick] [--out file.json]`).
// Starts its own sandbox processes on loopback, generates its inputs, and measures in one
// run: addlist against a bare undici floor, latency-bound efficiency, use of a rate limit,
// peak memory, and start-up time. Prints a table and writes the figures as JSON.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(root, "bin", "addlist");
const quick = process.argv.includes("--quick");
const outIndex = process.argv.indexOf("--out");
const outFile = outIndex > 0 ? process.argv[outIndex + 1] : join(root, "bench", "results", "latest.json");

const SIZES = quick
  ? { overhead: 20_000, latency: 4_000, latencyMs: 20, rate: 1_000, rateLimit: 50, memory: [20_000, 40_000], startupRuns: 3, repeats: 1 }
  : { overhead: 1_000_000, latency: 200_000, latencyMs: 50, rate: 100_000, rateLimit: 50, memory: [1_000_000, 5_000_000], startupRuns: 10, repeats: 3 };

const work = mkdtempSync(join(tmpdir(), "addlist-bench-"));
const BATCH = 100;

try {
  const results = {};
  log(`addlist benchmark${quick ? " (quick)" : ""}: Node ${process.version}, scratch ${work}`);

  // 1. Overhead against the floor, 0 ms latency, concurrency 8.
  const overheadInput = await uuidFile("overhead.csv", SIZES.overhead);
  const bodies = batchBodies(overheadInput, "overhead-bodies.ndjson");
  const floors = [];
  const overheadRuns = [];
  for (let i = 0; i < SIZES.repeats; i++) {
    floors.push(await withSandbox([], async (origin) => floor(origin, bodies, 8)));
    overheadRuns.push(await withSandbox([], async (origin) => addlist(origin, overheadInput, ["-p", "8"])));
  }
  const floorMs = Math.min(...floors);
  const best = overheadRuns.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  results.overhead = {
    rows: SIZES.overhead,
    floor_ms: round(floorMs),
    addlist_ms: round(best.wallMs),
    ratio: round(best.wallMs / floorMs, 3),
    rows_per_s: round(SIZES.overhead / (best.wallMs / 1000)),
    runs_ms: { floor: floors.map((x) => round(x)), addlist: overheadRuns.map((r) => round(r.wallMs)) },
  };
  log(`overhead: floor ${round(floorMs)} ms, addlist ${round(best.wallMs)} ms`);

  // 2. Latency-bound: every answer takes latencyMs.
  const latencyInput = await uuidFile("latency.csv", SIZES.latency);
  const latencyRun = await withSandbox(["--latency", String(SIZES.latencyMs)], (origin) => addlist(origin, latencyInput, ["-p", "8"]));
  const idealMs = (Math.ceil(SIZES.latency / BATCH) / 8) * SIZES.latencyMs;
  results.latency = {
    rows: SIZES.latency,
    latency_ms: SIZES.latencyMs,
    ideal_ms: round(idealMs),
    addlist_ms: round(latencyRun.wallMs),
    efficiency: round(idealMs / latencyRun.wallMs, 3),
  };
  log(`latency-bound: ideal ${round(idealMs)} ms, addlist ${round(latencyRun.wallMs)} ms`);

  // 3. Rate-limited: told by Retry-After, then the LeadLex way (X-RateLimit-* only).
  const rateInput = await uuidFile("rate.csv", SIZES.rate);
  results.rate_limited = {};
  for (const style of ["retry-after", "headers"]) {
    const run = await withSandbox(["--rate-limit", `${SIZES.rateLimit}/s`, "--rate-limit-style", style], (origin) => addlist(origin, rateInput, ["-p", "16"]));
    const sent = run.summary.requests - run.summary.rate_limited;
    results.rate_limited[style] = {
      rows: SIZES.rate,
      limit_per_s: SIZES.rateLimit,
      requests: run.summary.requests,
      answered_429: run.summary.rate_limited,
      use_of_limit: round(sent / (run.wallMs / 1000) / SIZES.rateLimit, 2),
      share_429: round(run.summary.rate_limited / run.summary.requests, 3),
    };
    log(`rate-limited (${style}): ${round(sent / (run.wallMs / 1000), 1)} requests/s, ${run.summary.rate_limited} answered 429`);
  }

  // 4. Peak memory of the CLI process, dedupe on.
  results.memory = { [SIZES.overhead]: { peak_rss_mb: round(best.peakRssKb / 1024, 1) } };
  for (const rows of SIZES.memory.filter((n) => n !== SIZES.overhead)) {
    const input = await uuidFile(`memory-${rows}.csv`, rows);
    const run = await withSandbox([], (origin) => addlist(origin, input, ["-p", "8"]));
    results.memory[rows] = { peak_rss_mb: round(run.peakRssKb / 1024, 1), wall_ms: round(run.wallMs) };
    rmSync(input);
    log(`memory: ${rows} rows, peak RSS ${round(run.peakRssKb / 1024, 1)} MB`);
  }

  // 5. Start-up.
  const nodeMs = median(await repeat(SIZES.startupRuns, () => timed(process.execPath, ["-e", "0"])));
  const versionMs = median(await repeat(SIZES.startupRuns, () => timed(BIN, ["--version"])));
  results.startup = { node_ms: round(nodeMs, 1), addlist_version_ms: round(versionMs, 1), ratio: round(versionMs / nodeMs, 2) };

  printTable(results);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, results }, null, 2)}\n`);
  log(`figures written to ${outFile}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function printTable(r) {
  const [small, large] = SIZES.memory;
  const rows = [
    ["overhead: addlist / floor wall time", `${r.overhead.ratio} (${r.overhead.addlist_ms} / ${r.overhead.floor_ms} ms)`, "≤ 1.5", r.overhead.ratio <= 1.5],
    ["overhead: rows/s", String(r.overhead.rows_per_s), "", undefined],
    ["latency-bound: ideal / actual", `${r.latency.efficiency} (${r.latency.ideal_ms} / ${r.latency.addlist_ms} ms)`, "≥ 0.90", r.latency.efficiency >= 0.9],
    ...["retry-after", "headers"].map((style) => {
      const x = r.rate_limited[style];
      return [
        `rate-limited (${style}): use of limit, 429 share`,
        `${x.use_of_limit}, ${(x.share_429 * 100).toFixed(1)}%`,
        "≥ 0.90, ≤ 5%",
        x.use_of_limit >= 0.9 && x.share_429 <= 0.05,
      ];
    }),
    [`peak RSS at ${small.toLocaleString("en-US")} rows`, `${r.memory[small].peak_rss_mb} MB`, "≤ 128 MB", r.memory[small].peak_rss_mb <= 128],
    [`peak RSS at ${large.toLocaleString("en-US")} rows`, `${r.memory[large].peak_rss_mb} MB`, "≤ 256 MB", r.memory[large].peak_rss_mb <= 256],
    ["start-up: addlist --version / node -e 0", `${r.startup.ratio} (${r.startup.addlist_version_ms} / ${r.startup.node_ms} ms)`, "≤ 3", r.startup.ratio <= 3],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => String(row[i]).length), ["figure", "measured", "target"][i].length));
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`\n${line(["figure", "measured", "target", ""])}\n`);
  for (const [figure, measured, target, ok] of rows)
    process.stdout.write(`${line([figure, measured, target, ok === undefined ? "" : ok ? "met" : "MISSED"])}\n`);
  if (quick) process.stdout.write("(quick run: sizes are too small for the targets to mean anything)\n");
  process.stdout.write("\n");
}

/** A CSV of `rows` random contact UUIDs. */
async function uuidFile(name, rows) {
  const path = join(work, name);
  const out = createWriteStream(path);
  out.write("contact_id\n");
  for (let i = 0; i < rows; i += 10_000) {
    let chunk = "";
    for (let j = i; j < Math.min(rows, i + 10_000); j++) chunk += `${randomUUID()}\n`;
    if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise((resolve) => out.end(resolve));
  return path;
}

/** The request bodies addlist would send for the file, pre-built for the floor. */
function batchBodies(input, name) {
  const ids = readFileSync(input, "utf8").trimEnd().split("\n").slice(1);
  const lines = [];
  for (let i = 0; i < ids.length; i += BATCH) lines.push(JSON.stringify({ contact_ids: ids.slice(i, i + BATCH) }));
  const path = join(work, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** Runs `body` against a fresh sandbox process started with the flags. */
async function withSandbox(flags, body) {
  const child = spawn(BIN, ["sandbox", "--port", "0", ...flags], { stdio: ["ignore", "pipe", "inherit"] });
  const origin = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (found) resolve(found[1]);
    });
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${code}): ${out}`)));
  });
  try {
    return await body(origin);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

async function floor(origin, bodies, concurrency) {
  const { stdout } = await run(process.execPath, [join(root, "bench", "floor.js"), origin, "/leadlex/v1/lists/floor/contacts", bodies, String(concurrency)]);
  return JSON.parse(stdout).ms;
}

/** One addlist run as a user would start it; wall time from spawn to exit, and its peak RSS. */
async function addlist(origin, input, extra) {
  const rssFile = join(work, `rss-${randomUUID()}`);
  const report = join(work, `report-${randomUUID()}.csv`);
  const env = {
    PATH: process.env.PATH,
    LEADLEX_API_KEY: "bench-key-not-a-secret",
    LEADLEX_BASE_URL: `${origin}/leadlex`,
    NODE_OPTIONS: `--require ${join(root, "bench", "peak-rss.cjs")}`,
    ADDLIST_BENCH_RSS_FILE: rssFile,
  };
  const started = performance.now();
  const { stdout, code } = await run(BIN, ["leadlex-list", "bench-list", input, "--json", "-q", "-o", report, ...extra], env);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`addlist exited with ${code}: ${stdout}`);
  const summary = JSON.parse(stdout);
  const peakRssKb = Number(readFileSync(rssFile, "utf8"));
  rmSync(report, { force: true });
  return { wallMs, summary, peakRssKb };
}

function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ stdout, code }));
  });
}

async function timed(command, args) {
  const started = performance.now();
  await run(command, args);
  return performance.now() - started;
}

async function repeat(times, fn) {
  const values = [];
  for (let i = 0; i < times; i++) values.push(await fn());
  return values;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function round(value, digits = 0) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function log(message) {
  process.stderr.write(`${message}\n`);
}
